/**
 * linear(x, W, b) = x·Wᵀ + b over the last axis (torch nn.Linear): x [..., I], W [O, I], b [O].
 * Used for the trainable skip (no bias, on [B, T, I]: the largest product in Tiny's last layer) and
 * the decoder.
 *
 *   forward   y = x Wᵀ + b
 *   backward  dx = dy W,   dW = dyᵀ x (summed over every row, in f64),   db = Σ_rows dy
 *
 * On a Device the products run in the wasm kernels on the tensors in place: gemmF32 (W packed into
 * its column panels, src/engine/plan.ts packPanels) forward and for dx, gemmAtBF64 for dW.
 */
import { packPanels } from '../../src/engine/plan.js';
import { EPILOGUE } from '../../src/engine/wasm.js';
import { kernelsOf } from './ops.js';
import { emptyLike, record, sameDtype, type Tensor } from './tensor.js';
import { pad4 } from './wasm.js';

export function linear(x: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  const I = x.shape[x.shape.length - 1];
  if (weight.shape.length !== 2 || weight.shape[1] !== I) {
    throw new RangeError(`linear: weight ${weight.name ? `'${weight.name}' ` : ''}has shape [${weight.shape}], expected [O, ${I}] for input [${x.shape}]`);
  }
  const O = weight.shape[0];
  if (bias && (bias.shape.length !== 1 || bias.shape[0] !== O)) throw new RangeError(`linear: bias has shape [${bias.shape}], expected [${O}]`);
  sameDtype('linear', ...(bias ? [x, weight, bias] : [x, weight]));
  const rows = x.size / I;
  const out = emptyLike(x, [...x.shape.slice(0, -1), O]);
  const parents = bias ? [x, weight, bias] : [x, weight];
  return kernelsOf(x, out) ? linearDevice(x, weight, bias, out, rows, I, O, parents) : linearPlain(x, weight, bias, out, rows, I, O, parents);
}

function addColumnSums(dst: Float32Array | Float64Array, sums: Float64Array): void {
  for (let c = 0; c < sums.length; c++) dst[c] += sums[c];
}

function linearPlain(x: Tensor, weight: Tensor, bias: Tensor | null, out: Tensor, rows: number, I: number, O: number, parents: Tensor[]): Tensor {
  const X = x.data, W = weight.data, y = out.data;
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < O; o++) {
      let s = bias ? bias.data[o] : 0;
      for (let i = 0; i < I; i++) s += X[r * I + i] * W[o * I + i];
      y[r * O + o] = s;
    }
  }
  return record(out, parents, (yt) => {
    if (x.requiresGrad) {
      const dx = x.gradBuffer(), g = yt.grad!, W = weight.data;
      for (let r = 0; r < rows; r++) {
        for (let i = 0; i < I; i++) {
          let s = 0;
          for (let o = 0; o < O; o++) s += g[r * O + o] * W[o * I + i];
          dx[r * I + i] += s;
        }
      }
    }
    const g = yt.grad!, X = x.data;
    if (weight.requiresGrad) {
      const acc = new Float64Array(O * I);
      for (let r = 0; r < rows; r++) {
        for (let o = 0; o < O; o++) {
          const go = g[r * O + o];
          for (let i = 0; i < I; i++) acc[o * I + i] += go * X[r * I + i];
        }
      }
      addColumnSums(weight.gradBuffer(), acc);
    }
    if (bias?.requiresGrad) {
      const acc = new Float64Array(O);
      for (let r = 0; r < rows; r++) for (let o = 0; o < O; o++) acc[o] += g[r * O + o];
      addColumnSums(bias.gradBuffer(), acc);
    }
  });
}

function linearDevice(x: Tensor, weight: Tensor, bias: Tensor | null, out: Tensor, rows: number, I: number, O: number, parents: Tensor[]): Tensor {
  const device = x.device!, k = device.kernels;
  const Op = pad4(O), Ip = pad4(I);
  const W = weight.data;
  device.scratch([I * Op * 4, Op * 4, O === Op ? 0 : rows * Op * 4], ([w, b, tmp]) => {
    device.f32(w, I * Op).set(packPanels(I, Op, (i, o) => (o < O ? W[o * I + i] : 0)));
    const bv = device.f32(b, Op);
    bv.fill(0);
    if (bias) bv.set(bias.data);
    k.gemmF32(x.ptr, I, rows, I, w, Op, b, O === Op ? out.ptr : tmp, Op, EPILOGUE.store);
    if (O !== Op) k.copyRowsF32(tmp, Op, rows, O, out.ptr, O);
  });

  return record(out, parents, (y) => {
    const g = y.gradPtr;
    if (x.requiresGrad) {
      const direct = I === Ip;
      // The first gradient of x, written whole by a direct product: stored (acc + 0, bit for bit the
      // 0 + acc of accumulating into zeros) into a buffer that needs no zero fill.
      const store = direct && !x.hasGrad;
      if (store) x.freshGradBuffer();
      const dx = x.gradPtr, W = weight.data;
      device.scratch([O * Ip * 4, Ip * 4, direct ? 0 : rows * Ip * 4], ([w, zero, tmp]) => {
        device.f32(w, O * Ip).set(packPanels(O, Ip, (o, i) => (i < I ? W[o * I + i] : 0)));
        device.f32(zero, Ip).fill(0);
        if (direct) k.gemmF32(g, O, rows, O, w, Ip, zero, dx, I, store ? EPILOGUE.store : EPILOGUE.accumulate);
        else {
          k.gemmF32(g, O, rows, O, w, Ip, zero, tmp, Ip, EPILOGUE.store);
          k.addRowsF32(tmp, Ip, rows, I, dx, I);
        }
      });
    }
    if (weight.requiresGrad) {
      const acc = device.scratch([I * O * 8], ([dw]) => {
        device.f64(dw, I * O).fill(0);
        k.gemmAtBF64(x.ptr, I, rows, I, g, O, O, dw, O);
        return device.f64(dw, I * O).slice();
      });
      const dW = weight.gradBuffer();
      for (let o = 0; o < O; o++) for (let i = 0; i < I; i++) dW[o * I + i] += acc[i * O + o];
    }
    if (bias?.requiresGrad) {
      const sums = device.scratch([O * 8], ([s]) => {
        device.f64(s, O).fill(0);
        k.accumulateRowsF64(g, O, rows, O, s);
        return device.f64(s, O).slice();
      });
      addColumnSums(bias.gradBuffer(), sums);
    }
  });
}
