/**
 * The one in-memory description of an S-Edge network. Readers (model_dict.npy, safetensors, the
 * trainer) produce a Model; every consumer (reference, engine, C++ emitter, writers) takes one.
 *
 * Layer math (spec §1), per tick k of the layer's own clock:
 *   x_k = A ⊙ x_{k-1} + B u_k + bB        (complex, state size P; x_{-1} = 0)
 *   y_k = Re(C x_k + cB)                   (H outputs)
 *   o_k = LeakyReLU_{0.01}(y_k) + skip(u_k)
 * Complex tensors are kept as separate real and imaginary Float32Arrays, row-major.
 */

/** The 35 Speech Commands v0.02 words, in the authors' (alphabetical) label order (spec §5.7). */
export const SPEECH_COMMANDS_LABELS: readonly string[] = Object.freeze([
  'backward', 'bed', 'bird', 'cat', 'dog', 'down', 'eight', 'five', 'follow', 'forward', 'four', 'go',
  'happy', 'house', 'learn', 'left', 'marvin', 'nine', 'no', 'off', 'on', 'one', 'right', 'seven',
  'sheila', 'six', 'stop', 'three', 'tree', 'two', 'up', 'visual', 'wow', 'yes', 'zero',
]);

/** Slope of the LeakyReLU for negative inputs (torch default, Cpp-NN activations.hpp). */
export const LEAKY_SLOPE = 0.01;

/**
 * Continuous-time parameters of a layer (spec §5.1), with BatchNorm already folded into b and bB.
 * Present when the model came from the trainer (or a safetensors written by it), so the runtime can
 * re-discretise for other step scales.
 */
export interface ContinuousParams {
  lambdaRe: Float32Array; // (P) ≤ 0
  lambdaIm: Float32Array; // (P)
  logStep: Float32Array; // (P) log Δ in units of one sample at sampleRateHz
  bRe: Float32Array; // (P, I)
  bIm: Float32Array; // (P, I)
  biasBRe: Float32Array; // (P)
  biasBIm: Float32Array; // (P)
}

export interface SsmLayer {
  inputSize: number; // I
  stateSize: number; // P
  outputSize: number; // H
  /** Absolute step scale s: the layer ticks at samples i ≡ 0 (mod s). */
  stepScale: number;
  aRe: Float32Array; // (P) discrete diagonal state matrix Ā
  aIm: Float32Array;
  bRe: Float32Array; // (P, I) discrete input matrix B̄
  bIm: Float32Array;
  biasBRe: Float32Array; // (P) discrete input bias b̄
  biasBIm: Float32Array;
  cRe: Float32Array; // (H, P) output matrix C
  cIm: Float32Array;
  biasCRe: Float32Array; // (H) output bias; only its real part affects the output
  biasCIm: Float32Array; // (H) kept so that writers can round-trip it
  /**
   * Skip weight S (H, I), or null for the non-trainable skip: identity when I = H, broadcast of the
   * single input channel when I = 1 (spec §2.3); null is only valid for those two cases.
   */
  skip: Float32Array | null;
  continuous?: ContinuousParams;
}

export interface Decoder {
  weight: Float32Array; // (K, H_last), torch nn.Linear layout
  bias: Float32Array; // (K)
}

/**
 * Invariants (validateModel checks them; every reader and Network.create calls it): I_0 = 1 and
 * I_j = H_{j−1}; all values finite; |Ā| < 1; continuous Re Λ ≤ 0; step scales positive integers with
 * s_j | s_{j+1}; labels.length = K; inputMean and inputStd both set (std > 0) or both null.
 */
export interface Model {
  layers: SsmLayer[];
  decoder: Decoder;
  /** One label per decoder output (K). */
  labels: string[];
  sampleRateHz: number;
  /** Samples per clip the model was trained on (the mean-pool length is ceil(clipSamples / s_last)). */
  clipSamples: number;
  /** Global input standardisation x ← (x − mean)/(std + 1e-5) (spec §3.4), or null for none. */
  inputMean: number | null;
  inputStd: number | null;
  /** Free-form provenance, kept in safetensors metadata (e.g. the file it was converted from). */
  description?: string;
}

export const stepScalesOf = (model: Model): number[] => model.layers.map((l) => l.stepScale);

export const classCount = (model: Model): number => model.decoder.bias.length;

/** Epsilon of the authors' standardisation (spec §3.4). */
export const STANDARDISE_EPS = 1e-5;
