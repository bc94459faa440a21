/**
 * Top-1 class of every clip of an EvalSet under a model: one Network per thread, clips fed whole
 * through `net.logits` (which standardises with the model's inputMean/inputStd itself).
 *
 * With jobs > 1 the clips are shared with worker threads through the EvalSet's SharedArrayBuffer
 * (no copies) and handed out in chunks, so a slow thread never holds up the rest. A sweep keeps one
 * Predictor for all its step-scale lists: the workers and the shared clips live across lists, only
 * the model is sent again (a few hundred kB at most).
 */
import { Worker } from 'node:worker_threads';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Network, type EngineChoice } from '../../src/engine/index.js';
import { SedgeError } from '../../src/errors.js';
import type { Model } from '../../src/model/model.js';
import type { FromWorker, ToWorker } from './predict-worker.js';

export interface PredictorOptions {
  engine?: EngineChoice;
  /** Threads (default 1: the calling thread, no workers). */
  jobs?: number;
}

/** Clips [from, to). */
export interface ClipRange {
  from: number;
  to: number;
}

function checkRange(range: ClipRange | undefined, n: number): ClipRange {
  const r = range ?? { from: 0, to: n };
  if (!(Number.isInteger(r.from) && Number.isInteger(r.to) && r.from >= 0 && r.from <= r.to && r.to <= n)) {
    throw new RangeError(`predict: clip range [${r.from}, ${r.to}) is not inside [0, ${n})`);
  }
  return r;
}

export interface Predictor {
  readonly jobs: number;
  /**
   * The class index the model gives each clip of `range` (default: all), in order; `onProgress(n)`
   * after every n more clips.
   */
  predict(model: Model, onProgress?: (clips: number) => void, range?: ClipRange): Promise<Int32Array>;
  close(): Promise<void>;
}

export async function createPredictor(x: Float32Array, clipSamples: number, options: PredictorOptions = {}): Promise<Predictor> {
  const jobs = options.jobs ?? 1;
  if (!Number.isInteger(jobs) || jobs < 1) throw new RangeError(`jobs must be a positive integer, got ${jobs}`);
  if (x.length % clipSamples !== 0) throw new RangeError(`createPredictor: ${x.length} samples is not a whole number of ${clipSamples}-sample clips`);
  const clips = x.length / clipSamples;
  return jobs === 1 || clips < 2 ? new InlinePredictor(x, clipSamples, options.engine) : new WorkerPredictor(x, clipSamples, jobs, options.engine);
}

export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let k = 1; k < values.length; k++) if (values[k] > values[best]) best = k;
  return best;
}

function checkClipSize(model: Model, clipSamples: number): void {
  if (model.clipSamples !== clipSamples) {
    throw new SedgeError('USAGE', `the model takes ${model.clipSamples}-sample clips, the data has ${clipSamples}-sample clips`);
  }
}

class InlinePredictor implements Predictor {
  readonly jobs = 1;
  constructor(private readonly x: Float32Array, private readonly clipSamples: number, private readonly engine?: EngineChoice) {}

  async predict(model: Model, onProgress?: (clips: number) => void, range?: ClipRange): Promise<Int32Array> {
    checkClipSize(model, this.clipSamples);
    const { from, to } = checkRange(range, this.x.length / this.clipSamples);
    const net = await Network.create(model, { engine: this.engine });
    try {
      const predictions = new Int32Array(to - from);
      let reported = 0;
      for (let i = from; i < to; i++) {
        predictions[i - from] = argmax(net.logits(this.x.subarray(i * this.clipSamples, (i + 1) * this.clipSamples)));
        if (onProgress && ((i - from) % 16 === 15 || i === to - 1)) {
          onProgress(i - from + 1 - reported);
          reported = i - from + 1;
        }
      }
      return predictions;
    } finally {
      net.dispose();
    }
  }

  async close(): Promise<void> {}
}

/** The worker module: compiled .js next to this file, or the .ts source run through tsx (tests, `tsx src/node/cli.ts`). */
function startWorker(): Worker {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new Worker(new URL('./predict-worker.js', here));
  const tsxApi = tsxEsmApi(here);
  const boot = `import { register } from ${JSON.stringify(tsxApi)}; register(); await import(${JSON.stringify(new URL('./predict-worker.ts', here).href)});`;
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(boot)}`));
}

/** tsx's ESM `register` entry (the `import` condition; require.resolve would give its CommonJS twin). */
function tsxEsmApi(from: string): string {
  try {
    return import.meta.resolve('tsx/esm/api');
  } catch {
    // Runners without import.meta.resolve (vitest): the package's own exports map, read by hand.
    const packageJson = createRequire(from).resolve('tsx/package.json');
    const exports = JSON.parse(readFileSync(packageJson, 'utf8')).exports['./esm/api'].import.default as string;
    return new URL(exports, pathToFileURL(packageJson)).href;
  }
}

class WorkerPredictor implements Predictor {
  private readonly workers: Worker[];
  private readonly n: number;
  private busy = false;
  private failure: Error | null = null;
  /** Tags the messages of each predict() call, so late answers of a failed call are ignored. */
  private task = 0;
  /** The handler and the reject of the predict() in progress (one at a time). */
  private onMessage: ((worker: Worker, message: FromWorker) => void) | null = null;
  private reject: ((error: Error) => void) | null = null;

  constructor(x: Float32Array, private readonly clipSamples: number, readonly jobs: number, engine?: EngineChoice) {
    if (!(x.buffer instanceof SharedArrayBuffer)) {
      const shared = new Float32Array(new SharedArrayBuffer(x.byteLength));
      shared.set(x);
      x = shared;
    }
    this.workers = Array.from({ length: jobs }, () => {
      const worker = startWorker();
      worker.on('message', (message: FromWorker) => this.onMessage?.(worker, message));
      worker.on('error', (error) => this.fail(error));
      worker.on('exit', (code) => { if (code !== 0) this.fail(new Error(`evaluation worker exited with code ${code}`)); });
      worker.postMessage({ type: 'init', x, clipSamples, engine } satisfies ToWorker);
      return worker;
    });
    this.n = x.length / clipSamples;
  }

  private fail(error: Error): void {
    this.failure ??= error;
    this.reject?.(error);
  }

  predict(model: Model, onProgress?: (clips: number) => void, range?: ClipRange): Promise<Int32Array> {
    checkClipSize(model, this.clipSamples);
    const { from, to } = checkRange(range, this.n);
    if (this.failure) return Promise.reject(this.failure);
    if (this.busy) return Promise.reject(new Error('Predictor.predict: one call at a time'));
    this.busy = true;
    const task = ++this.task;
    const n = to - from, predictions = new Int32Array(n);
    if (n === 0) {
      this.busy = false;
      return Promise.resolve(predictions);
    }
    const chunk = Math.max(8, Math.min(128, Math.ceil(n / (this.jobs * 8))));
    let next = from, done = 0;
    return new Promise<Int32Array>((resolve, reject) => {
      const finish = (error: Error | null) => {
        this.busy = false;
        this.onMessage = null;
        this.reject = null;
        if (error) reject(error);
        else resolve(predictions);
      };
      this.reject = (error) => finish(error);
      const assign = (worker: Worker) => {
        if (next >= to) return;
        const end = Math.min(to, next + chunk);
        worker.postMessage({ type: 'chunk', task, from: next, to: end } satisfies ToWorker);
        next = end;
      };
      this.onMessage = (worker, message) => {
        if (message.task !== task) return;
        if (message.type === 'error') {
          finish(message.code ? new SedgeError(message.code, message.message) : new Error(message.message));
          return;
        }
        predictions.set(message.predictions, message.from - from);
        done += message.predictions.length;
        onProgress?.(message.predictions.length);
        if (done === n) finish(null);
        else assign(worker);
      };
      for (const worker of this.workers) {
        worker.postMessage({ type: 'model', task, model } satisfies ToWorker);
        assign(worker);
      }
    });
  }

  async close(): Promise<void> {
    this.onMessage = null;
    await Promise.all(this.workers.map((w) => { w.removeAllListeners('exit'); return w.terminate(); }));
  }
}
