// Coarsening a discrete model by ZOH composition (spec §5.4) reproduces what the authors'
// exporter writes at that step-scale list from the continuous parameters.
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { withStepScales } from '../../src/model/rescale.js';
import { referenceForward } from '../../src/reference/forward.js';
import { loadGoldenInputs, loadGoldenLogits, loadGoldenModel } from '../helpers/golden.js';

/** max |a − b| / max |b|, the per-tensor relative deviation. */
const tensorDeviation = (a: Float32Array, b: Float32Array) => {
  let diff = 0, scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / scale;
};

describe('withStepScales on a discrete model', () => {
  const cases = [
    { from: 'tiny_1-1-1', to: 'tiny_1-9-54', steps: [1, 9, 54] },
    { from: 'tiny_1-1-1', to: 'tiny_3-12-48', steps: [3, 12, 48] },
    { from: 'small_1-1-1-1-1-1', to: 'small_1-2-4-16-32-64', steps: [1, 2, 4, 16, 32, 64] },
    { from: 'full_1-1-1-1-1-1', to: 'full_1-2-14-14-42-42', steps: [1, 2, 14, 14, 42, 42] },
  ];
  it.each(cases)('$from → $steps equals the authors\' export $to', ({ from, to, steps }) => {
    const rescaled = withStepScales(loadGoldenModel(from), steps);
    const exported = loadGoldenModel(to);
    rescaled.layers.forEach((layer, j) => {
      const want = exported.layers[j];
      expect(layer.stepScale).toBe(want.stepScale);
      for (const field of ['aRe', 'aIm', 'bRe', 'bIm', 'biasBRe', 'biasBIm'] as const) {
        // complex64 rounding of Ā^k and Σ Ā^m vs the authors' complex64 discretisation
        expect(tensorDeviation(layer[field], want[field]), `layer ${j} ${field}`).toBeLessThan(1e-5); // measured ≤ 4.3e-6
      }
    });
    const inputs = loadGoldenInputs();
    const logits = loadGoldenLogits(to);
    inputs.forEach((clip, i) => {
      const got = referenceForward(rescaled, clip).logits;
      got.forEach((v, k) => expect(Math.abs(v - logits[i][k])).toBeLessThan(1e-4 * Math.max(1, Math.abs(logits[i][k]))));
    });
  });

  it('refuses finer or non-multiple step scales without continuous parameters', () => {
    const model = loadGoldenModel('tiny_1-9-54');
    expect(() => withStepScales(model, [1, 1, 54])).toThrow(UsageError);
    expect(() => withStepScales(model, [1, 9, 60])).toThrow(/not a multiple of the exported 54/);
    expect(() => withStepScales(model, [1, 9])).toThrow(/3 layers/);
  });

  it('refuses step scales that do not nest', () => {
    expect(() => withStepScales(loadGoldenModel('tiny_1-1-1'), [2, 3, 6])).toThrow(/do not nest: 3 \(layer 1\) is not a multiple of 2/);
  });
});
