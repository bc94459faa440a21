/**
 * The pooling centre: the last layer's output when the network has settled on a silent (all-zero)
 * input, in float64. Every layer then sees a constant input u, so its state settles at the fixed point
 *   x* = (B̄ u + b̄) / (1 − Ā)        (element-wise, complex; |Ā| < 1)
 * and its output is o* = LeakyReLU(Re(C x*) + Re c) + S u. The C++ pool sums o − o*, which keeps the
 * float accumulator small; any finite centre gives the same logits in exact arithmetic.
 */
import { LEAKY_SLOPE, type Model } from '../../src/model/model.js';

export function silentSteadyStateOutput(model: Model): Float64Array {
  let u = new Float64Array(1); // the raw input is 0 (the C++ standardises it first, so use the standardised 0)
  if (model.inputMean !== null && model.inputStd !== null) u[0] = (0 - model.inputMean) / (model.inputStd + 1e-5);
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
    u = o;
  }
  // A marginally stable pole (|Ā| ≈ 1) has no useful fixed point; fall back to no centre.
  return u.every(Number.isFinite) && u.every((v) => Math.abs(v) < 1e6) ? u : new Float64Array(u.length);
}
