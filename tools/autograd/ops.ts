/**
 * The generic primitives: element-wise arithmetic, reductions to a scalar, and small 2-D matrix
 * products. Each op's forward and backward sit side by side; backward closures add into the
 * parents' gradients. Derived ops (the decoder penalty in loss.ts) are built from these.
 *
 * add and leakyRelu, which run over every activation, use the wasm kernels when their tensors are
 * on a Device; the rest are for small tensors and use plain loops (through views on a Device).
 * Views are taken after every allocation of the op (tensor.ts) and re-taken inside closures.
 */
import { emptyLike, record, sameDtype, type Tensor } from './tensor.js';
import type { TrainKernels } from './wasm.js';

/** The kernels when every tensor lives on one Device, else null (plain loops). */
export function kernelsOf(...tensors: Tensor[]): TrainKernels | null {
  const device = tensors[0].device;
  if (!device || tensors.some((t) => t.device !== device)) return null;
  return device.kernels;
}

/** t.grad += g.grad, where t and g have the same size (a copy when t has no gradient yet). */
export function accumulateGrad(t: Tensor, from: Tensor): void {
  if (!t.requiresGrad) return;
  if (!t.hasGrad) { // a copy: the fresh buffer needs no zeros first
    t.freshGradBuffer();
    t.grad!.set(from.grad!);
    return;
  }
  const k = kernelsOf(t, from);
  if (k) {
    const dst = t.gradPtr, src = from.gradPtr;
    k.addRowsF32(src, t.size, 1, t.size, dst, t.size);
    return;
  }
  const d = t.gradBuffer(), g = from.grad!;
  for (let i = 0; i < g.length; i++) d[i] += g[i];
}

const sameShape = (op: string, a: Tensor, b: Tensor): void => {
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new RangeError(`${op}: shapes [${a.shape}] and [${b.shape}] differ`);
  }
};

export function add(a: Tensor, b: Tensor): Tensor {
  sameShape('add', a, b);
  sameDtype('add', a, b);
  const out = emptyLike(a, a.shape);
  const k = kernelsOf(a, b, out);
  if (k) k.addF32(a.ptr, b.ptr, a.size, out.ptr);
  else {
    const x = a.data, y = b.data, o = out.data;
    for (let i = 0; i < o.length; i++) o[i] = x[i] + y[i];
  }
  return record(out, [a, b], (o) => {
    accumulateGrad(a, o);
    accumulateGrad(b, o);
  });
}

export function mul(a: Tensor, b: Tensor): Tensor {
  sameShape('mul', a, b);
  sameDtype('mul', a, b);
  const out = emptyLike(a, a.shape);
  const x = a.data, y = b.data, o = out.data;
  for (let i = 0; i < o.length; i++) o[i] = x[i] * y[i];
  return record(out, [a, b], (o) => {
    for (const [p, other] of [[a, b], [b, a]]) {
      if (!p.requiresGrad) continue;
      const d = p.gradBuffer(), g = o.grad!, v = other.data;
      for (let i = 0; i < g.length; i++) d[i] += g[i] * v[i];
    }
  });
}

/** a · c for a constant c. */
export function scale(a: Tensor, c: number): Tensor {
  const out = emptyLike(a, a.shape);
  const x = a.data, o = out.data;
  for (let i = 0; i < o.length; i++) o[i] = x[i] * c;
  return record(out, [a], (o) => {
    const d = a.gradBuffer(), g = o.grad!;
    for (let i = 0; i < g.length; i++) d[i] += g[i] * c;
  });
}

/**
 * max(x, 0) + slope·min(x, 0) for slope ≥ 0; the derivative at 0 is the slope, as in torch
 * (x > 0 ? 1 : slope). The backward reads the output (y > 0 exactly where x > 0), so the caller may
 * free the input's data once this op has run (Tensor.freeData).
 */
export function leakyRelu(a: Tensor, slope = 0.01): Tensor {
  if (!(slope >= 0)) throw new RangeError(`leakyRelu: slope must be ≥ 0, got ${slope}`);
  const out = emptyLike(a, a.shape);
  const k = slope === 0.01 ? kernelsOf(a, out) : null; // the kernels hard-wire torch's default slope
  if (k) k.leakyReluF32(a.ptr, a.size, out.ptr);
  else {
    const x = a.data, o = out.data;
    for (let i = 0; i < o.length; i++) o[i] = x[i] > 0 ? x[i] : x[i] * slope;
  }
  return record(out, [a], (o) => {
    if (k) {
      const dx = a.gradPtr;
      k.leakyReluBackwardF32(o.ptr, o.gradPtr, a.size, dx);
      return;
    }
    const d = a.gradBuffer(), g = o.grad!, y = o.data;
    for (let i = 0; i < g.length; i++) d[i] += y[i] > 0 ? g[i] : g[i] * slope;
  });
}

export function sqrt(a: Tensor): Tensor {
  const out = emptyLike(a, a.shape);
  const x = a.data, o = out.data;
  for (let i = 0; i < o.length; i++) o[i] = Math.sqrt(x[i]);
  return record(out, [a], (o) => {
    const d = a.gradBuffer(), g = o.grad!, y = o.data;
    for (let i = 0; i < g.length; i++) d[i] += (g[i] * 0.5) / y[i];
  });
}

/** Σ of all elements, as a 1-element tensor (the sum itself runs in f64). */
export function sum(a: Tensor): Tensor {
  const x = a.data;
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i];
  const out = emptyLike(a, []);
  out.data[0] = s;
  return record(out, [a], (o) => {
    const d = a.gradBuffer(), g = o.grad![0];
    for (let i = 0; i < d.length; i++) d[i] += g;
  });
}

export const mean = (a: Tensor): Tensor => scale(sum(a), 1 / a.size);

/** (m × k) · (k × n), plain loops: for the small matrices of the decoder and its penalty. */
export function matmul(a: Tensor, b: Tensor): Tensor {
  if (a.shape.length !== 2 || b.shape.length !== 2 || a.shape[1] !== b.shape[0]) {
    throw new RangeError(`matmul: shapes [${a.shape}] and [${b.shape}] do not chain`);
  }
  sameDtype('matmul', a, b);
  const [m, k] = a.shape, n = b.shape[1];
  const out = emptyLike(a, [m, n]);
  const x = a.data, y = b.data, o = out.data;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let l = 0; l < k; l++) s += x[i * k + l] * y[l * n + j];
      o[i * n + j] = s;
    }
  }
  return record(out, [a, b], (o) => {
    if (a.requiresGrad) { // dA = G · Bᵀ
      const d = a.gradBuffer(), g = o.grad!, y = b.data;
      for (let i = 0; i < m; i++) {
        for (let l = 0; l < k; l++) {
          let s = 0;
          for (let j = 0; j < n; j++) s += g[i * n + j] * y[l * n + j];
          d[i * k + l] += s;
        }
      }
    }
    if (b.requiresGrad) { // dB = Aᵀ · G
      const d = b.gradBuffer(), g = o.grad!, x = a.data;
      for (let l = 0; l < k; l++) {
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let i = 0; i < m; i++) s += x[i * k + l] * g[i * n + j];
          d[l * n + j] += s;
        }
      }
    }
  });
}

export function transpose(a: Tensor): Tensor {
  if (a.shape.length !== 2) throw new RangeError(`transpose: expected a matrix, got shape [${a.shape}]`);
  const [m, n] = a.shape;
  const out = emptyLike(a, [n, m]);
  const x = a.data, o = out.data;
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) o[j * m + i] = x[i * n + j];
  return record(out, [a], (o) => {
    const d = a.gradBuffer(), g = o.grad!;
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) d[i * n + j] += g[j * m + i];
  });
}
