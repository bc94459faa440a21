// The wasm engines against the float64 reference on random models of every shape feature:
// padding (P, H not multiples of 4), matrix / identity / broadcast skips, step scales incl. s_0 > 1.
import { describe, expect, it } from 'vitest';
import { Network } from '../../src/engine/index.js';
import { referenceForward } from '../../src/reference/forward.js';
import { seededRandom, syntheticModel } from '../helpers/synthetic-model.js';

const ENGINES = ['simd', 'scalar'] as const;
const clip = (seed: number, n = 16000) => {
  const rand = seededRandom(seed);
  return Float32Array.from({ length: n }, () => 2 * rand() - 1);
};
const maxRelDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  return worst;
};

const CASES = [
  { name: 'odd sizes, matrix skip', shape: { P: [5, 7, 3], H: [6, 9, 5] }, steps: [1, 2, 6] },
  { name: 'identity skip (Full-like)', shape: { P: [12, 12], H: [16, 16], identitySkip: true }, steps: [1, 1] },
  { name: 'first layer decimates', shape: { P: [8, 6, 4], H: [4, 8, 12] }, steps: [3, 12, 48] },
  { name: 'clip not a multiple of the steps', shape: { P: [4, 4], H: [4, 4], clipSamples: 1001 }, steps: [2, 14] },
];

describe('engine vs float64 reference (synthetic models)', () => {
  for (const { name, shape, steps } of CASES) {
    for (const engine of ENGINES) {
      it(`${name}, ${engine}`, async () => {
        const model = syntheticModel(shape, steps, 7);
        const net = await Network.create(model, { engine });
        const input = clip(3, model.clipSamples);
        const ref = referenceForward(model, input);
        expect(maxRelDiff(net.logits(input), ref.logits)).toBeLessThan(1e-5);
      });
    }
  }

  it('streaming with any chunk size equals the whole clip, bit for bit', async () => {
    const model = syntheticModel(CASES[2].shape, CASES[2].steps, 11);
    const net = await Network.create(model, { engine: 'simd', blockSamples: 256 });
    const input = clip(5);
    const whole = net.logits(input);
    for (const chunk of [1, 7, 160, 999, 16000]) {
      const stream = net.stream();
      for (let i = 0; i < input.length; i += chunk) stream.push(input.subarray(i, i + chunk));
      expect(Array.from(stream.logits())).toEqual(Array.from(whole));
    }
  });

  it('simd and scalar builds agree bit for bit', async () => {
    const model = syntheticModel(CASES[0].shape, CASES[0].steps, 2);
    const input = clip(9);
    const [a, b] = await Promise.all(ENGINES.map(async (engine) => (await Network.create(model, { engine })).logits(input)));
    expect(Array.from(a)).toEqual(Array.from(b));
  });

  it('layer outputs match the reference taps', async () => {
    const model = syntheticModel(CASES[2].shape, CASES[2].steps, 4);
    const net = await Network.create(model, { engine: 'simd' });
    const input = clip(1);
    const ref = referenceForward(model, input, { taps: true });
    const taps = await net.layerOutputs(input);
    taps.forEach((t, j) => {
      expect(t.length).toBe(ref.layerOutputs![j].length);
      expect(maxRelDiff(t, ref.layerOutputs![j])).toBeLessThan(1e-5);
    });
  });
});
