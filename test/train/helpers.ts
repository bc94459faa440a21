/**
 * Shared pieces of the training tests: golden state dicts and gradients (test/fixtures/golden,
 * README §3.5–3.7), named tolerances, a relative max-norm deviation, and central differences.
 */
import { readFileSync } from 'node:fs';
import { parseNpz, type NpyArray } from '../../src/model/npy.js';
import { createRng } from '../../tools/autograd/random.js';
import type { Data, Tensor } from '../../tools/autograd/tensor.js';
import { SedgeModel, SEDGE_CONFIGS, type CreateOptions } from '../../tools/train/model.js';
import { loadStateDictNpz } from '../../tools/train/state-dict.js';
import { GOLDEN_DIR, loadGoldenInputs } from '../helpers/golden.js';

export const readGolden = (file: string): Uint8Array => new Uint8Array(readFileSync(GOLDEN_DIR + file));
export const goldenNpz = (file: string): Map<string, NpyArray> => parseNpz(readGolden(file), file);

/** The golden gradient batch (README §3.6): rows 0 and 1 of inputs.npy, labels [3, 17]. */
export const GRAD_BATCH = { rows: [0, 1], labels: [3, 17] } as const;
export const gradBatchClips = (): Float32Array[] => {
  const inputs = loadGoldenInputs();
  return GRAD_BATCH.rows.map((r) => inputs[r]);
};

/** Loss values of the authors' float64 run (README §3.6 table). */
export const GOLDEN_LOSS_F64 = { tiny: 9.61300267142427, small: 11.795780225068848 } as const;

/** A golden model (tiny or small) with its state dict loaded. */
export async function goldenModel(config: 'tiny' | 'small', options: CreateOptions): Promise<SedgeModel> {
  const model = await SedgeModel.create(SEDGE_CONFIGS[config], options);
  loadStateDictNpz(model, readGolden(`${config}.state_dict.npz`), { name: `${config}.state_dict.npz` });
  return model;
}

/** max|a − b| / max|b| (the per-tensor criterion). */
export function relMaxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let diff = 0, scale = 0;
  for (let k = 0; k < a.length; k++) {
    diff = Math.max(diff, Math.abs(Number(a[k]) - Number(b[k])));
    scale = Math.max(scale, Math.abs(Number(b[k])));
  }
  return scale === 0 ? diff : diff / scale;
}

/**
 * Central differences of `loss()` with respect to entries `indices` of `param`, each perturbed by
 * ±h (relative to the entry's size), in f64.
 */
export function numericGrad(param: Tensor, indices: number[], loss: () => number, h = 1e-6): number[] {
  const data: Data = param.data;
  return indices.map((k) => {
    const x0 = data[k];
    const step = h * Math.max(1, Math.abs(x0));
    data[k] = x0 + step;
    const up = loss();
    data[k] = x0 - step;
    const down = loss();
    data[k] = x0;
    return (up - down) / (2 * step);
  });
}

/** `count` distinct indices in [0, n), spread deterministically. */
export function someIndices(n: number, count: number, seed = 1): number[] {
  if (n <= count) return Array.from({ length: n }, (_, k) => k);
  const out = new Set<number>();
  const rng = createRng(seed);
  while (out.size < count) out.add(Math.floor(rng() * n));
  return [...out];
}
