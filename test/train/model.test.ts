/**
 * The trainable model end to end on tiny random configurations:
 *   - central differences (f64) for a few entries of every parameter kind — Lambda re/im, log_step,
 *     B, B_bias, C, C_bias, skip, BatchNorm weight/bias, decoder — in eval and train mode, with
 *     step scales that decimate, RZOH, and channel dropout (same random draws for every evaluation);
 *   - the f32 wasm path against the f64 path (logits and every gradient);
 *   - construction (names, shapes, the published parameter counts, inits) and the forward's contracts.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import { sedgeLoss } from '../../tools/autograd/loss.js';
import { createRng, normal } from '../../tools/autograd/random.js';
import { SEDGE_CONFIGS, SedgeModel, defaultRzohProbabilities, type ForwardOptions, type SedgeConfig } from '../../tools/train/model.js';
import { numericGrad, relMaxDiff, someIndices } from './helpers.js';

const FD_TOL = 1e-6; // relative to the largest analytic entry checked per tensor
const F32_VS_F64_TOL = 1e-4; // relative max-norm, the f32 path against the f64 path

const TINY_RANDOM: SedgeConfig = { stateSizes: [5, 3], outputSizes: [3, 6], trainableSkip: true, batchNorm: true, init: 'orthogonal', classes: 7 };
const IDENTITY_SKIP: SedgeConfig = { stateSizes: [4, 4], outputSizes: [4, 4], trainableSkip: false, batchNorm: false, init: 'S5', classes: 5, dropout: 0.3 };

function clips(batch: number, T: number, seed: number): Float64Array[] {
  const rng = createRng(seed);
  return Array.from({ length: batch }, () => Float64Array.from({ length: T }, () => normal(rng)));
}

/** Moves every parameter off its init (so nothing sits at a kink of the projection) and sets BN stats. */
function randomise(model: SedgeModel, seed: number): void {
  const rng = createRng(seed);
  for (const { name, tensor } of model.parameters()) {
    const d = tensor.data;
    for (let k = 0; k < d.length; k++) d[k] += 0.2 * normal(rng);
    if (name.endsWith('Lambda')) for (let p = 0; p < d.length; p += 2) { d[p] = -0.1 - Math.abs(d[p]); d[p + 1] = 0.1 + 2 * rng(); }
    if (name.endsWith('log_step')) for (let p = 0; p < d.length; p++) d[p] = Math.log(0.02 + 0.3 * rng());
  }
  for (const l of model.layers) {
    if (!l.bn) continue;
    for (let i = 0; i < l.I; i++) {
      l.bn.runningMean[i] = 0.2 * normal(rng);
      l.bn.runningVar[i] = 0.5 + rng();
    }
  }
}

function lossFn(model: SedgeModel, x: Float64Array[], labels: number[], options: () => ForwardOptions): () => number {
  return () => sedgeLoss(model.forward(x, options()), labels, model.decoderWeight).loss.item();
}

describe('finite differences, every parameter kind (f64)', () => {
  const variants: Array<[string, SedgeConfig, () => ForwardOptions]> = [
    ['eval, step scales [1, 1]', TINY_RANDOM, () => ({ train: false })],
    ['train (batch statistics), step scales [2, 6]', TINY_RANDOM, () => ({ train: true, stepScales: [2, 6] })],
    ['train with RZOH periods [2, 4]', TINY_RANDOM, () => ({ train: true, rzoh: (j) => [2, 4][j], rng: createRng(1) })],
    ['identity skip, S5 init, dropout 0.3 (train)', IDENTITY_SKIP, () => ({ train: true, rng: createRng(9) })],
  ];
  it.each(variants)('%s', async (_, config, options) => {
    const model = await SedgeModel.create(config, { dtype: 'f64', seed: 3 });
    randomise(model, 4);
    const x = clips(3, 48, 5), labels = [1, 4, 2];
    const loss = lossFn(model, x, labels, options);
    model.zeroGrad();
    sedgeLoss(model.forward(x, options()), labels, model.decoderWeight).loss.backward();
    const kinds = new Set<string>();
    for (const { name, tensor } of model.parameters()) {
      kinds.add(name.replace(/^seq\.\d+\./, ''));
      const idx = someIndices(tensor.size, 4, name.length);
      const analytic = idx.map((k) => tensor.grad![k]);
      const numeric = numericGrad(tensor, idx, loss);
      const scaleOf = Math.max(1e-9, ...analytic.map(Math.abs), ...numeric.map(Math.abs));
      idx.forEach((k, j) => expect(Math.abs(analytic[j] - numeric[j]) / scaleOf, `${name}[${k}]`).toBeLessThan(FD_TOL));
    }
    const expected = ['s5.seq.Lambda', 's5.seq.log_step', 's5.seq.B', 's5.seq.B_bias', 's5.seq.C', 's5.seq.C_bias', 'decoder.weight', 'decoder.bias'];
    if (config.trainableSkip) expected.push('skipLayer.weight', 'attn_norm.weight', 'attn_norm.bias');
    expect([...kinds].sort()).toEqual(expected.sort());
  });
});

describe('f32 wasm path vs f64 path', () => {
  it.each([
    ['eval, everything on the device', 300, true, () => ({ train: false }) as ForwardOptions],
    ['train, step scales [1, 3], everything on the device', 300, true, () => ({ train: true, stepScales: [1, 3] }) as ForwardOptions],
    // Layer 0's activations (48 000 values) live on the device, layer 1's (12 000) in plain arrays.
    ['train, step scales [1, 4], mixed placement', 8000, false, () => ({ train: true, stepScales: [1, 4] }) as ForwardOptions],
  ])('%s: logits and every gradient', async (_, T, allOnDevice, options) => {
    const f64 = await SedgeModel.create(TINY_RANDOM, { dtype: 'f64', seed: 3 });
    const f32 = await SedgeModel.create(TINY_RANDOM, { dtype: 'f32', seed: 3 });
    expect(f32.device).not.toBeNull();
    const defaultMin = f32.device!.minTensorLength;
    if (allOnDevice) f32.device!.minTensorLength = 0; // every tensor in wasm memory (restored below: the device is shared)
    onTestFinished(() => { f32.device!.minTensorLength = defaultMin; });
    randomise(f64, 4);
    const p32 = f32.parameters();
    f64.parameters().forEach(({ tensor }, k) => {
      p32[k].tensor.data.set(tensor.data);
      tensor.data.set(p32[k].tensor.data); // both at the f32-rounded values
    });
    f64.layers.forEach((l, j) => { if (l.bn) { f32.layers[j].bn!.runningMean.set(l.bn.runningMean); f32.layers[j].bn!.runningVar.set(l.bn.runningVar); } });
    const x = clips(2, T, 8), labels = [0, 6];
    const run = (m: SedgeModel) => {
      const logits = m.forward(x, options());
      const values = Array.from(logits.data);
      sedgeLoss(logits, labels, m.decoderWeight).loss.backward();
      return values;
    };
    const l64 = run(f64), l32 = run(f32);
    expect(relMaxDiff(l32, l64)).toBeLessThan(F32_VS_F64_TOL);
    f64.parameters().forEach(({ name, tensor }, k) => expect(relMaxDiff(p32[k].tensor.grad!, tensor.grad!), name).toBeLessThan(F32_VS_F64_TOL));
    f64.layers.forEach((l, j) => { if (l.bn) expect(relMaxDiff(f32.layers[j].bn!.runningVar, l.bn.runningVar)).toBeLessThan(1e-6); });
  });
});

describe('construction', () => {
  // The authors' count (spec §5.8): Σ [2P + 2IP + 2P + 2PH + 2H + IH (trainable skip)] + 35·H_last + 35 + 2.
  const authorsCount = (m: SedgeModel) => m.layers.reduce((n, l) => n + 4 * l.P + 2 * l.I * l.P + 2 * l.P * l.H + 2 * l.H + (l.skip ? l.I * l.H : 0), 0)
    + m.decoderWeight.size + m.decoderBias.size + 2;
  it.each([['full', 141381], ['large', 56333], ['small', 20377], ['tiny', 8413], ['medium', 27621]] as const)('%s has %d parameters by the authors\' count', async (name, count) => {
    const m = await SedgeModel.create(SEDGE_CONFIGS[name], { dtype: 'f64' });
    expect(authorsCount(m)).toBe(count);
  });

  it('names and shapes the parameters like the authors\' state dict', async () => {
    const m = await SedgeModel.create(SEDGE_CONFIGS.tiny, { dtype: 'f64' });
    const shapes = Object.fromEntries(m.parameters().map(({ name, tensor }) => [name, tensor.shape]));
    expect(shapes['seq.0.s5.seq.Lambda']).toEqual([32, 2]);
    expect(shapes['seq.1.s5.seq.B']).toEqual([16, 8, 2]);
    expect(shapes['seq.2.s5.seq.C']).toEqual([64, 8, 2]);
    expect(shapes['seq.2.skipLayer.weight']).toEqual([64, 32]);
    expect(shapes['seq.1.attn_norm.weight']).toEqual([8]);
    expect(shapes['decoder.weight']).toEqual([35, 64]);
  });

  it('initialises as spec §5.1: S4D-Lin Λ, log Δ in [ln 1e-3, ln 0.1], orthogonal B and C, unit-norm-√(1/3) skip and decoder rows', async () => {
    const m = await SedgeModel.create(SEDGE_CONFIGS.tiny, { dtype: 'f64', seed: 5 });
    const l1 = m.layers[1]; // I = 8, P = 16, H = 32
    const lambda = l1.lambda.data;
    for (let p = 0; p < 16; p++) {
      expect(lambda[2 * p]).toBe(-0.5);
      expect(lambda[2 * p + 1]).toBeCloseTo((8 * p) / 15, 12);
    }
    for (const v of l1.logStep.data) expect(v >= Math.log(0.001) && v <= Math.log(0.1)).toBe(true);
    // Re B (16 × 8): columns orthonormal with gain √(1/3) (orthogonal_ on the 8 × 16 transpose).
    const B = l1.b.data;
    for (let i = 0; i < 8; i++) {
      for (let j = 0; j < 8; j++) {
        let dot = 0;
        for (let p = 0; p < 16; p++) dot += B[2 * (p * 8 + i)] * B[2 * (p * 8 + j)];
        expect(dot).toBeCloseTo(i === j ? 1 / 3 : 0, 10);
      }
    }
    const rowNorms = (w: ArrayLike<number>, rows: number, cols: number) => Array.from({ length: rows }, (_, r) => Math.hypot(...Array.from({ length: cols }, (_, c) => w[r * cols + c])));
    for (const n of rowNorms(m.decoderWeight.data, 35, 64)) expect(n).toBeCloseTo(Math.sqrt(1 / 3), 12);
    for (const n of rowNorms(m.layers[2].skip!.data, 64, 32)) expect(n).toBeCloseTo(Math.sqrt(1 / 3), 12);
    for (const v of l1.bBias.data) expect(v >= 0 && v < 1).toBe(true);
  });

  it('S5 init (Full): HiPPO-LegS eigenvalues −1/2 + i·ω, tiled per block of 4', async () => {
    const m = await SedgeModel.create({ ...SEDGE_CONFIGS.full, stateSizes: [8], outputSizes: [6] }, { dtype: 'f64' });
    const lambda = m.layers[0].lambda.data;
    // numpy: eigh(−i·S) of the 8 × 8 normal HiPPO-LegS part, first half (ascending)
    const omega = [-19.85741037, -5.35420852, -1.95779415, -0.42748871];
    for (let p = 0; p < 8; p++) {
      expect(lambda[2 * p]).toBe(-0.5);
      expect(lambda[2 * p + 1]).toBeCloseTo(omega[p % 4], 7);
    }
  });

  it('RZOH probabilities default to round(i/L, 2)', () => {
    expect(defaultRzohProbabilities(6)).toEqual([0.17, 0.33, 0.5, 0.67, 0.83, 1]);
    expect(defaultRzohProbabilities(3)).toEqual([0.33, 0.67, 1]);
  });
});

describe('forward contracts', () => {
  it('projects Λ in place before the pass (Re ← −|Re|, Im ← |Im|)', async () => {
    const m = await SedgeModel.create(TINY_RANDOM, { dtype: 'f64' });
    m.layers[0].lambda.data.set([0.3, -2], 0);
    m.forward(clips(1, 8, 1), { train: false });
    expect(Array.from(m.layers[0].lambda.data.subarray(0, 2))).toEqual([-0.3, 2]);
  });

  it('refuses step scales that do not nest, and RZOH or dropout without an rng', async () => {
    const m = await SedgeModel.create(IDENTITY_SKIP, { dtype: 'f64' });
    const x = clips(2, 16, 1);
    expect(() => m.forward(x, { train: false, stepScales: [2, 3] })).toThrow(/multiple of 2/);
    expect(() => m.forward(x, { train: true })).toThrow(/need options.rng/);
    expect(() => m.forward(x, { train: true, rzoh: [0.5, 1], rng: undefined })).toThrow(/need options.rng/);
  });

  it('updates BatchNorm running statistics in train mode only', async () => {
    const m = await SedgeModel.create(TINY_RANDOM, { dtype: 'f64' });
    const bn = m.layers[1].bn!;
    m.forward(clips(2, 16, 1), { train: false });
    expect(bn.numBatchesTracked).toBe(0);
    m.forward(clips(2, 16, 1), { train: true });
    expect(bn.numBatchesTracked).toBe(1);
    expect(Array.from(bn.runningVar).some((v) => v !== 1)).toBe(true);
  });

  it('frees the hidden activations after backward, and those of an abandoned pass at the next forward', async () => {
    const m = await SedgeModel.create(SEDGE_CONFIGS.tiny, { dtype: 'f32' });
    const device = m.device!;
    const x = clips(2, 4000, 2);
    const step = () => {
      const { loss } = sedgeLoss(m.forward(x, { train: true }), [1, 2], m.decoderWeight);
      m.zeroGrad();
      loss.backward();
    };
    step();
    const grown = device.memory.buffer.byteLength;
    for (let k = 0; k < 3; k++) step();
    m.forward(x, { train: false }); // abandoned: reclaimed by the next forward
    step();
    expect(device.memory.buffer.byteLength).toBe(grown);
  });
});
