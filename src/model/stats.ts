/**
 * Static numbers of a Model that the authors publish: parameter count (spec §5.8), Cpp-NN FLOP count
 * (§8.3), Cpp-NN memory (§4.3) and the Cpp-NN step-scale schedule constants (§4.2, §8.1).
 */
import { UsageError } from '../errors.js';
import { classCount, type Model } from './model.js';

/**
 * `SC_Model_classifier.get_number_of_parameters()`: Σ_layers [2P + 2IP + 2P + 2PH + 2H (+ IH for a
 * skip matrix)] + K·H_last + K + 2. It counts A, B, b̄, C and c as complex, excludes log_step and
 * BatchNorm; the trailing 2 is presumably the unused input BatchNorm's weight and bias (1 each).
 * Full 141 381, L 56 333, S 20 377, Tiny 8 413.
 */
export function parameterCount(model: Model): number {
  let count = 0;
  for (const { inputSize: I, stateSize: P, outputSize: H, skip } of model.layers) {
    count += 2 * P + 2 * I * P + 2 * P + 2 * P * H + 2 * H + (skip === null ? 0 : I * H);
  }
  const K = classCount(model);
  return count + K * lastOutputSize(model) + K + 2;
}

export interface FlopCount {
  /** The §8.3 formula. */
  lower: number;
  /** lower + Σ_j n_o,j·H_j: Cpp-NN's benchmark also counts the LeakyReLU multiply of every negative pre-activation. */
  upper: number;
}

/**
 * Cpp-NN FLOPs for one second of audio (sampleRateHz samples), spec §8.3. Layer j updates its state
 * n_u,j = ceil(N/s_j) times and computes its output n_o,j = ceil(N/s_{j+1}) times (s_L := s_{L−1}):
 *   Σ_j [n_u,j·(4 P_j I_j + 8 P_j) + n_o,j·(4 H_j P_j + skip_j + H_j)] + ceil(N/s_last)·H_last + 2·K·H_last
 * with skip_j = 2 H_j I_j for a matrix, H_j for identity/broadcast. The README MFLOP values of all
 * 26 configurations lie in [lower, upper].
 */
export function flopsPerSecond(model: Model): FlopCount {
  const N = model.sampleRateHz;
  const { layers } = model;
  let lower = 0;
  let negativeBranch = 0;
  layers.forEach(({ inputSize: I, stateSize: P, outputSize: H, skip, stepScale }, j) => {
    const nextScale = j + 1 < layers.length ? layers[j + 1].stepScale : stepScale;
    const nU = Math.ceil(N / stepScale);
    const nO = Math.ceil(N / nextScale);
    const skipFlops = skip === null ? H : 2 * H * I;
    lower += nU * (4 * P * I + 8 * P) + nO * (4 * H * P + skipFlops + H);
    negativeBranch += nO * H;
  });
  const Hlast = lastOutputSize(model);
  const sLast = layers[layers.length - 1].stepScale;
  lower += Math.ceil(N / sLast) * Hlast + 2 * classCount(model) * Hlast;
  return { lower, upper: lower + negativeBranch };
}

export interface MemoryBytes {
  /** Kept across samples: the complex64 state of every layer plus the SumReduction accumulator. */
  permanentBytes: number;
  /** Scratch shared by all stages (Cpp-NN ping-pong buffer). */
  bufferBytes: number;
}

/**
 * Cpp-NN `Sequence` memory (spec §4.3), float32 data:
 *   permanent = Σ_j 8·P_j + 4·H_last
 *   buffer    = max over stages of: DSSM 4·(I_j + H_j) (input and output vectors side by side),
 *               SumReduction 4·max(in, out) = 4·H_last, Linear 4·(H_last + K).
 * This reading (bytes, input + output for DSSM and Linear) reproduces the README exactly:
 * Full 3456/768 and L 2944/480 and S 1104/472 are set by the widest DSSM (I+H = 192, 120, 118),
 * Tiny 704/396 by the decoder (64 + 35 = 99 floats > the widest DSSM's 32 + 64 = 96).
 * Whether the SumReduction term counts bytes or floats never matters: it is below the Linear's.
 */
export function memoryBytes(model: Model): MemoryBytes {
  const Hlast = lastOutputSize(model);
  let permanentBytes = 4 * Hlast;
  let bufferBytes = Math.max(4 * Hlast, 4 * (Hlast + classCount(model)));
  for (const { inputSize: I, stateSize: P, outputSize: H } of model.layers) {
    permanentBytes += 8 * P;
    bufferBytes = Math.max(bufferBytes, 4 * (I + H));
  }
  return { permanentBytes, bufferBytes };
}

export interface Schedule {
  /** Per stage (L SSMs, SumReduction, Linear): the stage runs at samples i with (i + off) % ss = 0. */
  ss: number[];
  off: number[];
  /** ceil(clipSamples / s_last): the number of summed steps; Cpp-NN divides W by it. */
  decoderDivisor: number;
}

/**
 * The constants that the authors' `model_cpp_convert.py` generates for `runWithStepScale` (spec §4.2):
 *   ss  = [s_0 … s_{L−1}, s_{L−1}, ((N−1) // s_{L−1})·s_{L−1} + 1],  off = [0 … 0, 1]
 * e.g. [1,2,4,16,32,64] → ss = [1,2,4,16,32,64,64,15937], divisor 250.
 */
export function scheduleArrays(stepScales: readonly number[], clipSamples: number): Schedule {
  if (stepScales.length === 0) throw new UsageError('scheduleArrays: stepScales is empty, expected one step scale per layer');
  stepScales.forEach((s, j) => {
    if (!Number.isInteger(s) || s < 1) throw new UsageError(`scheduleArrays: stepScales[${j}] = ${s}, expected a positive integer`);
  });
  if (!Number.isInteger(clipSamples) || clipSamples < 1) {
    throw new UsageError(`scheduleArrays: clipSamples = ${clipSamples}, expected a positive integer`);
  }
  const sLast = stepScales[stepScales.length - 1];
  const decoderAt = Math.floor((clipSamples - 1) / sLast) * sLast; // the last sample the last layer ticks at
  return {
    ss: [...stepScales, sLast, decoderAt + 1],
    off: [...stepScales.map(() => 0), 0, 1],
    decoderDivisor: Math.ceil(clipSamples / sLast),
  };
}

function lastOutputSize(model: Model): number {
  return model.layers[model.layers.length - 1].outputSize;
}
