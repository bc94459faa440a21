/**
 * What the C++ package will look like, decided before any text is written: checks that the emitter
 * can express the model, the Cpp-NN tick schedule (spec §4.2) and the byte layout of the static arena.
 *
 * Arena (all float32 unless noted), one per package, zeroed by reset():
 *   permanent  state_j   2·P_j floats per layer, [Re x (P) | Im x (P)]        Σ 8·P_j bytes
 *              pool      H_last floats: the running sum of the last layer's outputs minus a constant
 *                        centre (Cpp-NN SumReduction; see centre.ts), plus H_last more with --pool kahan
 *              phase     uint32: sample index mod s_last (all s_j divide s_last, so this is all the schedule needs)
 *              count     uint32: number of pooled ticks
 *   scratch    one buffer of M floats. Layer j writes its output at one end, layer j+1 reads it
 *              there and writes its own output at the other end (the Cpp-NN ping-pong, without a
 *              copy); identity-skip layers work in place. Layer 0 reads the sample from a register
 *              and the last layer adds straight into `pool`, so
 *              M = max(H_0, I_j + H_j (or H_j for identity) for 0<j<L−1, I_{L−1}).
 * Cpp-NN's own buffer is max(I_j + H_j, H_last + K) floats (spec §4.3), so ours is never larger.
 */
import { ModelFormatError, UsageError } from '../../src/errors.js';
import type { Model, SsmLayer } from '../../src/model/model.js';

export type SkipKind = 'matrix' | 'identity' | 'broadcast';

export interface LayerPlan {
  index: number;
  I: number;
  P: number;
  H: number;
  stepScale: number;
  /** Step scale of the stage that consumes this layer's output (s_L := s_{L−1}, spec §4.2). */
  outputStepScale: number;
  skip: SkipKind;
  /** Float offsets into the arena. */
  stateOffset: number;
  /** Where the layer's input lives in scratch (null: layer 0 reads the sample). */
  inputScratchOffset: number | null;
  /** Where the layer writes its output in scratch (null: the last layer adds into the pool). */
  outputScratchOffset: number | null;
}

export interface CppPlan {
  /** Kahan-compensated pooled sum (4·H_last more permanent bytes). */
  poolKahan: boolean;
  layers: LayerPlan[];
  classes: number;
  hLast: number;
  stepScales: number[];
  sLast: number;
  clipSamples: number;
  /** ceil(clipSamples / s_last): pooled ticks in one clip. */
  ticksPerClip: number;
  /** Float offsets / sizes in the arena (arena is floats + 2 uint32 counters at the end). */
  stateFloats: number;
  poolOffset: number;
  scratchOffset: number;
  scratchFloats: number;
  permanentBytes: number;
  scratchBytes: number;
  arenaBytes: number;
}

const FLOAT_BYTES = 4;
const COUNTER_BYTES = 8; // phase + count, two uint32

/** Throws ModelFormatError / UsageError naming the layer and field when the emitter cannot express the model. */
export function planCppPackage(model: Model, options: { poolKahan?: boolean } = {}): CppPlan {
  const { layers } = model;
  if (!Array.isArray(layers) || layers.length === 0) throw new ModelFormatError('export-cpp: the model has no SSM layers');
  layers.forEach((layer, j) => checkLayerKind(layer, j));
  const classes = model.decoder.bias.length;
  const hLast = layers[layers.length - 1].outputSize;
  if (model.decoder.weight.length !== classes * hLast) {
    throw new ModelFormatError(`export-cpp: decoder weight has ${model.decoder.weight.length} values, expected K·H_last = ${classes}·${hLast}`);
  }
  if (!Number.isInteger(model.clipSamples) || model.clipSamples < 1) {
    throw new ModelFormatError(`export-cpp: clipSamples = ${model.clipSamples}, expected a positive integer`);
  }
  const stepScales = layers.map((l) => l.stepScale);
  checkNesting(stepScales);

  const L = layers.length;
  let stateFloats = 0;
  const plans: LayerPlan[] = layers.map((layer, j) => {
    const I = j === 0 ? 1 : layers[j - 1].outputSize;
    if (layer.inputSize !== I) {
      throw new ModelFormatError(`export-cpp: layer ${j} has inputSize ${layer.inputSize}, expected ${I} (${j === 0 ? 'raw audio' : `layer ${j - 1}'s outputSize`})`);
    }
    const { stateSize: P, outputSize: H } = layer;
    const plan: LayerPlan = {
      index: j,
      I,
      P,
      H,
      stepScale: layer.stepScale,
      outputStepScale: j + 1 < L ? layers[j + 1].stepScale : layer.stepScale,
      skip: skipKind(layer, j),
      stateOffset: stateFloats,
      inputScratchOffset: null,
      outputScratchOffset: null,
    };
    stateFloats += 2 * P;
    return plan;
  });

  // Scratch: layer 0's output goes to the front; a layer with a skip matrix writes its output at the
  // other end from its input; an identity-skip layer overwrites its input in place (o_h needs only u_h
  // once the state is updated), so it needs I floats, not I + H.
  let scratchFloats = 1; // never a zero-length array
  plans.forEach((p, j) => {
    const inFloats = j === 0 ? 0 : p.I;
    const outFloats = j === L - 1 ? 0 : p.H;
    const need = p.skip === 'identity' ? Math.max(inFloats, outFloats) : inFloats + outFloats;
    scratchFloats = Math.max(scratchFloats, need);
  });
  let atFront = true; // where the current activation vector lives
  plans.forEach((p, j) => {
    if (j > 0) p.inputScratchOffset = plans[j - 1].outputScratchOffset;
    if (j === L - 1) return;
    if (j > 0 && p.skip !== 'identity') atFront = !atFront;
    p.outputScratchOffset = atFront ? 0 : scratchFloats - p.H;
  });
  const poolOffset = stateFloats;
  const scratchOffset = poolOffset + hLast;
  const poolKahan = options.poolKahan ?? false;
  const permanentBytes = FLOAT_BYTES * (stateFloats + hLast * (poolKahan ? 2 : 1)) + COUNTER_BYTES;
  const scratchBytes = FLOAT_BYTES * scratchFloats;
  const sLast = stepScales[L - 1];
  return {
    poolKahan,
    layers: plans,
    classes,
    hLast,
    stepScales,
    sLast,
    clipSamples: model.clipSamples,
    ticksPerClip: Math.ceil(model.clipSamples / sLast),
    stateFloats,
    poolOffset,
    scratchOffset,
    scratchFloats,
    permanentBytes,
    scratchBytes,
    arenaBytes: permanentBytes + scratchBytes,
  };
}

/** The Cpp-NN schedule and the numpy decimation agree only for nested step scales (spec §4.2). */
export function checkNesting(stepScales: readonly number[]): void {
  stepScales.forEach((s, j) => {
    if (!Number.isInteger(s) || s < 1) {
      throw new UsageError(`export-cpp: step scale ${j} is ${s}, expected a positive integer`);
    }
    if (j > 0 && s % stepScales[j - 1] !== 0) {
      throw new UsageError(
        `export-cpp: step scales [${stepScales.join(', ')}] do not nest: s_${j} = ${s} is not a multiple of s_${j - 1} = ${stepScales[j - 1]} ` +
          '(each layer must tick on a subset of the previous layer\'s ticks, spec §4.2)',
      );
    }
  });
}

function checkLayerKind(layer: SsmLayer, j: number): void {
  // The Model type has one layer kind today; a future model may carry others (e.g. a `kind` tag).
  const kind = (layer as unknown as { kind?: unknown }).kind;
  if (kind !== undefined && kind !== 'ssm' && kind !== 'sedge') {
    throw new ModelFormatError(`export-cpp: layer ${j} has kind '${String(kind)}'; the C++ emitter can only express S-Edge SSM layers ('ssm')`);
  }
  const sizes = { inputSize: layer.inputSize, stateSize: layer.stateSize, outputSize: layer.outputSize };
  for (const [name, value] of Object.entries(sizes)) {
    if (!Number.isInteger(value) || value < 1) throw new ModelFormatError(`export-cpp: layer ${j} ${name} = ${value}, expected a positive integer`);
  }
  const { inputSize: I, stateSize: P, outputSize: H } = layer;
  const expect: Array<[string, ArrayLike<number> | null | undefined, number]> = [
    ['aRe', layer.aRe, P], ['aIm', layer.aIm, P], ['bRe', layer.bRe, P * I], ['bIm', layer.bIm, P * I],
    ['biasBRe', layer.biasBRe, P], ['biasBIm', layer.biasBIm, P], ['cRe', layer.cRe, H * P], ['cIm', layer.cIm, H * P],
    ['biasCRe', layer.biasCRe, H],
  ];
  for (const [name, arr, n] of expect) {
    if (!arr || arr.length !== n) throw new ModelFormatError(`export-cpp: layer ${j} '${name}' has ${arr?.length ?? 'no'} values, expected ${n}`);
  }
  if (layer.skip !== null && layer.skip.length !== H * I) {
    throw new ModelFormatError(`export-cpp: layer ${j} 'skip' has ${layer.skip.length} values, expected H·I = ${H}·${I}`);
  }
}

function skipKind(layer: SsmLayer, j: number): SkipKind {
  if (layer.skip !== null) return 'matrix';
  if (layer.inputSize === 1) return 'broadcast';
  if (layer.inputSize === layer.outputSize) return 'identity';
  throw new ModelFormatError(`export-cpp: layer ${j} has no skip matrix but I = ${layer.inputSize} ≠ H = ${layer.outputSize}; a null skip means identity (I = H) or broadcast (I = 1), spec §2.3`);
}
