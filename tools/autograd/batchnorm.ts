/**
 * BatchNorm over the channels of a [..., C] tensor (torch BatchNorm1d on the authors' [B, C, T]
 * view: statistics per channel over batch × time). eps 1e-5, momentum 0.1 (golden README §3.7).
 *
 * train:  μ, σ² = mean and biased variance of the batch; y = γ(x − μ)/√(σ² + eps) + β;
 *         running_mean ← 0.9·running_mean + 0.1·μ, running_var ← 0.9·running_var + 0.1·σ²·n/(n−1)
 *         (unbiased), num_batches_tracked += 1.
 *         dx = s·(g − mean(g) − x̂·mean(g·x̂)) with s = γ/√(σ²+eps),  dγ = Σ g·x̂,  dβ = Σ g
 * eval:   y = γ(x − running_mean)/√(running_var + eps) + β (an affine map per channel);
 *         dx = s·g with s = γ/√(running_var+eps),  dγ = Σ g·x̂,  dβ = Σ g
 * Either way y = s·x + (β − s·μ), and dx = α·g + β′·x + γ′ per channel, which is what the kernels
 * compute on Device tensors. Channel sums are f64.
 *
 * Data parallelism (tools/train/parallel.ts): with a reducer set, train mode sums the row count and
 * the channel sums (forward: Σx, then Σ(x−μ)²; backward: Σg, Σg·x) over every worker's share of
 * the batch, so μ, σ² and the dx terms are the full batch's, as in one process. dγ and dβ stay
 * local: the trainer sums parameter gradients itself.
 */
import { kernelsOf } from './ops.js';
import type { Device } from './device.js';
import { emptyLike, record, sameDtype, type Data, type Tensor } from './tensor.js';

export const BN_EPS = 1e-5;
export const BN_MOMENTUM = 0.1;

/** Element-wise sum of `values` over every data-parallel worker, identical in all of them. */
export type ChannelReducer = (values: Float64Array) => Float64Array;
let reducer: ChannelReducer | null = null;

/** Installs (or, with null, removes) the cross-worker sum used by train-mode statistics in this thread. */
export function setBatchNormReducer(r: ChannelReducer | null): void {
  reducer = r;
}

/** The non-trainable state of one BatchNorm, updated in place by train-mode forward passes. */
export interface BatchNormBuffers {
  runningMean: Data; // (C)
  runningVar: Data; // (C)
  numBatchesTracked: number;
}

/** A tensor's data or its gradient, read lazily (views are re-made after the memory grows). */
interface Buffer {
  readonly device: Device | null;
  readonly size: number;
  readonly ptr: number;
  readonly data: Data;
}

const gradOf = (t: Tensor): Buffer => ({
  device: t.device, size: t.size,
  get ptr() { return t.gradPtr; },
  get data() { return t.grad!; },
});

/** Σ_rows x[r][c], and optionally Σ_rows x[r][c]·y[r][c], per channel in f64. */
function channelSums(x: Buffer, C: number, y?: Buffer): { sum: Float64Array; dot: Float64Array | null } {
  const rows = x.size / C;
  const device = x.device;
  if (device && (!y || y.device === device)) {
    const k = device.kernels;
    return device.scratch([C * 8, C * 8], ([s, d]) => {
      device.f64(s, C).fill(0);
      device.f64(d, C).fill(0);
      k.accumulateRowsF64(x.ptr, C, rows, C, s);
      if (y) k.channelDotF64(x.ptr, y.ptr, rows, C, d);
      return { sum: device.f64(s, C).slice(), dot: y ? device.f64(d, C).slice() : null };
    });
  }
  const X = x.data, Y = y?.data;
  const sum = new Float64Array(C), dot = Y ? new Float64Array(C) : null;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < C; c++) {
      sum[c] += X[r * C + c];
      if (dot) dot[c] += X[r * C + c] * Y![r * C + c];
    }
  }
  return { sum, dot };
}

/** Σ_rows (x[r][c] − mean[c])², in f64. */
function channelSquares(x: Buffer, C: number, mean: Float64Array): Float64Array {
  const rows = x.size / C;
  const device = x.device;
  if (device) {
    const k = device.kernels;
    return device.scratch([C * 8, C * 8], ([m, s]) => {
      device.f64(m, C).set(mean);
      device.f64(s, C).fill(0);
      k.channelSquaresF64(x.ptr, rows, C, m, s);
      return device.f64(s, C).slice();
    });
  }
  const X = x.data, sq = new Float64Array(C);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < C; c++) {
      const d = X[r * C + c] - mean[c];
      sq[c] += d * d;
    }
  }
  return sq;
}

export function batchNorm(x: Tensor, weight: Tensor, bias: Tensor, buffers: BatchNormBuffers, train: boolean): Tensor {
  const C = x.shape[x.shape.length - 1];
  if (weight.size !== C || bias.size !== C || buffers.runningMean.length !== C || buffers.runningVar.length !== C) {
    throw new RangeError(`batchNorm: ${C} channels in input [${x.shape}], but weight/bias/running stats have ${weight.size}/${bias.size}/${buffers.runningMean.length}/${buffers.runningVar.length}`);
  }
  sameDtype('batchNorm', x, weight, bias);
  const rows = x.size / C;
  const reduce = train ? reducer : null;
  let batchRows = rows; // train mode: over the whole batch (every worker's share)
  const mean = new Float64Array(C), invStd = new Float64Array(C);
  if (train) {
    let { sum } = channelSums(x, C);
    if (reduce) {
      const total = reduce(Float64Array.of(rows, ...sum));
      batchRows = total[0];
      sum = total.subarray(1);
    }
    if (batchRows < 2) throw new RangeError(`batchNorm: train mode needs more than one value per channel, got ${batchRows}`);
    for (let c = 0; c < C; c++) mean[c] = sum[c] / batchRows;
    let sq = channelSquares(x, C, mean);
    if (reduce) sq = reduce(sq);
    for (let c = 0; c < C; c++) {
      invStd[c] = 1 / Math.sqrt(sq[c] / batchRows + BN_EPS);
      buffers.runningMean[c] = (1 - BN_MOMENTUM) * buffers.runningMean[c] + BN_MOMENTUM * mean[c];
      buffers.runningVar[c] = (1 - BN_MOMENTUM) * buffers.runningVar[c] + BN_MOMENTUM * (sq[c] / (batchRows - 1));
    }
    buffers.numBatchesTracked += 1;
  } else {
    for (let c = 0; c < C; c++) {
      mean[c] = buffers.runningMean[c];
      invStd[c] = 1 / Math.sqrt(buffers.runningVar[c] + BN_EPS);
    }
  }
  const gamma = weight.data, beta = bias.data;
  const s = Float64Array.from(gamma, (g, c) => g * invStd[c]);
  const shift = Float64Array.from(beta, (b, c) => b - mean[c] * s[c]);

  const out = emptyLike(x, x.shape);
  const k = kernelsOf(x, out);
  if (k) {
    const device = x.device!;
    device.scratch([C * 4, C * 4], ([sp, hp]) => {
      device.f32(sp, C).set(s);
      device.f32(hp, C).set(shift);
      k.channelAffineF32(x.ptr, rows, C, sp, hp, out.ptr);
    });
  } else {
    const X = x.data, o = out.data;
    for (let r = 0; r < rows; r++) for (let c = 0; c < C; c++) o[r * C + c] = X[r * C + c] * s[c] + shift[c];
  }

  return record(out, [x, weight, bias], (y) => {
    const sums = channelSums(gradOf(y), C, x);
    let sumG = sums.sum;
    const sumGX = sums.dot;
    // Σ g·x̂ = invStd·(Σ g·x − μ·Σ g)
    let sumGXhat = Float64Array.from(sumGX!, (v, c) => invStd[c] * (v - mean[c] * sumG[c]));
    if (weight.requiresGrad) {
      const d = weight.gradBuffer();
      for (let c = 0; c < C; c++) d[c] += sumGXhat[c];
    }
    if (bias.requiresGrad) {
      const d = bias.gradBuffer();
      for (let c = 0; c < C; c++) d[c] += sumG[c];
    }
    if (!x.requiresGrad) return;
    // dx = α·g + β′·x + γ′ per channel
    const alpha = Float64Array.from(s), betaX = new Float64Array(C), gammaX = new Float64Array(C);
    if (train) {
      if (reduce) {
        const total = reduce(Float64Array.from([...sumG, ...sumGX!]));
        sumG = total.subarray(0, C);
        sumGXhat = Float64Array.from(total.subarray(C), (v, c) => invStd[c] * (v - mean[c] * sumG[c]));
      }
      for (let c = 0; c < C; c++) {
        const meanG = sumG[c] / batchRows, meanGXhat = sumGXhat[c] / batchRows;
        betaX[c] = -s[c] * invStd[c] * meanGXhat;
        gammaX[c] = -s[c] * meanG + s[c] * invStd[c] * mean[c] * meanGXhat;
      }
    }
    const kb = kernelsOf(x, y);
    if (kb) {
      const device = x.device!;
      const dx = x.gradPtr;
      device.scratch([C * 4, C * 4, C * 4], ([a, b, g]) => {
        device.f32(a, C).set(alpha);
        device.f32(b, C).set(betaX);
        device.f32(g, C).set(gammaX);
        kb.channelAffine2F32(y.gradPtr, x.ptr, rows, C, a, b, g, dx);
      });
      return;
    }
    const dx = x.gradBuffer(), g = y.grad!, X = x.data;
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < C; c++) dx[r * C + c] += alpha[c] * g[r * C + c] + betaX[c] * X[r * C + c] + gammaX[c];
    }
  });
}
