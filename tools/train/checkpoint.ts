/**
 * Checkpoints: everything an exact resume needs, in one .npz (readable by numpy's np.load):
 *
 *   <state-dict keys>        the authors' state dict (state-dict.ts): parameters, BatchNorm running
 *                            stats and num_batches_tracked — so `last.ckpt` also loads into PyTorch
 *   adam.m.<name>, adam.v.<name>   AdamW first and second moments (float64), per parameter
 *   sedge.meta               JSON as uint8: counters (epoch, step in epoch, global step, each
 *                            parameter's AdamW step), the config, input statistics, worker count,
 *                            best-val metrics, the epoch history and the running sums of the
 *                            epoch in progress
 *
 * No RNG state is stored because none is carried: every random draw of the trainer comes from a
 * stream derived from (seed, what, epoch/step/clip) (train.ts), so the counters are the RNG state.
 *
 * Files are replaced atomically (temp file, fsync, rename): a kill leaves the previous checkpoint or
 * the new one, never half of one.
 */
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parseNpz, type NpyArray } from '../../src/model/npy.js';
import { DataError } from '../../src/errors.js';
import { encodeNpz } from '../export/npz.js';
import type { TrainConfig } from './config.js';
import type { SedgeModel } from './model.js';
import type { AdamW } from './optim.js';
import { loadStateDict, stateDict } from './state-dict.js';

export const CHECKPOINT_FORMAT = 'sedge-train-checkpoint/1';
const META_KEY = 'sedge.meta';

export interface EpochRecord {
  epoch: number; // 1-based
  trainLoss: number; // mean cross-entropy over the epoch's batches (no penalty), as the authors log it
  trainAcc: number;
  valLoss: number;
  valAcc: number;
  /** Max lr of the SSM group at the epoch's last step. */
  lr: number;
  seconds: number;
  clipsPerSecond: number;
}

export interface Best {
  valLoss: number;
  valLossEpoch: number; // 1-based, 0 = none yet
  valAcc: number;
  valAccEpoch: number;
}

export interface RunningSums {
  ceSum: number; // Σ over batches of the batch-mean CE
  correct: number;
  clips: number;
  batches: number;
  seconds: number;
}

export interface CheckpointMeta {
  format: string;
  /** Epoch in progress, 0-based (= epochs completed and validated). */
  epoch: number;
  /** Batches of `epoch` already trained; = stepsPerEpoch means only its validation is left. */
  stepInEpoch: number;
  globalStep: number;
  stepsPerEpoch: number;
  config: TrainConfig;
  inputMean: number;
  inputStd: number;
  workers: number;
  best: Best;
  history: EpochRecord[];
  running: RunningSums;
  /** AdamW's step count per parameter name (parameters that never had a gradient are absent). */
  adamSteps: Record<string, number>;
  dataDir: string;
  /** Length changes on resume (--reschedule): at which step, from and to how many epochs. */
  extensions?: Array<{ atStep: number; fromEpochs: number; toEpochs: number }>;
  /** With distillation: the teacher file's sha256 (a resume refuses another teacher). */
  teacherSha256?: string;
  savedAt: string;
}

/** Writes `bytes` to `path` via a temp file in the same folder, fsync and rename. */
export function writeFileAtomic(path: string, bytes: Uint8Array | string): void {
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}`);
  const fd = openSync(tmp, 'w');
  try {
    const data = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
    let off = 0;
    while (off < data.length) off += writeSync(fd, data, off, data.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(tmp, path);
  } catch (error) {
    try { unlinkSync(tmp); } catch { /* already gone */ }
    throw error;
  }
}

export function encodeCheckpoint(model: SedgeModel, optimizer: AdamW, meta: Omit<CheckpointMeta, 'format' | 'adamSteps' | 'savedAt'>): Uint8Array {
  const arrays = new Map<string, NpyArray>(stateDict(model));
  const adamSteps: Record<string, number> = {};
  for (const { name, tensor } of model.parameters()) {
    const s = optimizer.stateOf(tensor);
    if (!s) continue;
    adamSteps[name] = s.step;
    arrays.set(`adam.m.${name}`, { dtype: '<f8', shape: [s.m.length], data: s.m });
    arrays.set(`adam.v.${name}`, { dtype: '<f8', shape: [s.v.length], data: s.v });
  }
  const full: CheckpointMeta = { format: CHECKPOINT_FORMAT, ...meta, adamSteps, savedAt: new Date().toISOString() };
  const json = new TextEncoder().encode(JSON.stringify(full));
  arrays.set(META_KEY, { dtype: '|u1', shape: [json.length], data: json });
  return encodeNpz(arrays);
}

/** The meta of a checkpoint without touching a model (for --resume checks before any work). */
export function readCheckpointMeta(bytes: Uint8Array, path: string): { meta: CheckpointMeta; arrays: Map<string, NpyArray> } {
  let arrays: Map<string, NpyArray>;
  try {
    arrays = parseNpz(bytes, path);
  } catch (error) {
    throw new DataError(path, `not a readable checkpoint (${(error as Error).message})`);
  }
  const raw = arrays.get(META_KEY);
  if (!raw) throw new DataError(path, `not a sedge training checkpoint (no ${META_KEY})`);
  const meta = JSON.parse(new TextDecoder().decode(raw.data as Uint8Array)) as CheckpointMeta;
  if (meta.format !== CHECKPOINT_FORMAT) throw new DataError(path, `checkpoint format '${meta.format}', this sedge reads '${CHECKPOINT_FORMAT}'`);
  return { meta, arrays };
}

/** Restores parameters, BatchNorm state and AdamW moments from a checkpoint read by readCheckpointMeta. */
export function restoreCheckpoint(model: SedgeModel, optimizer: AdamW, meta: CheckpointMeta, arrays: Map<string, NpyArray>, path: string): void {
  const modelArrays = new Map([...arrays].filter(([k]) => k !== META_KEY && !k.startsWith('adam.')));
  try {
    loadStateDict(model, modelArrays, { name: path });
  } catch (error) {
    throw new DataError(path, (error as Error).message.replace(`${path}: `, ''));
  }
  for (const { name, tensor } of model.parameters()) {
    const step = meta.adamSteps[name];
    if (step === undefined) {
      optimizer.setState(tensor, null);
      continue;
    }
    const m = arrays.get(`adam.m.${name}`), v = arrays.get(`adam.v.${name}`);
    if (!m || !v || m.data.length !== tensor.size || v.data.length !== tensor.size) throw new DataError(path, `AdamW moments of '${name}' missing or of the wrong size`);
    optimizer.setState(tensor, { step, m: m.data as Float64Array, v: v.data as Float64Array });
  }
}
