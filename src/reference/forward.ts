/**
 * Float64 reference forward pass: the authors' numpy `infere_model` (spec §3.1), written plainly so it
 * can be checked against the spec line by line. It is slow on purpose; the engines are tested
 * against it. Weights are float32 and promoted; every sum is float64. No standardisation here
 * (callers apply `standardise` first).
 *
 *   for each layer i:  u ← u[::s_i/s_{i−1}]                     (plain decimation, s_{−1} = 1)
 *                      x_t = A ⊙ x_{t−1} + B u_t + b̄            (x_{−1} = 0)
 *                      y_t = Re(C x_t + c)
 *                      o_t = LeakyReLU_{0.01}(y_t) + S u_t        (S = identity/broadcast when skip is null)
 *   logits = mean_t(o) · Wᵀ + b
 */
import { InputError, ModelFormatError } from '../errors.js';
import { LEAKY_SLOPE, type Model, type SsmLayer } from '../model/model.js';

export interface ReferenceOptions {
  /** Keep every layer's full output (memory: Σ T_i·H_i·8 bytes; 74 MB for Full at all-ones). */
  taps?: boolean;
}

export interface ReferenceResult {
  logits: Float64Array; // (K)
  /** Layer i: (T_i, H_i) row-major on its own grid, T_i = ceil(clipSamples / s_i). Only with `taps`. */
  layerOutputs?: Float64Array[];
  /** Layer i: (H_i), the mean of its output over T_i. The last one is what the decoder sees. */
  layerMeans: Float64Array[];
}

export function referenceForward(model: Model, clip: ArrayLike<number>, options: ReferenceOptions = {}): ReferenceResult {
  checkClip(model, clip);
  let u: Float64Array = Float64Array.from(clip); // (T, I), starting with T = clipSamples, I = 1
  let T = u.length;
  let sPrev = 1;
  const layerOutputs: Float64Array[] = [];
  const layerMeans: Float64Array[] = [];

  model.layers.forEach((layer, i) => {
    const expectedI = i === 0 ? 1 : model.layers[i - 1].outputSize;
    if (layer.inputSize !== expectedI) {
      throw new ModelFormatError(`layer ${i}: inputSize ${layer.inputSize}, expected ${expectedI} (the previous layer's output size)`);
    }
    const s = layer.stepScale;
    if (!Number.isInteger(s) || s < 1 || s % sPrev !== 0) {
      throw new ModelFormatError(`layer ${i}: step scale ${s} must be a positive integer multiple of the previous one (${sPrev})`);
    }
    if (s !== sPrev) {
      u = decimate(u, layer.inputSize, s / sPrev);
      T = u.length / layer.inputSize;
      sPrev = s;
    }
    u = ssmLayer(layer, u, T, i);
    layerMeans.push(meanOverTime(u, T, layer.outputSize));
    if (options.taps) layerOutputs.push(u);
  });

  const mean = layerMeans[layerMeans.length - 1];
  const { weight: W, bias: b } = model.decoder;
  const H = mean.length;
  const logits = Float64Array.from(b, (bk, k) => {
    let acc = bk;
    for (let h = 0; h < H; h++) acc += W[k * H + h] * mean[h];
    return acc;
  });
  return options.taps ? { logits, layerOutputs, layerMeans } : { logits, layerMeans };
}

function checkClip(model: Model, clip: ArrayLike<number>): void {
  if (clip.length !== model.clipSamples) {
    throw new InputError(`clip has ${clip.length} samples, expected ${model.clipSamples} (model.clipSamples)`);
  }
  for (let n = 0; n < clip.length; n++) {
    if (!Number.isFinite(clip[n])) throw new InputError(`clip sample ${n} is ${clip[n]}, expected a finite number`);
  }
}

/** u[::r] over the time axis of a (T, I) signal: keep rows 0, r, 2r, … (numpy slicing, no filter). */
function decimate(u: Float64Array, I: number, r: number): Float64Array {
  const T = Math.ceil(u.length / I / r);
  const out = new Float64Array(T * I);
  for (let t = 0; t < T; t++) out.set(u.subarray(t * r * I, t * r * I + I), t * I);
  return out;
}

/** One S-Edge layer over a whole (T, I) input; returns o as (T, H). */
function ssmLayer(layer: SsmLayer, u: Float64Array, T: number, index: number): Float64Array {
  const { inputSize: I, stateSize: P, outputSize: H, skip: S } = layer;
  const { aRe, aIm, bRe, bIm, biasBRe, biasBIm, cRe, cIm, biasCRe } = layer;
  if (S === null && I !== 1 && I !== H) {
    throw new ModelFormatError(`layer ${index}: a null skip needs I = H (identity) or I = 1 (broadcast), got I=${I}, H=${H}`);
  }
  const xRe = new Float64Array(P); // x_{−1} = 0
  const xIm = new Float64Array(P);
  const o = new Float64Array(T * H);

  for (let t = 0; t < T; t++) {
    const ut = u.subarray(t * I, t * I + I);
    // x_t = A ⊙ x_{t−1} + (B u_t + b̄)
    for (let p = 0; p < P; p++) {
      let buRe = biasBRe[p];
      let buIm = biasBIm[p];
      for (let i = 0; i < I; i++) {
        buRe += bRe[p * I + i] * ut[i];
        buIm += bIm[p * I + i] * ut[i];
      }
      const re = aRe[p] * xRe[p] - aIm[p] * xIm[p] + buRe;
      const im = aRe[p] * xIm[p] + aIm[p] * xRe[p] + buIm;
      xRe[p] = re;
      xIm[p] = im;
    }
    // o_t = LeakyReLU(Re(C x_t + c)) + S u_t
    for (let h = 0; h < H; h++) {
      let y = biasCRe[h];
      for (let p = 0; p < P; p++) y += cRe[h * P + p] * xRe[p] - cIm[h * P + p] * xIm[p];
      let skip: number;
      if (S === null) skip = I === H ? ut[h] : ut[0];
      else {
        skip = 0;
        for (let i = 0; i < I; i++) skip += S[h * I + i] * ut[i];
      }
      o[t * H + h] = (y > 0 ? y : LEAKY_SLOPE * y) + skip;
    }
  }
  return o;
}

function meanOverTime(o: Float64Array, T: number, H: number): Float64Array {
  const mean = new Float64Array(H);
  for (let t = 0; t < T; t++) for (let h = 0; h < H; h++) mean[h] += o[t * H + h];
  return mean.map((sum) => sum / T);
}
