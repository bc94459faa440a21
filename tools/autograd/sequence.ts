/**
 * Ops along the time axis of a [B, T, C] sequence (batch, time, channels; row-major, channels
 * last, like the authors' tensors): decimation for step scales (spec §5.4), the random zero-order
 * hold (spec §5.5), channel dropout, the one-channel broadcast of the identity skip, and the mean
 * over time that feeds the decoder.
 */
import { kernelsOf } from './ops.js';
import { emptyLike, record, type Tensor } from './tensor.js';

const dims = (op: string, x: Tensor): [number, number, number] => {
  if (x.shape.length !== 3) throw new RangeError(`${op}: expected a [batch, time, channels] sequence, got shape [${x.shape}]`);
  return [x.shape[0], x.shape[1], x.shape[2]];
};

/**
 * The rows of B sequences of T rows split by phase mod d: for each phase o < d (in increasing o),
 * the rows t ≡ o (mod d) of the sequence starting at row `first` are rows first + o, first + o + d, …,
 * `count` of them. When d divides T the sequences chain into one run of rows per phase.
 */
function phases(B: number, T: number, d: number, each: (first: number, o: number, count: number) => void): void {
  if (T % d === 0) {
    for (let o = 0; o < d; o++) each(0, o, (B * T) / d);
    return;
  }
  for (let b = 0; b < B; b++) for (let o = 0; o < Math.min(d, T); o++) each(b * T, o, Math.ceil((T - o) / d));
}

/** x[:, ::r, :] (keep time steps 0, r, 2r, …; numpy slicing, no filter). */
export function decimate(x: Tensor, r: number): Tensor {
  if (!Number.isInteger(r) || r < 1) throw new RangeError(`decimate: factor must be a positive integer, got ${r}`);
  if (r === 1) return x;
  const [B, T, C] = dims('decimate', x);
  const Tout = Math.ceil(T / r);
  const out = emptyLike(x, [B, Tout, C]);
  const k = kernelsOf(x, out);
  if (k) { // strided row copies in the kernels, one per sequence
    for (let b = 0; b < B; b++) k.copyRowsF32(x.ptr + b * T * C * 4, r * C, Tout, C, out.ptr + b * Tout * C * 4, C);
  } else {
    const src = x.data, o = out.data;
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < Tout; t++) o.set(src.subarray((b * T + t * r) * C, (b * T + t * r + 1) * C), (b * Tout + t) * C);
    }
  }
  return record(out, [x], (y) => {
    if (k) {
      const dx = x.gradPtr, g = y.gradPtr;
      for (let b = 0; b < B; b++) k.addRowsF32(g + b * Tout * C * 4, C, Tout, C, dx + b * T * C * 4, r * C);
      return;
    }
    const d = x.gradBuffer(), g = y.grad!;
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < Tout; t++) {
        const to = (b * T + t * r) * C, from = (b * Tout + t) * C;
        for (let c = 0; c < C; c++) d[to + c] += g[from + c];
      }
    }
  });
}

/**
 * Sample-and-hold with period d: out[:, t] = x[:, ⌊t/d⌋·d] (the authors' in-place
 * `x[:, o::d] = x[:, ::d]` for o = 1…d−1). The gradient of each held sample is the sum over its run,
 * added in time order. On a Device both are d strided row copies/sums in the kernels, one per phase
 * o (phases()): the same additions in the same order as the plain loops.
 */
export function zeroOrderHold(x: Tensor, d: number): Tensor {
  if (!Number.isInteger(d) || d < 1) throw new RangeError(`zeroOrderHold: period must be a positive integer, got ${d}`);
  if (d === 1) return x;
  const [B, T, C] = dims('zeroOrderHold', x);
  const out = emptyLike(x, x.shape);
  const k = kernelsOf(x, out);
  const stride = d * C;
  if (k) phases(B, T, d, (first, o, count) => k.copyRowsF32(x.ptr + first * C * 4, stride, count, C, out.ptr + (first + o) * C * 4, stride));
  else {
    const src = x.data, o = out.data;
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < T; t++) {
        const held = (b * T + t - (t % d)) * C;
        o.set(src.subarray(held, held + C), (b * T + t) * C);
      }
    }
  }
  return record(out, [x], (y) => {
    if (k) {
      const dx = x.gradPtr, g = y.gradPtr;
      phases(B, T, d, (first, o, count) => k.addRowsF32(g + (first + o) * C * 4, stride, count, C, dx + first * C * 4, stride));
      return;
    }
    const dx = x.gradBuffer(), g = y.grad!;
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < T; t++) {
        const held = (b * T + t - (t % d)) * C, from = (b * T + t) * C;
        for (let c = 0; c < C; c++) dx[held + c] += g[from + c];
      }
    }
  });
}

/**
 * The hold period of one RZOH draw with probability `prob` (spec §5.5; [SE]
 * `random_zero_order_hold.py`): v = U(0,1)/prob; 1 (no hold) if v < 1e-3 or v ≥ 1, else
 * 2^⌊−log2 v⌋ capped at 128. One draw per forward call, shared by the batch.
 */
export function rzohPeriod(prob: number, rng: () => number): number {
  if (!(prob > 0)) return 1;
  const v = rng() / prob;
  if (v < 1e-3) return 1;
  const d = 2 ** Math.floor(-Math.log2(v));
  return d < 1 ? 1 : Math.min(d, 128);
}

/**
 * Dropout1d over whole channels (torch `Dropout1d` on the [B, C, T] view, [SE] `channel_dropout.py`):
 * each (batch, channel) pair is zeroed with probability p, the rest scaled by 1/(1−p).
 */
export function channelDropout(x: Tensor, p: number, rng: () => number): Tensor {
  if (!(p >= 0 && p < 1)) throw new RangeError(`channelDropout: p must be in [0, 1), got ${p}`);
  if (p === 0) return x;
  const [B, T, C] = dims('channelDropout', x);
  const keep = new Float64Array(B * C);
  for (let k = 0; k < keep.length; k++) keep[k] = rng() < p ? 0 : 1 / (1 - p);
  const out = emptyLike(x, x.shape);
  const src = x.data, o = out.data;
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const i = (b * T + t) * C;
      for (let c = 0; c < C; c++) o[i + c] = src[i + c] * keep[b * C + c];
    }
  }
  return record(out, [x], (y) => {
    const d = x.gradBuffer(), g = y.grad!;
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < T; t++) {
        const i = (b * T + t) * C;
        for (let c = 0; c < C; c++) d[i + c] += g[i + c] * keep[b * C + c];
      }
    }
  });
}

/** [.., 1] → [.., n] by repeating the single channel: the non-trainable skip of a mono input (spec §2.3). */
export function repeatChannel(x: Tensor, n: number): Tensor {
  if (x.shape[x.shape.length - 1] !== 1) throw new RangeError(`repeatChannel: expected one channel, got shape [${x.shape}]`);
  const rows = x.size;
  const out = emptyLike(x, [...x.shape.slice(0, -1), n]);
  const src = x.data, o = out.data;
  for (let r = 0; r < rows; r++) o.fill(src[r], r * n, (r + 1) * n);
  return record(out, [x], (y) => {
    const d = x.gradBuffer(), g = y.grad!;
    for (let r = 0; r < rows; r++) {
      let s = 0;
      for (let c = 0; c < n; c++) s += g[r * n + c];
      d[r] += s;
    }
  });
}

/** mean over time: [B, T, C] → [B, C], summed in f64. */
export function meanOverTime(x: Tensor): Tensor {
  const [B, T, C] = dims('meanOverTime', x);
  const out = emptyLike(x, [B, C]); // small: a plain array
  const acc = new Float64Array(B * C);
  const k = kernelsOf(x);
  if (k) {
    const device = x.device!;
    device.scratch([C * 8], ([sum]) => {
      const view = () => device.f64(sum, C);
      for (let b = 0; b < B; b++) {
        view().fill(0);
        k.accumulateRowsF64(x.ptr + b * T * C * 4, C, T, C, sum);
        acc.set(view(), b * C);
      }
    });
  } else {
    const src = x.data;
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < T; t++) {
        const o = (b * T + t) * C;
        for (let c = 0; c < C; c++) acc[b * C + c] += src[o + c];
      }
    }
  }
  const o = out.data;
  for (let i = 0; i < o.length; i++) o[i] = acc[i] / T;
  return record(out, [x], (y) => {
    const g = Float64Array.from(y.grad!); // small; copied, since the allocations below may move views
    if (k) {
      const device = x.device!;
      const dx = x.gradPtr;
      device.scratch([C * 4], ([row]) => {
        for (let b = 0; b < B; b++) {
          const r = device.f32(row, C);
          for (let c = 0; c < C; c++) r[c] = g[b * C + c] / T;
          k.addRowsF32(row, 0, T, C, dx + b * T * C * 4, C); // row stride 0: the same row added to all T
        }
      });
      return;
    }
    const d = x.gradBuffer();
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < T; t++) {
        const i = (b * T + t) * C;
        for (let c = 0; c < C; c++) d[i + c] += g[b * C + c] / T;
      }
    }
  });
}
