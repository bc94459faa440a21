/**
 * A Network runs one Model in one wasm instance: `classify` for whole clips, `stream()` for audio
 * pushed in chunks of any size. Both go through the same block runner and the same kernels, so a
 * clip gives the same logits whichever way it is fed.
 */
import { InputError, UsageError } from '../errors.js';
import { STANDARDISE_EPS, type Model } from '../model/model.js';
import { validateModel } from '../model/validate.js';
import { Arena, planNetwork, type NetworkPlan } from './plan.js';
import { runBlock, type StreamState, type TapSink } from './schedule.js';
import { instantiateKernels, resolveEngine, type EngineChoice, type EngineKind, type Kernels } from './wasm.js';

export interface NetworkOptions {
  /** 'auto' (default) picks SIMD where the runtime supports it, else the scalar build. */
  engine?: EngineChoice;
  /** Samples per internal block: bounds scratch memory; large enough to keep the projections efficient. */
  blockSamples?: number;
}

export interface Classification {
  label: string;
  index: number;
  probabilities: Float64Array;
  logits: Float64Array;
}

/** A saved stream position: restore() brings a stream of the same Network back to it. */
export interface StreamSnapshot {
  readonly sampleIndex: number;
  readonly states: Float32Array[];
  readonly pooledSum: Float64Array;
  readonly pooledCount: number;
}

const DEFAULT_BLOCK_SAMPLES = 512;
/** Which Network took each snapshot: state from another network (even of the same sizes) is meaningless. */
const snapshotOwner = new WeakMap<StreamSnapshot, Network>();

export class Network {
  readonly model: Model;
  readonly engine: EngineKind;
  private readonly kernels: Kernels;
  private readonly arena: Arena;
  private readonly plan: NetworkPlan;
  private readonly clipStream: Stream;
  private disposed = false;

  private constructor(model: Model, engine: EngineKind, kernels: Kernels, arena: Arena, plan: NetworkPlan) {
    this.model = model;
    this.engine = engine;
    this.kernels = kernels;
    this.arena = arena;
    this.plan = plan;
    this.clipStream = new Stream(this);
  }

  static async create(model: Model, options: NetworkOptions = {}): Promise<Network> {
    validateModel(model, model.description ?? 'model');
    const engine = resolveEngine(options.engine);
    const blockSamples = options.blockSamples ?? DEFAULT_BLOCK_SAMPLES;
    if (!Number.isInteger(blockSamples) || blockSamples < 1) {
      throw new UsageError(`blockSamples must be a positive integer, got ${blockSamples}`);
    }
    const kernels = await instantiateKernels(engine);
    const arena = new Arena(kernels);
    return new Network(model, engine, kernels, arena, planNetwork(arena, model, blockSamples, false));
  }

  /** Logits of one clip (model.clipSamples samples; a shorter clip is zero-padded, as in training). */
  logits(clip: ArrayLike<number>): Float64Array {
    const stream = this.clipStream;
    stream.reset();
    stream.push(padClip(clip, this.model.clipSamples));
    return stream.logits();
  }

  classify(clip: ArrayLike<number>): Classification {
    return classification(this.model, this.logits(clip));
  }

  /** A new streaming session with its own state (zero at the start, like every clip). */
  stream(): Stream {
    return new Stream(this);
  }

  /** Every layer's output on its own time grid, (T_j × H_j) row-major: for tests and analysis. */
  async layerOutputs(clip: ArrayLike<number>): Promise<Float32Array[]> {
    this.assertLive();
    // Tapping needs every layer's output at each of its own ticks, which the normal plan skips
    // where the next layer does not consume it; a separate instance keeps this off the hot path.
    const kernels = await instantiateKernels(this.engine);
    const arena = new Arena(kernels);
    const plan = planNetwork(arena, this.model, this.plan.blockSamples, true);
    const outputs = this.model.layers.map((l) => new Float32Array(Math.ceil(this.model.clipSamples / l.stepScale) * l.outputSize));
    const filled = outputs.map(() => 0);
    const sink: TapSink = (j, rows) => {
      outputs[j].set(rows, filled[j]);
      filled[j] += rows.length;
    };
    const state = newStreamState(arena, plan);
    feed(kernels, arena, plan, state, this.standardised(padClip(clip, this.model.clipSamples)), sink);
    return outputs;
  }

  /** Frees the wasm instance; any later call throws. */
  dispose(): void {
    this.disposed = true;
  }

  /** Bytes of wasm memory this Network planned (weights, scratch, streams). */
  get memoryBytes(): number {
    return this.arena.bytesUsed;
  }

  /** @internal */
  assertLive(): void {
    if (this.disposed) throw new UsageError('this Network was disposed');
  }

  /** @internal */
  newState(): StreamState {
    return newStreamState(this.arena, this.plan);
  }

  /** @internal */
  run(state: StreamState, samples: Float32Array): void {
    feed(this.kernels, this.arena, this.plan, state, samples);
  }

  /** @internal */
  decode(state: StreamState): Float64Array {
    const { kernels, plan } = this;
    const last = plan.layers[plan.layers.length - 1];
    kernels.decodeF64(state.pooledSum, Math.max(state.pooledCount, 1), plan.decoderWeight, plan.decoderBias,
      plan.classes, last.outputSize, plan.logits);
    return this.arena.f64(plan.logits, plan.classes).slice();
  }

  /** @internal The input standardisation of the model's metadata, as a new Float32Array. */
  standardised(samples: ArrayLike<number>): Float32Array {
    const out = Float32Array.from(samples);
    for (let i = 0; i < out.length; i++) {
      if (!Number.isFinite(out[i])) throw new InputError(`sample ${i} is ${out[i]}; audio samples must be finite`);
    }
    const { inputMean, inputStd } = this.model;
    if (inputMean !== null && inputStd !== null) {
      const scale = 1 / (inputStd + STANDARDISE_EPS);
      for (let i = 0; i < out.length; i++) out[i] = (out[i] - inputMean) * scale;
    }
    return out;
  }

  /** @internal */
  arenaOf(): Arena {
    return this.arena;
  }
}

/** A streaming session: push audio in chunks of any size, read logits at any time. */
export class Stream {
  private state: StreamState;
  constructor(private readonly network: Network) {
    network.assertLive();
    this.state = network.newState();
  }

  /** Feeds samples (raw audio at the model's rate; standardised here if the model says so). */
  push(samples: ArrayLike<number>): void {
    this.network.assertLive();
    this.network.run(this.state, this.network.standardised(samples));
  }

  /** Logits of the mean over every tick of the last layer so far (the decoder bias before any). */
  logits(): Float64Array {
    this.network.assertLive();
    return this.network.decode(this.state);
  }

  classify(): Classification {
    return classification(this.network.model, this.logits());
  }

  /** Samples pushed since the start or the last reset. */
  get sampleIndex(): number {
    return this.state.sampleIndex;
  }

  reset(): void {
    this.network.assertLive();
    const arena = this.network.arenaOf();
    for (const layer of this.state.layers) arena.f32(layer.state, layer.length).fill(0);
    arena.f64(this.state.pooledSum, this.state.pooledLength).fill(0);
    this.state.pooledCount = 0;
    this.state.sampleIndex = 0;
  }

  snapshot(): StreamSnapshot {
    this.network.assertLive();
    const arena = this.network.arenaOf();
    const snapshot = Object.freeze({
      sampleIndex: this.state.sampleIndex,
      states: this.state.layers.map((l) => arena.f32(l.state, l.length).slice()),
      pooledSum: arena.f64(this.state.pooledSum, this.state.pooledLength).slice(),
      pooledCount: this.state.pooledCount,
    });
    snapshotOwner.set(snapshot, this.network);
    return snapshot;
  }

  restore(snapshot: StreamSnapshot): void {
    this.network.assertLive();
    const arena = this.network.arenaOf();
    const layers = this.state.layers;
    if (snapshotOwner.get(snapshot) !== this.network) throw new UsageError('snapshot was taken from a stream of another Network');
    layers.forEach((l, j) => arena.f32(l.state, l.length).set(snapshot.states[j]));
    arena.f64(this.state.pooledSum, this.state.pooledLength).set(snapshot.pooledSum);
    this.state.pooledCount = snapshot.pooledCount;
    this.state.sampleIndex = snapshot.sampleIndex;
  }
}

function newStreamState(arena: Arena, plan: NetworkPlan): StreamState {
  const last = plan.layers[plan.layers.length - 1];
  const layers = plan.layers.map((l) => ({ state: arena.alloc(8 * l.statePadded), length: 2 * l.statePadded }));
  for (const l of layers) arena.f32(l.state, l.length).fill(0);
  const pooledSum = arena.alloc(8 * last.outputPadded);
  arena.f64(pooledSum, last.outputPadded).fill(0);
  return { layers, pooledSum, pooledLength: last.outputPadded, pooledCount: 0, sampleIndex: 0 };
}

/** Copies samples into the wasm input buffer block by block and runs each block. */
function feed(kernels: Kernels, arena: Arena, plan: NetworkPlan, state: StreamState, samples: Float32Array, sink?: TapSink): void {
  for (let start = 0; start < samples.length; start += plan.blockSamples) {
    const block = samples.subarray(start, Math.min(samples.length, start + plan.blockSamples));
    arena.f32(plan.input, block.length).set(block);
    runBlock(kernels, arena, plan, state, block.length, sink);
  }
}

function padClip(clip: ArrayLike<number>, clipSamples: number): ArrayLike<number> {
  if (clip.length > clipSamples) {
    throw new InputError(`clip has ${clip.length} samples, the model takes at most ${clipSamples}; stream longer audio`);
  }
  if (clip.length === clipSamples) return clip;
  const padded = new Float32Array(clipSamples);
  for (let i = 0; i < clip.length; i++) padded[i] = clip[i];
  return padded;
}

export function classification(model: Model, logits: Float64Array): Classification {
  let index = 0;
  for (let k = 1; k < logits.length; k++) if (logits[k] > logits[index]) index = k;
  const max = logits[index];
  const exp = logits.map((v) => Math.exp(v - max));
  const total = exp.reduce((a, b) => a + b, 0);
  return { label: model.labels[index], index, probabilities: exp.map((v) => v / total), logits };
}

