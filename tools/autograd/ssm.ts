/**
 * The fused S-Edge layer op: continuous parameters in, pre-activation output out (spec §5.1):
 *
 *   Δ = s·exp(log_step),  Ā = exp(ΛΔ),  [B̄ | b̄] = ((Ā − 1)/Λ) ⊙_row [B | b]     (zoh.ts)
 *   x_t = Ā ⊙ x_{t−1} + B̄ u_t + b̄,  y_t = Re(C x_t + c)                        (ssm-kernel.ts)
 *
 * Parameters keep the authors' storage: complex values as trailing (re, im) pairs — Lambda (P, 2),
 * B (P, I, 2), B_bias (P, 2), C (H, P, 2), C_bias (H, 2) — and log_step (P). Their gradients are
 * the real partials of the loss in the same layout (golden README §3.6). Λ is used as stored: the
 * stability projection is the model's job (tools/train/model.ts), done before the forward pass.
 *
 * Backward: the backend returns the gradients of the discrete weights; this op chains them through
 * the ZOH: G_B = conj(g)·G_B̄, G_b = conj(g)·G_b̄, G_g = Σ_i conj(B)·G_B̄ + conj(b)·G_b̄, then
 * zohBackward turns (G_Ā, G_g) into the gradients of Lambda and log_step.
 */
import { kernelsOf } from './ops.js';
import { ssmForwardJs } from './ssm-js.js';
import type { SsmDims, SsmWeights } from './ssm-kernel.js';
import { ssmForwardWasm } from './ssm-wasm.js';
import { emptyLike, expectShape, record, sameDtype, type Tensor } from './tensor.js';
import { zohBackward, zohForward } from './zoh.js';

export interface SsmParams {
  lambda: Tensor; // (P, 2)
  logStep: Tensor; // (P)
  b: Tensor; // (P, I, 2)
  bBias: Tensor; // (P, 2)
  c: Tensor; // (H, P, 2)
  cBias: Tensor; // (H, 2)
}

/**
 * u: [batch, T, I] → y: [batch, T, H] at step scale `stepScale`. An f32 input on a Device runs on
 * the wasm kernels (ssm-wasm.ts); anything else on the plain-loop reference (ssm-js.ts).
 */
export function ssmLayer(u: Tensor, params: SsmParams, stepScale: number): Tensor {
  const { lambda, logStep, b, bBias, c, cBias } = params;
  if (u.shape.length !== 3) throw new RangeError(`ssmLayer: input must be [batch, T, I], got [${u.shape}]`);
  if (!(stepScale > 0)) throw new RangeError(`ssmLayer: step scale must be positive, got ${stepScale}`);
  const [batch, steps, I] = u.shape;
  const P = logStep.size, H = c.shape[0];
  expectShape('ssmLayer', lambda, [P, 2], 'Lambda');
  expectShape('ssmLayer', b, [P, I, 2], 'B');
  expectShape('ssmLayer', bBias, [P, 2], 'B_bias');
  expectShape('ssmLayer', c, [H, P, 2], 'C');
  expectShape('ssmLayer', cBias, [H, 2], 'C_bias');
  sameDtype('ssmLayer', u, lambda, logStep, b, bBias, c, cBias);
  const dims: SsmDims = { batch, steps, I, P, H };

  const zoh = zohForward(lambda.data, logStep.data, stepScale);
  const w: SsmWeights = {
    aRe: zoh.aRe, aIm: zoh.aIm,
    bRe: new Float64Array(P * I), bIm: new Float64Array(P * I), biasRe: new Float64Array(P), biasIm: new Float64Array(P),
    cRe: new Float64Array(H * P), cIm: new Float64Array(H * P), cBias: new Float64Array(H),
  };
  const B = b.data, bb = bBias.data, C = c.data;
  for (let p = 0; p < P; p++) {
    const gRe = zoh.gRe[p], gIm = zoh.gIm[p];
    for (let i = 0; i < I; i++) {
      const re = B[2 * (p * I + i)], im = B[2 * (p * I + i) + 1];
      w.bRe[p * I + i] = gRe * re - gIm * im;
      w.bIm[p * I + i] = gRe * im + gIm * re;
    }
    w.biasRe[p] = gRe * bb[2 * p] - gIm * bb[2 * p + 1];
    w.biasIm[p] = gRe * bb[2 * p + 1] + gIm * bb[2 * p];
  }
  for (let k = 0; k < H * P; k++) {
    w.cRe[k] = C[2 * k];
    w.cIm[k] = C[2 * k + 1];
  }
  for (let h = 0; h < H; h++) w.cBias[h] = cBias.data[2 * h];

  const out = emptyLike(u, [batch, steps, H]);
  const fwd = (kernelsOf(u) ? ssmForwardWasm : ssmForwardJs)(u, out, dims, w);

  return record(out, [u, lambda, logStep, b, bBias, c, cBias], (y) => {
    const d = fwd.backward(y);
    // G_B = conj(g)·G_B̄ and G_b = conj(g)·G_b̄; G_g collects conj(B)·G_B̄ + conj(b)·G_b̄.
    const dGRe = new Float64Array(P), dGIm = new Float64Array(P);
    const dB = b.requiresGrad ? b.gradBuffer() : null, dBias = bBias.requiresGrad ? bBias.gradBuffer() : null;
    for (let p = 0; p < P; p++) {
      const gRe = zoh.gRe[p], gIm = zoh.gIm[p];
      let sRe = 0, sIm = 0;
      for (let i = 0; i < I; i++) {
        const k = p * I + i, re = B[2 * k], im = B[2 * k + 1];
        const Gr = d.dBRe[k], Gi = d.dBIm[k];
        if (dB) {
          dB[2 * k] += gRe * Gr + gIm * Gi;
          dB[2 * k + 1] += gRe * Gi - gIm * Gr;
        }
        sRe += re * Gr + im * Gi;
        sIm += re * Gi - im * Gr;
      }
      const re = bb[2 * p], im = bb[2 * p + 1], Gr = d.dBiasRe[p], Gi = d.dBiasIm[p];
      if (dBias) {
        dBias[2 * p] += gRe * Gr + gIm * Gi;
        dBias[2 * p + 1] += gRe * Gi - gIm * Gr;
      }
      dGRe[p] = sRe + re * Gr + im * Gi;
      dGIm[p] = sIm + re * Gi - im * Gr;
    }
    if (lambda.requiresGrad || logStep.requiresGrad) {
      const dLambda = lambda.requiresGrad ? lambda.gradBuffer() : new Float64Array(2 * P);
      zohBackward(zoh, d.dARe, d.dAIm, dGRe, dGIm, dLambda, logStep.requiresGrad ? logStep.gradBuffer() : new Float64Array(P));
    }
    if (c.requiresGrad) {
      const dC = c.gradBuffer();
      for (let k = 0; k < H * P; k++) {
        dC[2 * k] += d.dCRe[k];
        dC[2 * k + 1] += d.dCIm[k];
      }
    }
    if (cBias.requiresGrad) {
      const dc = cBias.gradBuffer();
      for (let h = 0; h < H; h++) dc[2 * h] += d.dCBias[h]; // Im c never reaches the output
    }
  });
}
