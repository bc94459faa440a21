/**
 * The network settled on a silent (all-zero) input, in float64. Every layer then sees a constant
 * input u, so its state settles at the fixed point
 *   x* = (B̄ u + b̄) / (1 − Ā)        (element-wise, complex; |Ā| < 1)
 * and its output is o* = LeakyReLU(Re(C x*) + Re c) + S u.
 * Two uses: the pooling centre (the C++ pool sums o − o*, which keeps the float accumulator small;
 * any finite centre gives the same logits in exact arithmetic), and --int8's bias correction, which
 * makes the quantised network settle where the float one does (pack.ts).
 */
import { LEAKY_SLOPE, type Model } from '../../src/model/model.js';

export interface SettledLayer {
  /** The layer's constant input u (I). */
  input: Float64Array;
  /** Its state x* (P), real and imaginary parts. */
  stateRe: Float64Array;
  stateIm: Float64Array;
  /** Its output o* (H). */
  output: Float64Array;
}

/** Each layer settled on silence (values may be huge or infinite where a pole has |Ā| ≈ 1: see `settles`). */
export function silentSteadyState(model: Model): SettledLayer[] {
  let u = new Float64Array(1); // the raw input is 0 (the C++ standardises it first, so use the standardised 0)
  if (model.inputMean !== null && model.inputStd !== null) u[0] = (0 - model.inputMean) / (model.inputStd + 1e-5);
  const settled: SettledLayer[] = [];
  for (const layer of model.layers) {
    const { inputSize: I, stateSize: P, outputSize: H, skip } = layer;
    const xRe = new Float64Array(P);
    const xIm = new Float64Array(P);
    for (let p = 0; p < P; p++) {
      let re = layer.biasBRe[p];
      let im = layer.biasBIm[p];
      for (let i = 0; i < I; i++) {
        re += layer.bRe[p * I + i] * u[i];
        im += layer.bIm[p * I + i] * u[i];
      }
      // divide by (1 − a)
      const dRe = 1 - layer.aRe[p];
      const dIm = -layer.aIm[p];
      const norm = dRe * dRe + dIm * dIm;
      xRe[p] = (re * dRe + im * dIm) / norm;
      xIm[p] = (im * dRe - re * dIm) / norm;
    }
    const o = new Float64Array(H);
    for (let h = 0; h < H; h++) {
      let y = layer.biasCRe[h];
      for (let p = 0; p < P; p++) y += layer.cRe[h * P + p] * xRe[p] - layer.cIm[h * P + p] * xIm[p];
      let v = y < 0 ? LEAKY_SLOPE * y : y;
      if (skip === null) v += I === H ? u[h] : u[0];
      else for (let i = 0; i < I; i++) v += skip[h * I + i] * u[i];
      o[h] = v;
    }
    settled.push({ input: u, stateRe: xRe, stateIm: xIm, output: o });
    u = o;
  }
  return settled;
}

/** False for values a marginally stable pole (|Ā| ≈ 1) blew up: no useful fixed point. */
export const settles = (values: Float64Array): boolean => values.every((v) => Number.isFinite(v) && Math.abs(v) < 1e6);

/** The pooling centre: the last layer's settled output, or zeros when there is no useful fixed point. */
export function silentSteadyStateOutput(model: Model): Float64Array {
  const output = silentSteadyState(model).at(-1)!.output;
  return settles(output) ? output : new Float64Array(output.length);
}
