/**
 * The training loop: the authors' recipe (spec §5.7, [SE] `train_sc.py`, `train_test.py`) on a
 * Speech Commands-layout folder, data-parallel over worker threads (parallel.ts), resumable.
 *
 *   per step   lr ← warm-up + cosine (schedule.ts); project Λ; workers: forward + CE (+ distillation
 *              from a teacher, config `teacher`) + backward on their share of the batch;
 *              + decoder-orthogonality penalty; AdamW (two groups)
 *   per epoch  validation on the exported model (BatchNorm folded, step scales 1) → best-val-loss
 *              (<) and best-val-acc (≥, as the authors compare) as .safetensors and .state_dict.npz
 *   at the end the test split on both best models → test.json
 *
 * What happens before any work, so bad input fails fast: the config is checked (config.ts), the
 * output folder (refused if it holds files and neither resume nor force is given), the checkpoint
 * (same run?), the data folder is indexed against the label list, then every clip is read (a corrupt
 * WAV fails here, naming the file). Only then is anything written.
 *
 * Output folder:
 *   config.json                 the run: config, data folder, label list, input mean/std, workers
 *   last.ckpt                   checkpoint.ts; every `checkpointEverySteps` steps and every epoch
 *   best-val-loss.safetensors   and best-val-acc.safetensors (+ .state_dict.npz for PyTorch)
 *   history.csv, history.json   one row per epoch (the authors' train_history.csv columns)
 *   history.svg                 the same as learning curves (history-svg.ts)
 *   test.json                   test loss/accuracy of both best models (when the corpus has a test split)
 *
 * Randomness: shuffling Rng.derive(seed, 'shuffle', epoch); augmentation (seed, 'augment', epoch,
 * clip); RZOH periods (seed, 'rzoh', step); dropout (seed, 'dropout', step, first clip of the share);
 * the model's init from the seed. A resumed run repeats the same draws, so it ends with the same
 * weights as an uninterrupted run with the same seed and worker count.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { DataError, UsageError } from '../../src/errors.js';
import type { Model } from '../../src/model/model.js';
import { parseModel } from '../../src/model/parse.js';
import { withStepScales } from '../../src/model/rescale.js';
import { decoderOrthogonality } from '../autograd/loss.js';
import { rzohPeriod } from '../autograd/sequence.js';
import { AUGMENT_PRESETS, type AugmentOptions } from '../data/augment.js';
import { Rng } from '../data/prng.js';
import { CLIP_SAMPLES, SpeechCommandsCorpus, type Split } from '../data/speech-commands.js';
import { exportModel } from '../export/to-model.js';
import { encodeSafetensors } from '../../src/model/safetensors.js';
import { sha256OfBytes } from '../../src/node/eval-command.js';
import {
  encodeCheckpoint, readCheckpointMeta, restoreCheckpoint, writeFileAtomic,
  type Best, type CheckpointMeta, type EpochRecord, type RunningSums,
} from './checkpoint.js';
import { modelConfigOf, sameRun, type TrainConfig } from './config.js';
import { historySvg, historyTitle } from './history-svg.js';
import { SedgeModel } from './model.js';
import { AdamW, sedgeParamGroups } from './optim.js';
import { sharedSplit, TrainerPool, type ReplicaOptions, type SharedSplit } from './parallel.js';
import { groupLrs, makeSchedule } from './schedule.js';
import { encodeStateDictNpz, loadStateDict, loadStateDictNpz, stateDictOfModel } from './state-dict.js';

export const RUN_FILES = {
  config: 'config.json',
  checkpoint: 'last.ckpt',
  bestLoss: 'best-val-loss',
  bestAcc: 'best-val-acc',
  historyCsv: 'history.csv',
  historyJson: 'history.json',
  historySvg: 'history.svg',
  test: 'test.json',
} as const;

export interface TrainOptions {
  /** Required for a new run; on resume optional (the checkpoint's), and if given it must be the same run. */
  config?: TrainConfig;
  /** Overrides config.epochs for a new run; on resume it must equal the run's (unless `reschedule`). */
  epochs?: number;
  /**
   * With `resume` and `epochs`: change the run's length. The cosine follows the new total from the
   * current step on and ends at the new last step, so the run is no longer identical to one started
   * with that many epochs; the checkpoint records the change.
   */
  reschedule?: boolean;
  dataDir: string;
  outDir: string;
  /** Continue from outDir/last.ckpt (the config must be the same run). */
  resume?: boolean;
  /** Start over in a non-empty outDir (deletes the files this trainer writes, nothing else). */
  force?: boolean;
  /** Worker threads (default: min(2, cores); on resume, the checkpoint's count). */
  workers?: number;
  engine?: 'auto' | 'simd' | 'scalar';
  /** Also write last.ckpt every this many steps (default 100), so a kill loses little. */
  checkpointEverySteps?: number;
  /**
   * Start from the authors' PyTorch state dict (.npz of `model.state_dict()`, e.g. a run's
   * best-val-acc.state_dict.npz) or from a sedge model (.safetensors, e.g. models/sedge-tiny.safetensors,
   * with `norm: false`: its BatchNorm is folded), new runs only.
   */
  initStateDict?: string;
  /** Stop after this global step as a kill would (no checkpoint beyond the periodic ones): for tests. */
  stopAfterStep?: number;
  /** Aborting saves last.ckpt after the current step and returns (Ctrl-C). */
  signal?: AbortSignal;
  /** Progress events (progress.ts draws them). */
  onEvent?: (event: TrainEvent) => void;
  log?: (line: string) => void;
}

export type TrainEvent =
  | { type: 'load'; split: Split; done: number; total: number }
  | { type: 'start'; epochs: number; stepsPerEpoch: number; globalStep: number; totalSteps: number; workers: number; resumedFrom: string | null }
  | { type: 'step'; epoch: number; epochs: number; stepInEpoch: number; stepsPerEpoch: number; globalStep: number; totalSteps: number;
      loss: number; accuracy: number; lr: number; clipsPerSecond: number; etaSeconds: number }
  | { type: 'validation'; epoch: number }
  | { type: 'epoch'; record: EpochRecord; best: Best }
  | { type: 'checkpoint'; path: string; globalStep: number };

export interface TestResult {
  model: string;
  epoch: number;
  valLoss: number;
  valAcc: number;
  testLoss: number;
  testAcc: number;
}

export interface TrainResult {
  outDir: string;
  /** 'done', or why it stopped early. */
  status: 'done' | 'stopped' | 'aborted';
  epochsDone: number;
  globalStep: number;
  history: EpochRecord[];
  best: Best;
  test: TestResult[] | null;
  inputMean: number;
  inputStd: number;
  workers: number;
}

/** The RZOH hold period of every layer at one step: one draw per layer, shared by the batch (spec §5.5). */
export function rzohPeriodsAt(seed: number, step: number, probabilities: readonly number[]): number[] | null {
  if (probabilities.length === 0) return null;
  const rng = Rng.derive(seed, 'rzoh', step);
  return probabilities.map((p) => rzohPeriod(p, () => rng.next()));
}

/** The training order of one epoch. */
export function epochOrder(seed: number, epoch: number, clips: number): Int32Array {
  const order = Array.from({ length: clips }, (_, i) => i);
  Rng.derive(seed, 'shuffle', epoch).shuffle(order);
  return Int32Array.from(order);
}

/** Mean and n−1 std over every sample (spec §3.4), merged per clip in f64 like tools/data trainingStats. */
export function inputStatsOf(x: Float32Array): { mean: number; std: number } {
  let n = 0, mean = 0, m2 = 0;
  for (let from = 0; from < x.length; from += CLIP_SAMPLES) {
    const clip = x.subarray(from, from + CLIP_SAMPLES);
    let sum = 0;
    for (let k = 0; k < clip.length; k++) sum += clip[k];
    const clipMean = sum / clip.length;
    let clipM2 = 0;
    for (let k = 0; k < clip.length; k++) clipM2 += (clip[k] - clipMean) ** 2;
    const total = n + clip.length, delta = clipMean - mean;
    mean += (delta * clip.length) / total;
    m2 += clipM2 + (delta * delta * n * clip.length) / total;
    n = total;
  }
  return { mean, std: Math.sqrt(m2 / (n - 1)) };
}

/** The authors' evaluate(): Σ of batch-mean losses / number of batches, and accuracy. */
export function batchedLoss(losses: Float64Array, batchSize: number): number {
  let total = 0, batches = 0;
  for (let from = 0; from < losses.length; from += batchSize) {
    const to = Math.min(losses.length, from + batchSize);
    let s = 0;
    for (let k = from; k < to; k++) s += losses[k];
    total += s / (to - from);
    batches++;
  }
  return batches ? total / batches : NaN;
}

const accuracyOf = (predictions: Int32Array, labels: Int32Array): number => {
  let correct = 0;
  predictions.forEach((p, i) => { if (p === labels[i]) correct++; });
  return predictions.length ? correct / predictions.length : NaN;
};

function ownFiles(outDir: string): string[] {
  const names = new Set<string>([RUN_FILES.config, RUN_FILES.checkpoint, RUN_FILES.historyCsv, RUN_FILES.historyJson, RUN_FILES.historySvg, RUN_FILES.test]);
  for (const b of [RUN_FILES.bestLoss, RUN_FILES.bestAcc]) { names.add(`${b}.safetensors`); names.add(`${b}.state_dict.npz`); }
  return readdirSync(outDir).filter((f) => names.has(f) || /^\..*\.tmp-\d+$/.test(f));
}

function historyCsv(history: EpochRecord[]): string {
  const cols = ['epoch', 'train_loss', 'train_acc', 'valid_loss', 'valid_acc', 'learning_rate', 'seconds', 'clips_per_second'] as const;
  const rows = history.map((h) => [h.epoch, h.trainLoss, h.trainAcc, h.valLoss, h.valAcc, h.lr, h.seconds.toFixed(1), h.clipsPerSecond.toFixed(2)].join(','));
  return [cols.join(','), ...rows].join('\n') + '\n';
}

/** A file a run starts from (the teacher; --init-state's model or state dict), with its sha256 (the run records it); `field` prefixes the error. */
function readModelFile(path: string, field = ''): { bytes: Uint8Array; sha256: string } {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(path));
  } catch (error) {
    throw new DataError(path, `${field}cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  return { bytes, sha256: sha256OfBytes(bytes) };
}

/**
 * The distillation teacher of a config, checked before any audio is read: readable, a model with
 * the config's labels and its own input standardisation, and on resume the same file as before.
 */
export function loadTeacher(config: TrainConfig, resumedSha256: string | undefined): { teacher?: ReplicaOptions['teacher']; teacherSha256: string | null } {
  if (!config.distill) return { teacherSha256: null };
  const { teacher: path, weight, temperature, stepScales } = config.distill;
  const { bytes, sha256 } = readModelFile(path, 'teacher: ');
  if (resumedSha256 !== undefined && resumedSha256 !== sha256) {
    throw new DataError(path, `teacher: the file changed since the run started (sha256 ${resumedSha256.slice(0, 12)}… then, ${sha256.slice(0, 12)}… now); restore it or start a new run`);
  }
  let model = parseModel(bytes, path);
  if (stepScales) {
    try {
      model = withStepScales(model, stepScales);
    } catch (error) {
      throw new DataError(path, `teacher_step_scales: ${(error as Error).message}`);
    }
  }
  if (model.labels.join() !== config.labels.join()) throw new DataError(path, `teacher: labels [${model.labels.join(', ')}] differ from the config's [${config.labels.join(', ')}]`);
  if (model.inputMean === null || model.inputStd === null) {
    throw new DataError(path, 'teacher: no input mean/std (a model_dict.npy does not carry them); use the .safetensors that sedge train writes');
  }
  return { teacher: { model, weight, temperature }, teacherSha256: sha256 };
}

export async function train(options: TrainOptions): Promise<TrainResult> {
  const log = options.log ?? (() => {});
  const emit = options.onEvent ?? (() => {});
  const outDir = resolve(options.outDir);
  const checkpointPath = join(outDir, RUN_FILES.checkpoint);

  // ── 1. checks that read no audio ──
  const existing = existsSync(outDir) ? readdirSync(outDir) : [];
  let resumed: { meta: CheckpointMeta; arrays: ReturnType<typeof readCheckpointMeta>['arrays'] } | null = null;
  let config: TrainConfig;
  if (options.epochs !== undefined && !(Number.isInteger(options.epochs) && options.epochs > 0)) throw new UsageError(`epochs must be a positive integer, got ${options.epochs}`);
  if (options.resume) {
    if (!existsSync(checkpointPath)) throw new UsageError(`--resume: ${checkpointPath} does not exist; nothing to resume (start a new run without --resume)`);
    resumed = readCheckpointMeta(new Uint8Array(readFileSync(checkpointPath)), checkpointPath);
    const saved = resumed.meta.config;
    const { globalStep, stepsPerEpoch } = resumed.meta;
    const rescheduleTo = options.reschedule && options.epochs !== undefined && options.epochs !== saved.epochs ? options.epochs : null;
    if (options.reschedule && rescheduleTo === null) throw new UsageError(`--reschedule needs an --epochs other than the run's ${saved.epochs}`);
    if (rescheduleTo !== null && rescheduleTo * stepsPerEpoch <= globalStep) {
      throw new UsageError(`--reschedule: the run is at step ${globalStep} (epoch ${Math.floor(globalStep / stepsPerEpoch) + 1}); --epochs ${rescheduleTo} would end before it`);
    }
    if (options.epochs !== undefined && options.epochs !== saved.epochs && rescheduleTo === null) {
      throw new UsageError(`--resume: the run in ${outDir} has ${saved.epochs} epochs, not ${options.epochs} (the cosine schedule depends on it; --reschedule changes a run's length)`);
    }
    if (options.config) {
      const given = { ...options.config, epochs: saved.epochs };
      const differs = sameRun(given, saved);
      if (differs.length > 0) {
        const show = (c: TrainConfig, k: string) => JSON.stringify((c as unknown as Record<string, unknown>)[k]);
        throw new UsageError(`--resume: ${checkpointPath} belongs to a different run (${differs.map((k) => `${k}: ${show(saved, k)} there, ${show(given, k)} now`).join('; ')}); omit --config to resume it as it was`);
      }
    }
    config = saved;
    if (rescheduleTo !== null) {
      resumed.meta.extensions = [...(resumed.meta.extensions ?? []), { atStep: globalStep, fromEpochs: saved.epochs, toEpochs: rescheduleTo }];
      config = { ...saved, epochs: rescheduleTo };
    }
    if (options.workers !== undefined && options.workers !== resumed.meta.workers) {
      throw new UsageError(`--resume: the run uses ${resumed.meta.workers} worker(s); resuming with ${options.workers} would not give the same weights (omit --workers)`);
    }
    if (options.initStateDict) throw new UsageError('--init-state starts a new run; it cannot be combined with --resume');
  } else {
    if (!options.config) throw new UsageError('a new run needs a config (--config tiny|s|m|l|full|FILE.yaml)');
    if (options.reschedule) throw new UsageError('--reschedule changes the length of a run: use it with --resume');
    config = { ...options.config, epochs: options.epochs ?? options.config.epochs };
    if (existing.length > 0 && !options.force) {
      throw new UsageError(`${outDir} is not empty; pass --resume to continue its run or --force to start over (deletes the files train writes there)`);
    }
  }
  const workers = resumed?.meta.workers ?? options.workers ?? Math.max(1, Math.min(2, cpus().length));
  if (!(Number.isInteger(workers) && workers >= 1)) throw new UsageError(`workers must be a positive integer, got ${workers}`);
  const checkpointEvery = options.checkpointEverySteps ?? 100;
  if (!(Number.isInteger(checkpointEvery) && checkpointEvery >= 1)) throw new UsageError(`checkpointEverySteps must be a positive integer, got ${checkpointEvery}`);

  const corpus = SpeechCommandsCorpus.open(options.dataDir, { labels: config.labels });
  const counts = corpus.counts();
  if (counts.train === 0) throw new DataError(options.dataDir, 'the training split is empty');
  if (counts.validation === 0) throw new DataError(options.dataDir, `no validation split (validation_list.txt): best-val checkpoints need one`);
  const stepsPerEpoch = Math.ceil(counts.train / config.batchSize);
  if (resumed && resumed.meta.stepsPerEpoch !== stepsPerEpoch) {
    throw new DataError(options.dataDir, `${counts.train} training clips = ${stepsPerEpoch} batches per epoch, but the checkpoint's run had ${resumed.meta.stepsPerEpoch}: not the same data`);
  }
  const augment: AugmentOptions | null = AUGMENT_PRESETS[config.augments]
    ? { ...AUGMENT_PRESETS[config.augments]!, backgroundP: config.backgroundNoise }
    : null;
  const background = augment && config.backgroundNoise > 0 ? corpus.backgroundNoise() : [];
  if (augment && config.backgroundNoise > 0 && !background.some((b) => b.length >= CLIP_SAMPLES)) {
    throw new DataError(options.dataDir, `background_noise ${config.backgroundNoise} needs _background_noise_/*.wav recordings of at least 1 s`);
  }

  // The model (and the authors' state, if given) before reading audio: a shape mismatch fails fast.
  const master = await SedgeModel.create(modelConfigOf(config), { dtype: 'f32', engine: false, seed: config.seed });
  // A sedge model (.safetensors) as the start also fixes the input standardisation: it was trained on it.
  let initStats: { mean: number; std: number } | null = null;
  let initSha256: string | null = null; // which file a continued model started from (the card follows it)
  if (options.initStateDict) {
    const init = options.initStateDict;
    const { bytes, sha256 } = readModelFile(init);
    initSha256 = sha256;
    const model = init.endsWith('.safetensors') ? parseModel(bytes, init) : null;
    if (model) {
      if (config.model.batchNorm) throw new UsageError(`--init-state ${init}: a sedge model has its BatchNorm folded into B; train it on with \`norm: false\` in the config`);
      if (model.labels.join() !== config.labels.join()) throw new DataError(init, `labels [${model.labels.join(', ')}] differ from the config's [${config.labels.join(', ')}]`);
      if (model.inputMean !== null && model.inputStd !== null) initStats = { mean: model.inputMean, std: model.inputStd };
    }
    try {
      if (model) loadStateDict(master, stateDictOfModel(model, init), { name: init });
      else loadStateDictNpz(master, bytes, { name: init });
    } catch (error) {
      throw new DataError(init, `does not fit the ${config.source} model: ${(error as Error).message}`);
    }
  }
  const { teacher, teacherSha256 } = loadTeacher(config, resumed?.meta.teacherSha256);
  const maxLrs = [config.learningRate, 4 * config.learningRate];
  const plotTitle = historyTitle(config, master.parameters().reduce((n, p) => n + p.tensor.size, 0));
  const optimizer = new AdamW(sedgeParamGroups(master.parameters(), config.learningRate, config.weightDecay));
  if (resumed) restoreCheckpoint(master, optimizer, resumed.meta, resumed.arrays, checkpointPath);

  // ── 2. read every clip (corrupt files fail here, before anything is written) ──
  const load = (split: Split): SharedSplit => {
    const clips = corpus.clips(split);
    const s = sharedSplit(clips.length);
    clips.forEach((c, i) => {
      s.x.set(corpus.read(c), i * CLIP_SAMPLES);
      s.labels[i] = c.label;
      if (i % 500 === 499 || i === clips.length - 1) emit({ type: 'load', split, done: i + 1, total: clips.length });
    });
    return s;
  };
  const t0 = performance.now();
  const splits = { train: load('train'), validation: load('validation'), test: counts.test > 0 ? load('test') : undefined };
  log(`read ${counts.train} training, ${counts.validation} validation, ${counts.test} test clips in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  const stats = resumed ? { mean: resumed.meta.inputMean, std: resumed.meta.inputStd } : initStats ?? inputStatsOf(splits.train.x);

  // ── 3. the run ──
  mkdirSync(outDir, { recursive: true });
  if (!resumed) {
    for (const f of ownFiles(outDir)) rmSync(join(outDir, f));
    writeFileAtomic(join(outDir, RUN_FILES.config), JSON.stringify({
      config, dataDir: resolve(options.dataDir), counts, inputMean: stats.mean, inputStd: stats.std, workers,
      stepsPerEpoch, initStateDict: options.initStateDict ? resolve(options.initStateDict) : null, initSha256, teacherSha256, created: new Date().toISOString(),
    }, null, 2) + '\n');
  } else if (resumed.meta.extensions?.length && existsSync(join(outDir, RUN_FILES.config))) {
    // Rescheduled: the run description follows (its config and the length changes).
    const description = JSON.parse(readFileSync(join(outDir, RUN_FILES.config), 'utf8')) as Record<string, unknown>;
    writeFileAtomic(join(outDir, RUN_FILES.config), JSON.stringify({ ...description, config, extensions: resumed.meta.extensions }, null, 2) + '\n');
  }
  const schedule = makeSchedule(config.epochs * stepsPerEpoch, config.warmupSteps);
  let epoch = resumed?.meta.epoch ?? 0;
  let stepInEpoch = resumed?.meta.stepInEpoch ?? 0;
  let globalStep = resumed?.meta.globalStep ?? 0;
  // JSON has no ±Infinity: a checkpoint written before the first validation holds null there.
  const saved = resumed?.meta.best;
  const best: Best = { valLoss: saved?.valLoss ?? Infinity, valLossEpoch: saved?.valLossEpoch ?? 0, valAcc: saved?.valAcc ?? -Infinity, valAccEpoch: saved?.valAccEpoch ?? 0 };
  const history: EpochRecord[] = resumed?.meta.history ?? [];
  let running: RunningSums = resumed?.meta.running ?? { ceSum: 0, correct: 0, clips: 0, batches: 0, seconds: 0 };
  const exportOptions = { labels: config.labels, inputMean: stats.mean, inputStd: stats.std };

  const saveCheckpoint = () => {
    writeFileAtomic(checkpointPath, encodeCheckpoint(master, optimizer, {
      epoch, stepInEpoch, globalStep, stepsPerEpoch, config, inputMean: stats.mean, inputStd: stats.std, workers,
      best, history, running, dataDir: resolve(options.dataDir), extensions: resumed?.meta.extensions ?? [],
      ...(teacherSha256 ? { teacherSha256 } : {}),
    }));
    emit({ type: 'checkpoint', path: checkpointPath, globalStep });
  };

  const pool = await TrainerPool.create(workers, {
    model: modelConfigOf(config), engine: options.engine, seed: config.seed, inputMean: stats.mean, inputStd: stats.std,
    augment, stretchP: config.stretch, stretchRange: config.stretchRange, shelvesP: config.shelves, background, splits, stepScales: config.trainStepScales,
    teacher,
  }, master);
  const result = (status: TrainResult['status'], test: TestResult[] | null): TrainResult => ({
    outDir, status, epochsDone: epoch, globalStep, history, best, test, inputMean: stats.mean, inputStd: stats.std, workers,
  });
  let failed = false;
  try {
    emit({ type: 'start', epochs: config.epochs, stepsPerEpoch, globalStep, totalSteps: schedule.totalSteps, workers, resumedFrom: resumed ? checkpointPath : null });
    if (!resumed) saveCheckpoint(); // the run exists from here: --resume works even before the first periodic save
    pool.publish(master, true);
    const runStart = performance.now();
    let stepsThisRun = 0, stepSeconds = 0, validationSeconds = 0, validationsThisRun = 0;

    while (epoch < config.epochs) {
      const order = epochOrder(config.seed, epoch, counts.train);
      const epochStart = performance.now() - running.seconds * 1000;
      while (stepInEpoch < stepsPerEpoch) {
        const clips = order.subarray(stepInEpoch * config.batchSize, Math.min(counts.train, (stepInEpoch + 1) * config.batchSize));
        const lrs = groupLrs(schedule, maxLrs, globalStep);
        optimizer.groups.forEach((g, i) => { g.lr = lrs[i]; });
        const ts = performance.now();
        master.projectEigenvalues();
        pool.publish(master, false);
        const r = await pool.step(master, clips, { step: globalStep, epoch, periods: rzohPeriodsAt(config.seed, globalStep, config.rzoh) });
        decoderOrthogonality(master.decoderWeight).backward();
        optimizer.step();
        optimizer.zeroGrad();
        stepSeconds += (performance.now() - ts) / 1000;
        stepsThisRun++;
        running = {
          ceSum: running.ceSum + r.ceSum / r.clips, correct: running.correct + r.correct, clips: running.clips + r.clips,
          batches: running.batches + 1, seconds: (performance.now() - epochStart) / 1000,
        };
        stepInEpoch++;
        globalStep++;
        const secondsPerStep = stepSeconds / stepsThisRun;
        const valPerEpoch = validationsThisRun > 0 ? validationSeconds / validationsThisRun : 0;
        emit({
          type: 'step', epoch, epochs: config.epochs, stepInEpoch, stepsPerEpoch, globalStep, totalSteps: schedule.totalSteps,
          loss: running.ceSum / running.batches, accuracy: running.correct / running.clips, lr: lrs[0],
          clipsPerSecond: (stepsThisRun * config.batchSize) / stepSeconds,
          etaSeconds: (schedule.totalSteps - globalStep) * secondsPerStep + (config.epochs - epoch) * valPerEpoch,
        });
        const stop = options.stopAfterStep !== undefined && globalStep >= options.stopAfterStep;
        if (globalStep % checkpointEvery === 0 || options.signal?.aborted) saveCheckpoint();
        if (stop) return result('stopped', null);
        if (options.signal?.aborted) return result('aborted', null);
      }

      // ── end of epoch: validation on the exported model ──
      emit({ type: 'validation', epoch });
      const tv = performance.now();
      const exported = exportModel(master, { ...exportOptions, description: `S-Edge ${config.source}, sedge train epoch ${epoch + 1}` });
      const val = await pool.evaluate('validation', counts.validation, exported);
      validationSeconds += (performance.now() - tv) / 1000;
      validationsThisRun++;
      const record: EpochRecord = {
        epoch: epoch + 1, trainLoss: running.ceSum / running.batches, trainAcc: running.correct / running.clips,
        valLoss: batchedLoss(val.losses, config.batchSize), valAcc: accuracyOf(val.predictions, splits.validation.labels),
        lr: groupLrs(schedule, maxLrs, globalStep - 1)[0], seconds: running.seconds, clipsPerSecond: running.clips / running.seconds,
      };
      const saveBest = (base: string) => {
        writeFileAtomic(join(outDir, `${base}.safetensors`), encodeSafetensors({ ...exported, description: `S-Edge ${config.source}, ${base} (epoch ${epoch + 1}, val loss ${record.valLoss.toFixed(4)}, val acc ${(100 * record.valAcc).toFixed(2)} %), sedge train` }));
        writeFileAtomic(join(outDir, `${base}.state_dict.npz`), encodeStateDictNpz(master));
      };
      if (record.valLoss < best.valLoss) {
        best.valLoss = record.valLoss;
        best.valLossEpoch = epoch + 1;
        saveBest(RUN_FILES.bestLoss);
      }
      if (record.valAcc >= best.valAcc) {
        best.valAcc = record.valAcc;
        best.valAccEpoch = epoch + 1;
        saveBest(RUN_FILES.bestAcc);
      }
      history.push(record);
      writeFileAtomic(join(outDir, RUN_FILES.historyCsv), historyCsv(history));
      writeFileAtomic(join(outDir, RUN_FILES.historyJson), JSON.stringify(history, null, 1) + '\n');
      writeFileAtomic(join(outDir, RUN_FILES.historySvg), historySvg(history, plotTitle));
      emit({ type: 'epoch', record, best: { ...best } });
      epoch++;
      stepInEpoch = 0;
      running = { ceSum: 0, correct: 0, clips: 0, batches: 0, seconds: 0 };
      saveCheckpoint();
      if (options.signal?.aborted) return result('aborted', null);
    }
    log(`trained ${config.epochs} epochs (${((performance.now() - runStart) / 1000).toFixed(0)} s in this run)`);

    // ── test: both best models (the authors test best-val-loss; export uses best-val-acc) ──
    let test: TestResult[] | null = null;
    if (splits.test) {
      test = [];
      for (const [base, epochOf] of [[RUN_FILES.bestLoss, best.valLossEpoch], [RUN_FILES.bestAcc, best.valAccEpoch]] as const) {
        const path = join(outDir, `${base}.safetensors`);
        const model: Model = parseModel(new Uint8Array(readFileSync(path)), path);
        const t = await pool.evaluate('test', counts.test, model);
        const h = history[epochOf - 1];
        test.push({ model: `${base}.safetensors`, epoch: epochOf, valLoss: h.valLoss, valAcc: h.valAcc, testLoss: batchedLoss(t.losses, config.batchSize), testAcc: accuracyOf(t.predictions, splits.test.labels) });
      }
      writeFileAtomic(join(outDir, RUN_FILES.test), JSON.stringify({ dataDir: resolve(options.dataDir), clips: counts.test, results: test }, null, 2) + '\n');
      for (const r of test) log(`test (${r.model}, epoch ${r.epoch}): loss ${r.testLoss.toFixed(4)}, accuracy ${(100 * r.testAcc).toFixed(2)} %`);
    }
    return result('done', test);
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    if (failed) await pool.terminate();
    else await pool.close();
  }
}
