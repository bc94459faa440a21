/**
 * The S-Edge layer forward and backward in plain loops, every operation in f64 (formulas:
 * ssm-kernel.ts). This is the reference the wasm path is tested against, and the path of 'f64'
 * models (gradient checks, golden gradients to 1e-7).
 */
import { allocate, release, type Tensor } from './tensor.js';
import { zeroGrads, type SsmDims, type SsmForward, type SsmGrads, type SsmWeights } from './ssm-kernel.js';

export function ssmForwardJs(uT: Tensor, yT: Tensor, dims: SsmDims, w: SsmWeights): SsmForward {
  const { batch, steps: T, I, P, H } = dims;
  const { aRe, aIm, bRe, bIm, biasRe, biasIm, cRe, cIm, cBias } = w;
  const u = uT.data, y = yT.data;
  // States, one row per step: [Re x (P) | Im x (P)].
  const x = allocate('f64', batch * T * 2 * P) as Float64Array;
  for (let s = 0; s < batch; s++) {
    for (let t = 0; t < T; t++) {
      const row = (s * T + t) * 2 * P, prev = row - 2 * P, ut = (s * T + t) * I;
      for (let p = 0; p < P; p++) {
        let buRe = biasRe[p], buIm = biasIm[p];
        for (let i = 0; i < I; i++) {
          buRe += bRe[p * I + i] * u[ut + i];
          buIm += bIm[p * I + i] * u[ut + i];
        }
        const xr = t > 0 ? x[prev + p] : 0, xi = t > 0 ? x[prev + P + p] : 0;
        x[row + p] = aRe[p] * xr - aIm[p] * xi + buRe;
        x[row + P + p] = aRe[p] * xi + aIm[p] * xr + buIm;
      }
      const yt = (s * T + t) * H;
      for (let h = 0; h < H; h++) {
        let acc = cBias[h];
        for (let p = 0; p < P; p++) acc += cRe[h * P + p] * x[row + p] - cIm[h * P + p] * x[row + P + p];
        y[yt + h] = acc;
      }
    }
  }
  return {
    backward: (out) => {
      const grads = ssmBackwardJs(uT, x, out, dims, w);
      release(x);
      return grads;
    },
  };
}

function ssmBackwardJs(uT: Tensor, x: Float64Array, yT: Tensor, dims: SsmDims, w: SsmWeights): SsmGrads {
  const { batch, steps: T, I, P, H } = dims;
  const du = uT.requiresGrad ? uT.gradBuffer() : null;
  const u = uT.data, dy = yT.grad!;
  const { aRe, aIm, bRe, bIm, cRe, cIm } = w;
  const d = zeroGrads(dims);
  const lamRe = new Float64Array(P), lamIm = new Float64Array(P);
  for (let s = 0; s < batch; s++) {
    lamRe.fill(0);
    lamIm.fill(0);
    for (let t = T - 1; t >= 0; t--) {
      const row = (s * T + t) * 2 * P, prev = row - 2 * P, yt = (s * T + t) * H, ut = (s * T + t) * I;
      for (let h = 0; h < H; h++) {
        const g = dy[yt + h];
        d.dCBias[h] += g;
        for (let p = 0; p < P; p++) {
          d.dCRe[h * P + p] += g * x[row + p];
          d.dCIm[h * P + p] -= g * x[row + P + p];
        }
      }
      for (let p = 0; p < P; p++) {
        // G_x = Cᴴ dy
        let gRe = 0, gIm = 0;
        for (let h = 0; h < H; h++) {
          gRe += cRe[h * P + p] * dy[yt + h];
          gIm -= cIm[h * P + p] * dy[yt + h];
        }
        // λ_t = G_x + conj(Ā)·λ_{t+1}
        const lr = gRe + aRe[p] * lamRe[p] + aIm[p] * lamIm[p];
        const li = gIm + aRe[p] * lamIm[p] - aIm[p] * lamRe[p];
        lamRe[p] = lr;
        lamIm[p] = li;
        d.dBiasRe[p] += lr;
        d.dBiasIm[p] += li;
        if (t > 0) {
          const xr = x[prev + p], xi = x[prev + P + p];
          d.dARe[p] += xr * lr + xi * li;
          d.dAIm[p] += xr * li - xi * lr;
        }
        for (let i = 0; i < I; i++) {
          d.dBRe[p * I + i] += lr * u[ut + i];
          d.dBIm[p * I + i] += li * u[ut + i];
        }
      }
      if (du) {
        for (let i = 0; i < I; i++) {
          let acc = 0;
          for (let p = 0; p < P; p++) acc += bRe[p * I + i] * lamRe[p] + bIm[p * I + i] * lamIm[p];
          du[ut + i] += acc;
        }
      }
    }
  }
  return d;
}
