/**
 * The S-Edge layer on the wasm kernels, for f32 tensors on a Device (formulas: ssm-kernel.ts). The
 * whole batch is one block of rows = batch × T, read and written in place:
 *
 *   forward   X  = U·[Re B̄ᵀ | Im B̄ᵀ] + [Re b̄ | Im b̄]        gemmF32
 *             X  ← scan(X) per sequence, f64 recurrence       ssmScanBatchF32
 *             Y  = X·[Re Cᵀ ; −Im Cᵀ] + Re c                  gemmF32
 *   backward  G  = dY·[Re C | −Im C]  (= Cᴴ dy, as re|im)      gemmF32
 *             G  ← λ (reverse scan), with G_Ā and G_b̄ in f64  ssmAdjointScanBatchF32
 *             G_C  = dYᵀ·X,   G_B̄ᵀ = Uᵀ·λ  (f64 sums)        gemmAtBF64
 *             Re c: column sums of dY (f64)                   accumulateRowsF64
 *             dU += λ·[Re B̄ᵀ ; Im B̄ᵀ]ᵀ                        gemmF32
 *
 * State rows are [Re (Pp) | Im (Pp)] with Pp = P rounded up to 4; padded states have Ā = 0 and
 * BU = 0, so they stay 0. The states X are a device tensor kept for the backward pass.
 */
import { packPanels } from '../../src/engine/plan.js';
import { EPILOGUE } from '../../src/engine/wasm.js';
import type { Device } from './device.js';
import { zeroGrads, type SsmDims, type SsmForward, type SsmGrads, type SsmWeights } from './ssm-kernel.js';
import { Tensor } from './tensor.js';
import { pad4 } from './wasm.js';

/** Column q of [Re B̄ᵀ | Im B̄ᵀ] at input i: Re B̄[q, i] for q < Pp, Im B̄[q − Pp, i] after. */
const bAt = (w: SsmWeights, I: number, P: number, Pp: number) => (i: number, q: number): number => {
  if (i >= I) return 0;
  if (q < Pp) return q < P ? w.bRe[q * I + i] : 0;
  return q - Pp < P ? w.bIm[(q - Pp) * I + i] : 0;
};

/** The state → output map (2Pp × H): rows [Re Cᵀ ; −Im Cᵀ]. Its transpose maps dy to Cᴴ dy. */
const cAt = (w: SsmWeights, P: number, Pp: number, H: number) => (q: number, h: number): number => {
  if (h >= H) return 0;
  if (q < Pp) return q < P ? w.cRe[h * P + q] : 0;
  return q - Pp < P ? -w.cIm[h * P + q - Pp] : 0;
};

function writeA(device: Device, aRe: number, aIm: number, w: SsmWeights, Pp: number): void {
  const re = device.f64(aRe, Pp), im = device.f64(aIm, Pp);
  re.fill(0);
  im.fill(0);
  re.set(w.aRe);
  im.set(w.aIm);
}

export function ssmForwardWasm(u: Tensor, y: Tensor, dims: SsmDims, w: SsmWeights): SsmForward {
  const device = u.device!, k = device.kernels;
  const { batch, steps: T, I, P, H } = dims;
  const Pp = pad4(P), Hp = pad4(H), S = 2 * Pp, rows = batch * T;
  const states = Tensor.emptyOn(device, [rows, S], 'f32', true); // X, kept for backward (the first gemm writes all of it)
  const direct = H === Hp && y.device === device;
  device.scratch([I * S * 4, S * 4, Pp * 8, Pp * 8, S * 8, S * Hp * 4, Hp * 4, direct ? 0 : rows * Hp * 4],
    ([bPacked, bias, aRe, aIm, state, cPacked, cBias, tmp]) => {
      device.f32(bPacked, I * S).set(packPanels(I, S, bAt(w, I, P, Pp)));
      const bv = device.f32(bias, S);
      bv.fill(0);
      bv.set(w.biasRe, 0);
      bv.set(w.biasIm, Pp);
      writeA(device, aRe, aIm, w, Pp);
      device.f32(cPacked, S * Hp).set(packPanels(S, Hp, cAt(w, P, Pp, H)));
      const cv = device.f32(cBias, Hp);
      cv.fill(0);
      cv.set(w.cBias);
      const X = states.ptr;
      k.gemmF32(u.ptr, I, rows, I, bPacked, S, bias, X, S, EPILOGUE.store);
      k.ssmScanBatchF32(X, batch, T, Pp, aRe, aIm, state);
      k.gemmF32(X, S, rows, S, cPacked, Hp, cBias, direct ? y.ptr : tmp, Hp, EPILOGUE.store);
      if (direct) return;
      if (y.device === device) k.copyRowsF32(tmp, Hp, rows, H, y.ptr, H);
      else { // a small output in a plain array
        const src = device.f32(tmp, rows * Hp), dst = y.data;
        for (let r = 0; r < rows; r++) for (let h = 0; h < H; h++) dst[r * H + h] = src[r * Hp + h];
      }
    });
  return {
    backward: (out) => {
      const grads = ssmBackwardWasm(device, u, states, out, dims, w);
      states.dispose();
      return grads;
    },
  };
}

function ssmBackwardWasm(device: Device, u: Tensor, states: Tensor, y: Tensor, dims: SsmDims, w: SsmWeights): SsmGrads {
  const k = device.kernels;
  const { batch, steps: T, I, P, H } = dims;
  const Pp = pad4(P), Ip = pad4(I), S = 2 * Pp, rows = batch * T;
  const directDu = I === Ip;
  // dU's first value, written whole by a direct product: stored (acc + 0, bit for bit the 0 + acc
  // of accumulating into zeros) into a buffer that needs no zero fill.
  const storeDu = u.requiresGrad && directDu && !u.hasGrad;
  if (storeDu) u.freshGradBuffer();
  const du = u.requiresGrad ? u.gradPtr : -1;
  const dy = y.device === device ? y.gradPtr : -1;
  const d = zeroGrads(dims);
  device.scratch([dy >= 0 ? 0 : rows * H * 4, H * S * 4, Math.max(S, Ip) * 4, rows * S * 4, Pp * 8, Pp * 8, S * 8, S * 8, S * 8, H * S * 8, H * 8, I * S * 8,
    S * Ip * 4, directDu ? 0 : rows * Ip * 4],
  ([dyCopy, cPacked, zero, g, aRe, aIm, state, dA, dBias, dC, dc, dBt, bPacked, duTmp]) => {
    const dyPtr = dy >= 0 ? dy : dyCopy;
    if (dy < 0) device.f32(dyCopy, rows * H).set(y.grad!);
    const at = cAt(w, P, Pp, H);
    device.f32(cPacked, H * S).set(packPanels(H, S, (h, q) => at(q, h)));
    device.f32(zero, Math.max(S, Ip)).fill(0); // the zero bias of both gemms
    writeA(device, aRe, aIm, w, Pp);
    for (const [ptr, n] of [[dA, S], [dBias, S], [dC, H * S], [dc, H], [dBt, I * S]]) device.f64(ptr, n).fill(0);

    k.gemmF32(dyPtr, H, rows, H, cPacked, S, zero, g, S, EPILOGUE.store);
    k.ssmAdjointScanBatchF32(g, states.ptr, batch, T, Pp, aRe, aIm, dA, dBias, state);
    k.gemmAtBF64(dyPtr, H, rows, H, states.ptr, S, S, dC, S);
    k.accumulateRowsF64(dyPtr, H, rows, H, dc);
    k.gemmAtBF64(u.ptr, I, rows, I, g, S, S, dBt, S);
    if (du >= 0) {
      device.f32(bPacked, S * Ip).set(packPanels(S, Ip, (q, i) => bAt(w, I, P, Pp)(i, q)));
      if (directDu) k.gemmF32(g, S, rows, S, bPacked, Ip, zero, du, I, storeDu ? EPILOGUE.store : EPILOGUE.accumulate);
      else {
        k.gemmF32(g, S, rows, S, bPacked, Ip, zero, duTmp, Ip, EPILOGUE.store);
        k.addRowsF32(duTmp, Ip, rows, I, du, I);
      }
    }

    const vA = device.f64(dA, S), vBias = device.f64(dBias, S), vC = device.f64(dC, H * S), vc = device.f64(dc, H), vBt = device.f64(dBt, I * S);
    for (let p = 0; p < P; p++) {
      d.dARe[p] = vA[p];
      d.dAIm[p] = vA[Pp + p];
      d.dBiasRe[p] = vBias[p];
      d.dBiasIm[p] = vBias[Pp + p];
      for (let i = 0; i < I; i++) {
        d.dBRe[p * I + i] = vBt[i * S + p];
        d.dBIm[p * I + i] = vBt[i * S + Pp + p];
      }
    }
    for (let h = 0; h < H; h++) {
      d.dCBias[h] = vc[h];
      for (let p = 0; p < P; p++) {
        d.dCRe[h * P + p] = vC[h * S + p];
        d.dCIm[h * P + p] = -vC[h * S + Pp + p];
      }
    }
  });
  return d;
}
