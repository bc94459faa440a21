// Lives here, not in test/audio/, because that folder belongs to another engineer; the reference's callers standardise first.
import { describe, expect, it } from 'vitest';
import { standardise } from '../../src/audio/standardise.js';

describe('standardise', () => {
  it('applies (x − μ)/(σ + 1e-5) and rounds to float32', () => {
    const out = standardise([1, 2, 3], { inputMean: 2, inputStd: 0.5 });
    expect(out).toBeInstanceOf(Float32Array);
    expect([...out]).toEqual([...Float32Array.from([-1 / 0.50001, 0, 1 / 0.50001])]);
  });

  it('returns a copy when the model has no statistics', () => {
    const clip = Float32Array.from([0.25, -1]);
    const out = standardise(clip, { inputMean: null, inputStd: null });
    expect(out).not.toBe(clip);
    expect([...out]).toEqual([0.25, -1]);
  });
});
