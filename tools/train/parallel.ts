/**
 * Data parallelism over worker_threads, deterministic. One narrative:
 *
 *   main thread                                  worker w (of W), each with its own model and wasm
 *   ───────────                                  ─────────────────────────────────────────────────
 *   project Λ, copy parameters → shared params
 *   post 'step' (clip indices of w's share) ──►  params, BN buffers ← shared
 *                                                augment + standardise its clips (seeded per clip);
 *                                                  a teacher, if any, scores the augmented clips
 *                                                forward (train): every BatchNorm all-reduces its
 *                                                  per-channel sums with the other workers at a
 *                                                  barrier, so statistics are the full batch's
 *                                                loss = CE (+ distillation) over its clips
 *                                                  × (its clips / batch)
 *                                                backward (BatchNorm all-reduces Σg, Σg·x again)
 *                                                gradients → shared grads[w]; worker 0: BN buffers
 *   sum grads[0] + grads[1] + … (f64, in order) ◄─ 'done' (CE sum, correct, timings)
 *   (train.ts adds the decoder penalty, steps AdamW)
 *
 * Everything random is derived from (seed, epoch or step, clip index), never from a stream whose
 * state depends on scheduling, and every sum runs in a fixed order: a run is a function of its
 * seed and its worker count. (The worker count changes how sums are grouped, so 1 and 2 workers
 * agree to rounding, not bit for bit.)
 *
 * BatchNorm across workers: the all-reduce is installed with `setBatchNormReducer` in each worker
 * (tools/autograd/batchnorm.ts); BatchNorm then matches single-process training on the whole batch
 * (the recipe), not "ghost" per-worker statistics: gradients with 2 workers equal one process's to
 * f32 rounding (~1e-7 relative). The all-reduce is a sense-counting barrier on an
 * Int32Array (Atomics.wait/notify) over double-buffered Float64Array slots: worker w writes slot w,
 * waits for all, then every worker sums slots 0…W−1 in that order, so all hold identical results.
 *
 * Validation and test run on the inference engine (src/engine Network) on the exported Model, split
 * between the workers: what is measured is exactly what ships.
 *
 * The worker entry is this same file (spawnWorker).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { Network } from '../../src/engine/index.js';
import type { Model } from '../../src/model/model.js';
import { STANDARDISE_EPS } from '../../src/model/model.js';
import { setBatchNormReducer, type ChannelReducer } from '../autograd/batchnorm.js';
import { crossEntropy, distillation, logSoftmaxRow } from '../autograd/loss.js';
import { add, scale } from '../autograd/ops.js';
import { augment, randomShelves, randomStretch, type AugmentOptions } from '../data/augment.js';
import { Rng } from '../data/prng.js';
import { CLIP_SAMPLES } from '../data/speech-commands.js';
import { SedgeModel, type SedgeConfig } from './model.js';

const WORKER_KIND = 'sedge-train-worker';

/** A split held in shared memory: clip i at x[i·16000, (i+1)·16000). */
export interface SharedSplit {
  x: Float32Array; // on a SharedArrayBuffer
  labels: Int32Array; // on a SharedArrayBuffer
}

export function sharedSplit(clips: number): SharedSplit {
  return {
    x: new Float32Array(new SharedArrayBuffer(clips * CLIP_SAMPLES * 4)),
    labels: new Int32Array(new SharedArrayBuffer(clips * 4)),
  };
}

/**
 * The splits as a worker must see them. V8 serialises a typed array's length modulo 2^32 bytes
 * (Node 20: a 67,200-clip split of 4.3 GB arrives with 1.4 M elements, one of exactly 4 GiB with
 * none), while the SharedArrayBuffer under it arrives whole; every split view spans its whole buffer.
 */
export function wholeSplitViews(splits: ReplicaOptions['splits']): ReplicaOptions['splits'] {
  const whole = (s: SharedSplit | undefined) => s && { x: new Float32Array(s.x.buffer), labels: new Int32Array(s.labels.buffer) };
  return { train: whole(splits.train), validation: whole(splits.validation), test: whole(splits.test) };
}

export interface ReplicaOptions {
  model: SedgeConfig;
  engine?: 'auto' | 'simd' | 'scalar';
  seed: number;
  inputMean: number;
  inputStd: number;
  /** null: no augmentation. */
  augment: AugmentOptions | null;
  /** Probability of slowing a clip down (augment.ts STRETCH) after `augment` (its own random stream; default 0: off). */
  stretchP?: number;
  /** Its factor range (default STRETCH.factor: slow-downs only). */
  stretchRange?: readonly [number, number];
  /** Probability of random shelves after that (its own random stream; default 0: off). */
  shelvesP?: number;
  background: Float32Array[];
  splits: { train?: SharedSplit; validation?: SharedSplit; test?: SharedSplit };
  /** Step scales of the training passes (default all 1); evaluation always runs at 1. */
  stepScales?: number[];
  /** Distil from this model (config.ts `distill`): it runs on the inference engine with its own standardisation. */
  teacher?: { model: Model; weight: number; temperature: number };
}

export interface StepRequest {
  /** Global optimizer step (0-based): keys dropout. */
  step: number;
  /** Epoch (0-based): keys augmentation, with the clip index. */
  epoch: number;
  /** This replica's clips (indices into the training split). */
  clips: Int32Array;
  /** Clips in the whole batch (the CE is a mean over all of them). */
  batchClips: number;
  /** RZOH hold period per layer for this step (one draw per step, shared by the batch), or null. */
  periods: number[] | null;
}

export interface StepTimings {
  /** CPU time of the thread that ran the step (Linux; NaN elsewhere): wall − cpu is time without a core. */
  cpuMs: number;
  prepareMs: number;
  forwardMs: number;
  backwardMs: number;
  /** Of forward + backward: time blocked in BatchNorm all-reduces, waiting for the other workers. */
  waitMs: number;
}

export interface StepStats extends StepTimings {
  /** Σ over this replica's clips of the CE (so Σ over replicas / batch = the batch-mean CE). */
  ceSum: number;
  correct: number;
  clips: number;
}

export interface EvalRequest {
  split: 'validation' | 'test';
  from: number;
  to: number;
  model: Model;
}

export interface EvalResult {
  losses: Float64Array; // CE per clip
  predictions: Int32Array;
}

/** Where each parameter and BatchNorm buffer sits in the flat shared arrays (same in every replica). */
export interface Layout {
  params: Array<{ name: string; offset: number; size: number }>;
  paramCount: number;
  bn: Array<{ layer: number; offset: number; channels: number }>;
  bnCount: number; // floats: running mean + running var per BN
  maxChannels: number;
}

export function layoutOf(model: SedgeModel): Layout {
  let offset = 0;
  const params = model.parameters().map(({ name, tensor }) => {
    const entry = { name, offset, size: tensor.size };
    offset += tensor.size;
    return entry;
  });
  let bnOffset = 0;
  const bn: Layout['bn'] = [];
  model.layers.forEach((l, j) => {
    if (!l.bn) return;
    bn.push({ layer: j, offset: bnOffset, channels: l.I });
    bnOffset += 2 * l.I;
  });
  return { params, paramCount: offset, bn, bnCount: bnOffset, maxChannels: Math.max(1, ...model.layers.map((l) => l.I)) };
}

/** The shared model state: parameters (f32), BN running stats (f32) and num_batches_tracked (f64). */
export interface SharedState {
  params: Float32Array;
  bn: Float32Array;
  bnTracked: Float64Array;
}

export function sharedState(layout: Layout): SharedState {
  return {
    params: new Float32Array(new SharedArrayBuffer(layout.paramCount * 4)),
    bn: new Float32Array(new SharedArrayBuffer(Math.max(1, layout.bnCount) * 4)),
    bnTracked: new Float64Array(new SharedArrayBuffer(Math.max(1, layout.bn.length) * 8)),
  };
}

export function writeParams(model: SedgeModel, layout: Layout, to: Float32Array): void {
  const list = model.parameters();
  layout.params.forEach((p, i) => to.set(list[i].tensor.data, p.offset));
}

export function readParams(model: SedgeModel, layout: Layout, from: Float32Array): void {
  const list = model.parameters();
  layout.params.forEach((p, i) => list[i].tensor.data.set(from.subarray(p.offset, p.offset + p.size)));
}

export function writeBatchNorm(model: SedgeModel, layout: Layout, to: SharedState): void {
  layout.bn.forEach((b, k) => {
    const buffers = model.layers[b.layer].bn!;
    to.bn.set(buffers.runningMean, b.offset);
    to.bn.set(buffers.runningVar, b.offset + b.channels);
    to.bnTracked[k] = buffers.numBatchesTracked;
  });
}

export function readBatchNorm(model: SedgeModel, layout: Layout, from: SharedState): void {
  layout.bn.forEach((b, k) => {
    const buffers = model.layers[b.layer].bn!;
    buffers.runningMean.set(from.bn.subarray(b.offset, b.offset + b.channels));
    buffers.runningVar.set(from.bn.subarray(b.offset + b.channels, b.offset + 2 * b.channels));
    buffers.numBatchesTracked = from.bnTracked[k];
  });
}

/**
 * CPU milliseconds used by the calling thread so far, from /proc/thread-self/stat (utime + stime,
 * 10 ms ticks); NaN where that does not exist. Sync fs calls run on the calling thread, so in a
 * worker this is the worker's own time.
 */
export function threadCpuMs(): number {
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10; // utime, stime (fields 14, 15 of the full line)
  } catch {
    return NaN;
  }
}

/** The standardisation the engine applies (src/engine/network.ts), so training and evaluation see the same input. */
export function standardiseInPlace(x: Float32Array, mean: number, std: number): Float32Array {
  const s = 1 / (std + STANDARDISE_EPS);
  for (let i = 0; i < x.length; i++) x[i] = (x[i] - mean) * s;
  return x;
}

/** Cross-entropy of one row of logits (f64, log-sum-exp). */
export function crossEntropyOf(logits: ArrayLike<number>, label: number): number {
  return -logSoftmaxRow(logits, 0, logits.length, new Float64Array(logits.length))[label];
}

export function argmax(row: ArrayLike<number>, from = 0, length = row.length): number {
  let best = 0;
  for (let k = 1; k < length; k++) if (row[from + k] > row[from + best]) best = k;
  return best;
}

/**
 * One model replica: the training step and evaluation on its share of a batch. Runs in a worker
 * (TrainerPool) or in-process (one replica, no reducer: the single-threaded path and the bench).
 */
export class Replica {
  /** Set by the worker: milliseconds spent blocked in all-reduces since the last reset. */
  waitMs = 0;

  private constructor(
    readonly model: SedgeModel, readonly layout: Layout, readonly options: ReplicaOptions,
    private readonly teacher: { net: Network; weight: number; temperature: number } | null,
  ) {}

  static async create(options: ReplicaOptions): Promise<Replica> {
    const model = await SedgeModel.create(options.model, { dtype: 'f32', engine: options.engine ?? 'auto', seed: 1 });
    const t = options.teacher;
    const teacher = t ? { net: await Network.create(t.model, { engine: options.engine ?? 'auto' }), weight: t.weight, temperature: t.temperature } : null;
    return new Replica(model, layoutOf(model), options, teacher);
  }

  /** One clip as the model sees it: `augmentedClip`, standardised. */
  prepareClip(index: number, epoch: number): Float32Array {
    return standardiseInPlace(this.augmentedClip(index, epoch), this.options.inputMean, this.options.inputStd);
  }

  /**
   * One training clip augmented, stretched, shelved (each seeded by epoch and clip index, apart, so
   * one does not change the others' draws), not yet standardised: what the teacher hears.
   */
  augmentedClip(index: number, epoch: number): Float32Array {
    const split = this.options.splits.train!;
    const raw = split.x.subarray(index * CLIP_SAMPLES, (index + 1) * CLIP_SAMPLES);
    const { augment: aug, stretchP, stretchRange, shelvesP, background, seed } = this.options;
    let x = aug ? augment(raw, aug, Rng.derive(seed, 'augment', epoch, index), background) : Float32Array.from(raw);
    if (stretchP) {
      const rng = Rng.derive(seed, 'stretch', epoch, index);
      if (rng.chance(stretchP)) x = randomStretch(x, rng, stretchRange);
    }
    if (shelvesP) {
      const rng = Rng.derive(seed, 'shelves', epoch, index);
      if (rng.chance(shelvesP)) x = randomShelves(x, rng);
    }
    return x;
  }

  /**
   * Forward and backward on this replica's clips with the parameters and BN buffers from `state`;
   * gradients are left in the model's parameter tensors (the caller copies them and zeroes).
   */
  trainStep(request: StepRequest, state: SharedState): StepStats {
    const { model, layout } = this;
    readParams(model, layout, state.params);
    readBatchNorm(model, layout, state);
    const labelsOf = this.options.splits.train!.labels;
    const cpu0 = threadCpuMs();
    const t0 = performance.now();
    const clips = Array.from(request.clips, (i) => this.augmentedClip(i, request.epoch));
    // The teacher's logits are part of preparing the batch (prepareMs): it standardises on its own.
    const teacher = this.teacher;
    const teacherLogits = teacher && Float64Array.from(clips.flatMap((x) => Array.from(teacher.net.logits(x))));
    for (const x of clips) standardiseInPlace(x, this.options.inputMean, this.options.inputStd);
    const labels = Array.from(request.clips, (i) => labelsOf[i]);
    const dropoutRng = Rng.derive(this.options.seed, 'dropout', request.step, request.clips[0] ?? 0);
    const periods = request.periods;
    this.waitMs = 0;
    const t1 = performance.now();
    const logits = model.forward(clips, {
      train: true,
      stepScales: this.options.stepScales,
      rzoh: periods ? (layer) => periods[layer] : undefined,
      rng: () => dropoutRng.next(),
    });
    const ce = crossEntropy(logits, labels);
    const K = logits.shape[1], z = logits.data;
    let correct = 0;
    labels.forEach((label, b) => { if (argmax(z, b * K, K) === label) correct++; });
    const ceMean = ce.item();
    const objective = teacher && teacherLogits
      ? add(scale(ce, 1 - teacher.weight), scale(distillation(logits, teacherLogits, teacher.temperature), teacher.weight))
      : ce;
    const loss = scale(objective, clips.length / request.batchClips);
    const t2 = performance.now();
    model.zeroGrad();
    loss.backward();
    const t3 = performance.now();
    return {
      ceSum: ceMean * clips.length, correct, clips: clips.length, cpuMs: threadCpuMs() - cpu0,
      prepareMs: t1 - t0, forwardMs: t2 - t1, backwardMs: t3 - t2, waitMs: this.waitMs,
    };
  }

  /** Copies the gradients of the last trainStep into `to` (zeros where a parameter got none). */
  writeGrads(to: Float32Array): void {
    const list = this.model.parameters();
    this.layout.params.forEach((p, i) => {
      const g = list[i].tensor.grad;
      if (g) to.set(g, p.offset);
      else to.fill(0, p.offset, p.offset + p.size);
    });
  }

  /** Logits of clips [from, to) of a split on the engine, with their CE and predicted class. */
  async evaluate(request: EvalRequest): Promise<EvalResult> {
    const split = this.options.splits[request.split];
    if (!split) throw new Error(`evaluate: this replica holds no ${request.split} split`);
    const net = await Network.create(request.model, { engine: this.options.engine ?? 'auto' });
    const n = request.to - request.from;
    const losses = new Float64Array(n), predictions = new Int32Array(n);
    for (let k = 0; k < n; k++) {
      const i = request.from + k;
      const logits = net.logits(split.x.subarray(i * CLIP_SAMPLES, (i + 1) * CLIP_SAMPLES));
      losses[k] = crossEntropyOf(logits, split.labels[i]);
      predictions[k] = argmax(logits);
    }
    net.dispose();
    return { losses, predictions };
  }
}

// ─── shared-memory all-reduce ────────────────────────────────────────────────────────────────

const COUNT = 0, GENERATION = 1, ABORT = 2, ACTIVE = 3;
const BARRIER_POLL_MS = 200;

export class AbortedError extends Error {}

/** A barrier + sum over the active workers (see the file comment). */
class SharedReducer {
  private parity = 0;
  constructor(
    private readonly control: Int32Array,
    private readonly slots: Float64Array,
    private readonly index: number,
    private readonly workers: number,
    private readonly slotLength: number,
    private readonly onWait: (ms: number) => void,
  ) {}

  /** Call at the start of every step (all workers then agree on the slot parity). */
  reset(): void {
    this.parity = 0;
  }

  private barrier(): void {
    const c = this.control;
    const generation = Atomics.load(c, GENERATION);
    const active = Atomics.load(c, ACTIVE);
    if (Atomics.add(c, COUNT, 1) === active - 1) {
      Atomics.store(c, COUNT, 0);
      Atomics.add(c, GENERATION, 1);
      Atomics.notify(c, GENERATION);
      return;
    }
    const t = performance.now();
    while (Atomics.load(c, GENERATION) === generation) {
      if (Atomics.load(c, ABORT) !== 0) throw new AbortedError('another worker failed');
      Atomics.wait(c, GENERATION, generation, BARRIER_POLL_MS);
    }
    this.onWait(performance.now() - t);
  }

  reduce: ChannelReducer = (values) => {
    const n = values.length;
    if (n > this.slotLength) throw new RangeError(`all-reduce of ${n} values, slots hold ${this.slotLength}`);
    const base = (p: number, w: number) => (p * this.workers + w) * this.slotLength;
    this.slots.set(values, base(this.parity, this.index));
    this.barrier();
    const active = Atomics.load(this.control, ACTIVE);
    const out = new Float64Array(n);
    for (let w = 0; w < active; w++) {
      const b = base(this.parity, w);
      for (let k = 0; k < n; k++) out[k] += this.slots[b + k];
    }
    this.parity ^= 1;
    return out;
  };
}

// ─── the pool (main thread) ──────────────────────────────────────────────────────────────────

interface WorkerInit {
  kind: typeof WORKER_KIND;
  index: number;
  workers: number;
  replica: ReplicaOptions;
  state: SharedState;
  grads: Float32Array;
  control: Int32Array;
  slots: Float64Array;
  slotLength: number;
}

type ToWorker =
  | { type: 'step'; request: StepRequest }
  | { type: 'eval'; request: EvalRequest }
  | { type: 'close' };

type FromWorker =
  | { type: 'ready' }
  | { type: 'step'; stats: StepStats }
  | { type: 'eval'; result: EvalResult }
  | { type: 'error'; message: string; stack?: string };

export interface PoolStepResult {
  ceSum: number;
  correct: number;
  clips: number;
  perWorker: StepStats[];
}

/** Splits n items into `parts` contiguous runs, the first ones one longer. */
export function splitEvenly(n: number, parts: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let from = 0;
  for (let w = 0; w < parts; w++) {
    const size = Math.floor(n / parts) + (w < n % parts ? 1 : 0);
    out.push([from, from + size]);
    from += size;
  }
  return out;
}

/**
 * A Worker running this file. Compiled (.js): directly. From sources (.ts, under tsx or vitest):
 * Node 20 cannot start a worker on a .ts file even with tsx's --import inherited, so a two-line
 * bootstrap registers tsx's ESM hooks in the worker first, then imports this file.
 */
function spawnWorker(workerData: WorkerInit): Worker {
  const self = import.meta.url;
  if (!self.endsWith('.ts')) return new Worker(new URL(self), { workerData });
  const tsxRoot = dirname(createRequire(self).resolve('tsx/package.json'));
  const api = pathToFileURL(join(tsxRoot, 'dist/esm/api/index.mjs')).href;
  const bootstrap = `import(${JSON.stringify(api)}).then(({ register }) => { register(); return import(${JSON.stringify(self)}); });`;
  return new Worker(bootstrap, { eval: true, workerData });
}

export class TrainerPool {
  private readonly pending = new Map<Worker, { resolve: (m: FromWorker) => void; reject: (e: Error) => void }>();
  private failure: Error | null = null;

  private constructor(
    private readonly workers: Worker[],
    readonly layout: Layout,
    readonly state: SharedState,
    private readonly grads: Float32Array[],
    private readonly control: Int32Array,
  ) {
    for (const w of workers) {
      w.on('message', (m: FromWorker) => this.settle(w, m));
      w.on('error', (e) => this.fail(e));
      w.on('exit', (code) => { if (code !== 0) this.fail(new Error(`training worker exited with code ${code}`)); });
    }
  }

  /** Starts `count` workers, each with a model replica over the shared splits. */
  static async create(count: number, replica: ReplicaOptions, layoutModel: SedgeModel): Promise<TrainerPool> {
    if (!(Number.isInteger(count) && count >= 1)) throw new RangeError(`workers must be a positive integer, got ${count}`);
    const layout = layoutOf(layoutModel);
    const state = sharedState(layout);
    const control = new Int32Array(new SharedArrayBuffer(16));
    const slotLength = 2 * layout.maxChannels + 1;
    const slots = new Float64Array(new SharedArrayBuffer(2 * count * slotLength * 8));
    const grads = Array.from({ length: count }, () => new Float32Array(new SharedArrayBuffer(layout.paramCount * 4)));
    const workers = grads.map((g, index) => spawnWorker({ kind: WORKER_KIND, index, workers: count, replica, state, grads: g, control, slots, slotLength }));
    const pool = new TrainerPool(workers, layout, state, grads, control);
    await Promise.all(workers.map((w) => pool.request(w, null)));
    return pool;
  }

  get size(): number {
    return this.workers.length;
  }

  private settle(w: Worker, m: FromWorker): void {
    const p = this.pending.get(w);
    if (!p) return;
    this.pending.delete(w);
    if (m.type === 'error') {
      const e = new Error(m.message);
      e.stack = m.stack;
      p.reject(e);
    } else p.resolve(m);
  }

  private fail(error: Error): void {
    this.failure ??= error;
    Atomics.store(this.control, ABORT, 1);
    Atomics.notify(this.control, GENERATION);
    for (const [, p] of this.pending) p.reject(error);
    this.pending.clear();
  }

  /** Posts `message` (null: only wait for 'ready') and resolves with the worker's answer. */
  private request(w: Worker, message: ToWorker | null): Promise<FromWorker> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending.set(w, { resolve, reject });
      if (message) w.postMessage(message);
    });
  }

  /** Writes the model's parameters (and, with `batchNorm`, its BN buffers) to shared memory. */
  publish(model: SedgeModel, batchNorm: boolean): void {
    writeParams(model, this.layout, this.state.params);
    if (batchNorm) writeBatchNorm(model, this.layout, this.state);
  }

  /**
   * One step over `clips` (indices into the training split): the workers share the batch; the
   * summed gradients land in `model`'s parameter gradients and the BN buffers in its layers.
   * The parameters must have been published.
   */
  async step(model: SedgeModel, clips: Int32Array, base: Omit<StepRequest, 'clips' | 'batchClips'>): Promise<PoolStepResult> {
    const active = Math.min(this.workers.length, clips.length);
    Atomics.store(this.control, ACTIVE, active);
    Atomics.store(this.control, COUNT, 0);
    const shares = splitEvenly(clips.length, active);
    const answers = await Promise.all(shares.map(([from, to], w) =>
      this.request(this.workers[w], { type: 'step', request: { ...base, clips: clips.slice(from, to), batchClips: clips.length } })));
    const perWorker = answers.map((a) => (a as Extract<FromWorker, { type: 'step' }>).stats);
    // Gradients: Σ over workers in order, in f64.
    const list = model.parameters();
    this.layout.params.forEach((p, i) => {
      const g = list[i].tensor.gradBuffer();
      for (let k = 0; k < p.size; k++) {
        let s = 0;
        for (let w = 0; w < active; w++) s += this.grads[w][p.offset + k];
        g[k] = s;
      }
    });
    readBatchNorm(model, this.layout, this.state);
    return {
      ceSum: perWorker.reduce((s, x) => s + x.ceSum, 0),
      correct: perWorker.reduce((s, x) => s + x.correct, 0),
      clips: clips.length,
      perWorker,
    };
  }

  /** CE and predictions of every clip of a split on `model`, the clips split between the workers. */
  async evaluate(split: 'validation' | 'test', clips: number, model: Model): Promise<EvalResult> {
    const shares = splitEvenly(clips, Math.min(this.workers.length, Math.max(clips, 1)));
    const answers = await Promise.all(shares.map(([from, to], w) =>
      this.request(this.workers[w], { type: 'eval', request: { split, from, to, model } })));
    const losses = new Float64Array(clips), predictions = new Int32Array(clips);
    answers.forEach((a, w) => {
      const r = (a as Extract<FromWorker, { type: 'eval' }>).result;
      losses.set(r.losses, shares[w][0]);
      predictions.set(r.predictions, shares[w][0]);
    });
    return { losses, predictions };
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map(async (w) => {
      w.postMessage({ type: 'close' } satisfies ToWorker);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => { void w.terminate().then(() => resolve()); }, 5000);
        w.once('exit', () => { clearTimeout(timer); resolve(); });
      });
    }));
  }

  /** Stops the workers now (after an error). */
  async terminate(): Promise<void> {
    Atomics.store(this.control, ABORT, 1);
    Atomics.notify(this.control, GENERATION);
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

// ─── the worker ──────────────────────────────────────────────────────────────────────────────

async function runWorker(init: WorkerInit): Promise<void> {
  const port = parentPort!;
  const send = (m: FromWorker) => port.postMessage(m);
  let replica: Replica;
  try {
    replica = await Replica.create({ ...init.replica, splits: wholeSplitViews(init.replica.splits) });
  } catch (error) {
    send({ type: 'error', message: (error as Error).message, stack: (error as Error).stack });
    return;
  }
  let reducer: SharedReducer | null = null;
  if (init.workers > 1) {
    reducer = new SharedReducer(init.control, init.slots, init.index, init.workers, init.slotLength, (ms) => { replica.waitMs += ms; });
    setBatchNormReducer(reducer.reduce);
  }
  port.on('message', (m: ToWorker) => {
    void (async () => {
      try {
        if (m.type === 'close') {
          port.close();
          return;
        }
        if (m.type === 'step') {
          reducer?.reset();
          const stats = replica.trainStep(m.request, init.state);
          replica.writeGrads(init.grads);
          replica.model.zeroGrad();
          if (init.index === 0) writeBatchNorm(replica.model, replica.layout, init.state);
          send({ type: 'step', stats });
        } else {
          send({ type: 'eval', result: await replica.evaluate(m.request) });
        }
      } catch (error) {
        // Release the others from any barrier before reporting.
        Atomics.store(init.control, ABORT, 1);
        Atomics.notify(init.control, GENERATION);
        send({ type: 'error', message: (error as Error).message, stack: (error as Error).stack });
      }
    })();
  });
  send({ type: 'ready' });
}

if (!isMainThread && (workerData as WorkerInit | undefined)?.kind === WORKER_KIND) void runWorker(workerData as WorkerInit);
