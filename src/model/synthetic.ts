/**
 * Random but stable S-Edge models of any shape: for tests, and for benchmarks (speed does not
 * depend on the weights' values).
 * Same (shape, stepScales, seed) → bit-identical weights on every platform (seeded mulberry32).
 */
import { SPEECH_COMMANDS_LABELS, type Decoder, type Model, type SsmLayer } from './model.js';

export interface SyntheticShape {
  P: readonly number[]; // state size per layer
  H: readonly number[]; // output size per layer
  /** Non-trainable skip (skip: null): broadcast in layer 0 (I = 1), identity after (needs I = H). */
  identitySkip?: boolean;
  classes?: number; // K, default 35
  clipSamples?: number; // default 16000
}

/** mulberry32: a tiny 32-bit PRNG; uniform floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * |A| ∈ [0.5, 0.999] with random phases. B̄ and b̄ are scaled by (1 − |A|), as ZOH does for small
 * steps, so states stay O(input) even for slow poles; C, S and W are scaled by 1/√fan-in.
 */
export function syntheticModel(shape: SyntheticShape, stepScales: readonly number[], seed = 1): Model {
  const { P, H, identitySkip = false, classes = 35, clipSamples = 16000 } = shape;
  if (P.length !== H.length || P.length !== stepScales.length) {
    throw new Error(`syntheticModel: P (${P.length}), H (${H.length}) and stepScales (${stepScales.length}) differ in length`);
  }
  const rand = seededRandom(seed);
  const uniform = (n: number, scale: number) => Float32Array.from({ length: n }, () => (2 * rand() - 1) * scale);

  const layers: SsmLayer[] = P.map((Pj, j) => {
    const I = j === 0 ? 1 : H[j - 1];
    const Hj = H[j];
    if (identitySkip && I !== 1 && I !== Hj) throw new Error(`syntheticModel: identity skip needs I = H in layer ${j} (I=${I}, H=${Hj})`);
    const radius = Array.from({ length: Pj }, () => 0.5 + 0.499 * rand());
    const phase = Array.from({ length: Pj }, () => Math.PI * (2 * rand() - 1));
    const gain = (p: number) => 1 - radius[p];
    const bRe = uniform(Pj * I, 1).map((v, k) => v * gain(Math.floor(k / I)));
    const bIm = uniform(Pj * I, 1).map((v, k) => v * gain(Math.floor(k / I)));
    return {
      inputSize: I,
      stateSize: Pj,
      outputSize: Hj,
      stepScale: stepScales[j],
      aRe: Float32Array.from(radius, (r, p) => r * Math.cos(phase[p])),
      aIm: Float32Array.from(radius, (r, p) => r * Math.sin(phase[p])),
      bRe,
      bIm,
      biasBRe: uniform(Pj, 1).map((v, p) => v * gain(p)),
      biasBIm: uniform(Pj, 1).map((v, p) => v * gain(p)),
      cRe: uniform(Hj * Pj, 1 / Math.sqrt(Pj)),
      cIm: uniform(Hj * Pj, 1 / Math.sqrt(Pj)),
      biasCRe: uniform(Hj, 0.1),
      biasCIm: uniform(Hj, 0.1),
      skip: identitySkip ? null : uniform(Hj * I, 1 / Math.sqrt(I)),
    };
  });

  const Hlast = H[H.length - 1];
  const decoder: Decoder = { weight: uniform(classes * Hlast, 1 / Math.sqrt(Hlast)), bias: uniform(classes, 0.1) };
  const labels = classes === SPEECH_COMMANDS_LABELS.length
    ? [...SPEECH_COMMANDS_LABELS]
    : Array.from({ length: classes }, (_, k) => `class${k}`);
  return {
    layers,
    decoder,
    labels,
    sampleRateHz: 16000,
    clipSamples,
    inputMean: null,
    inputStd: null,
    description: `synthetic P=[${P}] H=[${H}] s=[${stepScales}] seed=${seed}`,
  };
}
