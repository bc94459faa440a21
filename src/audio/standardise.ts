import { STANDARDISE_EPS, type Model } from '../model/model.js';

/**
 * The authors' global input standardisation x ← (x − μ)/(σ + 1e-5) (spec §3.4), computed in float64
 * and rounded to float32 like their float32 data tensor. A model without μ, σ gets a plain copy.
 */
export function standardise(clip: ArrayLike<number>, model: Pick<Model, 'inputMean' | 'inputStd'>): Float32Array {
  const { inputMean: mean, inputStd: std } = model;
  if (mean === null || std === null) return Float32Array.from(clip);
  return Float32Array.from(clip, (x) => (x - mean) / (std + STANDARDISE_EPS));
}
