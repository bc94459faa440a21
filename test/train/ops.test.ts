/**
 * Every autograd op, checked two ways (style notes: ggml test-backend-ops):
 *   gradcheck — f64, plain arrays: backward against central differences of L = Σ w ⊙ op(x) with a
 *               fixed random w, for every input, with a per-op tolerance;
 *   device    — the same op on f32 tensors in the wasm memory (SIMD and scalar builds), against
 *               the f64 result, outputs and input gradients, on sizes that are not multiples of 4.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { batchNorm, type BatchNormBuffers } from '../../tools/autograd/batchnorm.js';
import { deviceOf, type Device } from '../../tools/autograd/device.js';
import { linear } from '../../tools/autograd/linear.js';
import { crossEntropy, decoderOrthogonality, distillation } from '../../tools/autograd/loss.js';
import { add, leakyRelu, matmul, mean, mul, scale, sqrt, sum, transpose } from '../../tools/autograd/ops.js';
import { createRng, normal } from '../../tools/autograd/random.js';
import { channelDropout, decimate, meanOverTime, repeatChannel, zeroOrderHold } from '../../tools/autograd/sequence.js';
import { ssmLayer } from '../../tools/autograd/ssm.js';
import { Tensor } from '../../tools/autograd/tensor.js';
import { loadTrainKernels } from '../../tools/autograd/wasm.js';
import { numericGrad, relMaxDiff, someIndices } from './helpers.js';

const GRADCHECK_TOL = 1e-6; // relative to the largest analytic entry checked, f64 with h = 1e-6
const DEVICE_TOL = 2e-5; // f32 device vs f64 plain, relative max-norm

type Op = (xs: Tensor[]) => Tensor;

interface Case {
  name: string;
  shapes: number[][];
  op: Op;
  /** Keeps inputs where the op is smooth (e.g. positive for sqrt, away from 0 for LeakyReLU). */
  prepare?: (values: Float64Array[], rng: () => number) => void;
  tol?: number;
  /** Runs on the device too. */
  device?: boolean;
}

const rngOf = (seed: number) => createRng(seed);
const randomValues = (n: number, rng: () => number): Float64Array => Float64Array.from({ length: n }, () => normal(rng));
const sizeOf = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

function bnBuffers(C: number, rng: () => number): BatchNormBuffers {
  return {
    runningMean: Float64Array.from({ length: C }, () => 0.3 * normal(rng)),
    runningVar: Float64Array.from({ length: C }, () => 0.5 + rng()),
    numBatchesTracked: 0,
  };
}

const ssmParamShapes = (I: number, P: number, H: number) => [[P, 2], [P], [P, I, 2], [P, 2], [H, P, 2], [H, 2]];
const ssmOp = (stepScale: number): Op => ([u, lambda, logStep, b, bBias, c, cBias]) => ssmLayer(u, { lambda, logStep, b, bBias, c, cBias }, stepScale);
const prepareSsm = (values: Float64Array[], rng: () => number) => {
  const [, lambda, logStep] = values;
  for (let p = 0; p < lambda.length / 2; p++) {
    lambda[2 * p] = -0.05 - rng(); // Re Λ < 0 (the model projects it so before each forward)
    lambda[2 * p + 1] = 3 * rng();
  }
  for (let p = 0; p < logStep.length; p++) logStep[p] = Math.log(0.01 + 0.5 * rng());
};

const CASES: Case[] = [
  { name: 'add', shapes: [[3, 5, 7], [3, 5, 7]], op: ([a, b]) => add(a, b), device: true },
  { name: 'mul', shapes: [[4, 9], [4, 9]], op: ([a, b]) => mul(a, b) },
  { name: 'scale', shapes: [[11]], op: ([a]) => scale(a, -1.7) },
  {
    name: 'leakyRelu', shapes: [[3, 5, 7]], op: ([a]) => leakyRelu(a), device: true,
    prepare: ([a]) => a.forEach((v, k) => { if (Math.abs(v) < 0.05) a[k] = 0.05 * Math.sign(v || 1); }),
  },
  { name: 'sqrt', shapes: [[13]], op: ([a]) => sqrt(a), prepare: ([a]) => a.forEach((v, k) => { a[k] = 0.5 + Math.abs(v); }) },
  { name: 'sum', shapes: [[6, 5]], op: ([a]) => sum(a) },
  { name: 'mean', shapes: [[6, 5]], op: ([a]) => mean(a) },
  { name: 'matmul', shapes: [[5, 7], [7, 3]], op: ([a, b]) => matmul(a, b) },
  { name: 'transpose', shapes: [[5, 7]], op: ([a]) => transpose(a) },
  { name: 'linear (bias)', shapes: [[2, 9, 6], [7, 6], [7]], op: ([x, w, b]) => linear(x, w, b), device: true },
  { name: 'linear (no bias, I=1)', shapes: [[2, 9, 1], [5, 1]], op: ([x, w]) => linear(x, w), device: true },
  { name: 'linear (O=6, I=5)', shapes: [[3, 7, 5], [6, 5]], op: ([x, w]) => linear(x, w), device: true },
  { name: 'decimate', shapes: [[2, 11, 3]], op: ([x]) => decimate(x, 3), device: true },
  { name: 'zeroOrderHold', shapes: [[2, 11, 3]], op: ([x]) => zeroOrderHold(x, 4), device: true },
  { name: 'channelDropout', shapes: [[2, 11, 5]], op: ([x]) => channelDropout(x, 0.4, rngOf(7)), device: true },
  { name: 'repeatChannel', shapes: [[2, 11, 1]], op: ([x]) => repeatChannel(x, 5), device: true },
  { name: 'meanOverTime', shapes: [[3, 13, 5]], op: ([x]) => meanOverTime(x), device: true },
  { name: 'crossEntropy', shapes: [[3, 7]], op: ([z]) => crossEntropy(z, [2, 0, 6]) },
  { name: 'decoderOrthogonality', shapes: [[6, 4]], op: ([w]) => decoderOrthogonality(w) },
  { name: 'distillation (T = 2.5)', shapes: [[3, 7]], op: ([z]) => distillation(z, randomValues(21, rngOf(9)).map((v) => 3 * v), 2.5) },
  ...[true, false].map((train): Case => ({
    name: `batchNorm (${train ? 'train' : 'eval'})`, shapes: [[3, 7, 5], [5], [5]], device: true,
    op: ([x, w, b]) => batchNorm(x, w, b, bnBuffers(5, rngOf(3)), train),
    prepare: ([x]) => x.forEach((v, k) => { x[k] = 1.5 + v; }), // a channel mean away from 0, as after LeakyReLU
  })),
  { name: 'ssmLayer (I=1, P=5, H=3)', shapes: [[2, 17, 1], ...ssmParamShapes(1, 5, 3)], op: ssmOp(1), prepare: prepareSsm, device: true },
  { name: 'ssmLayer (I=6, P=3, H=7, s=3)', shapes: [[2, 13, 6], ...ssmParamShapes(6, 3, 7)], op: ssmOp(3), prepare: prepareSsm, device: true },
];

function inputsFor(c: Case, seed: number): Float64Array[] {
  const rng = rngOf(seed);
  const values = c.shapes.map((s) => randomValues(sizeOf(s), rng));
  c.prepare?.(values, rng);
  return values;
}

/** Σ w ⊙ y with a fixed w: a scalar that sees every output. */
function projected(y: Tensor, seed: number): Tensor {
  const w = Tensor.zerosOn(y.device, y.shape, y.dtype);
  w.data.set(randomValues(y.size, rngOf(seed)));
  return sum(mul(y, w));
}

describe('gradcheck (f64, central differences)', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', (_, c) => {
    const values = inputsFor(c, 11);
    const xs = values.map((v, k) => Tensor.from(v, c.shapes[k], 'f64', true, `x${k}`));
    projected(c.op(xs), 5).backward();
    const loss = () => projected(c.op(xs), 5).item();
    xs.forEach((x) => {
      const idx = someIndices(x.size, 6);
      const numeric = numericGrad(x, idx, loss);
      const analytic = idx.map((k) => x.grad![k]);
      const scaleOf = Math.max(1e-8, ...analytic.map(Math.abs));
      analytic.forEach((a, j) => expect(Math.abs(a - numeric[j]) / scaleOf, `${x.name}[${idx[j]}]`).toBeLessThan(c.tol ?? GRADCHECK_TOL));
    });
  });
});

describe.each(['simd', 'scalar'] as const)('device ops (%s build) vs f64', (engine) => {
  let device: Device;
  beforeAll(async () => {
    device = deviceOf(await loadTrainKernels(engine));
    device.minTensorLength = 0; // everything in wasm memory, however small
  });

  it.each(CASES.filter((c) => c.device).map((c) => [c.name, c] as const))('%s', (_, c) => {
    const values = inputsFor(c, 23);
    const plain = values.map((v, k) => Tensor.from(v, c.shapes[k], 'f64', true));
    const onDevice = values.map((v, k) => {
      const t = Tensor.zerosOn(device, c.shapes[k], 'f32');
      t.data.set(v);
      t.requiresGrad = true;
      return t;
    });
    // Parameters (all but the first input) of the composite ops stay plain, as in the model.
    for (let k = 1; k < onDevice.length; k++) if (c.name.startsWith('ssm') || c.name.startsWith('batch') || c.name.startsWith('linear')) onDevice[k] = Tensor.from(values[k], c.shapes[k], 'f32', true);
    const y64 = c.op(plain), y32 = c.op(onDevice);
    expect(y32.device).toBe(y32.size > 1 ? device : y32.device);
    expect(relMaxDiff(y32.data, y64.data)).toBeLessThan(DEVICE_TOL);
    projected(y64, 5).backward();
    projected(y32, 5).backward();
    plain.forEach((p, k) => expect(relMaxDiff(onDevice[k].grad!, p.grad!), `input ${k}`).toBeLessThan(DEVICE_TOL));
  });
});

describe('distillation', () => {
  it('is T² · KL(teacher ‖ student) at temperature T, and 0 when they agree', () => {
    const z = [1, -2, 0.5, 3, 0, 0], t = [0, 1, 2, -1, 4, 0.5], T = 3;
    const softmax = (row: number[]) => { const e = row.map((v) => Math.exp(v / T)); const s = e.reduce((a, b) => a + b); return e.map((v) => v / s); };
    let kl = 0;
    for (const b of [0, 1]) {
      const p = softmax(t.slice(3 * b, 3 * b + 3)), q = softmax(z.slice(3 * b, 3 * b + 3));
      p.forEach((pk, k) => { kl += pk * Math.log(pk / q[k]); });
    }
    expect(distillation(Tensor.from(z, [2, 3], 'f64'), t, T).item()).toBeCloseTo((T * T * kl) / 2, 12);
    const same = Tensor.from(t, [2, 3], 'f64', true);
    const loss = distillation(same, t, T);
    loss.backward();
    expect(Math.abs(loss.item())).toBeLessThan(1e-15);
    expect(Math.max(...Array.from(same.grad!, Math.abs))).toBeLessThan(1e-15);
  });

  it('refuses a teacher of the wrong size and a temperature that is not positive', () => {
    const z = Tensor.from([1, 2, 3, 4], [2, 2], 'f64');
    expect(() => distillation(z, [1, 2, 3], 1)).toThrow(/3 teacher logits for \[2, 2\]/);
    expect(() => distillation(z, [1, 2, 3, 4], 0)).toThrow(/temperature must be a positive number/);
  });
});
