// The sweep's search space (spec §5.4): all nested step-scale chains up to a largest scale.
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { CPP_NN_README } from '../../src/model/shapes.js';
import { checkChain, stepScaleChains, unreachableReason } from '../../tools/eval/chains.js';
import { levelModel } from './helpers.js';

/** Brute force: every non-decreasing tuple in [1, max]^L whose entries divide the next. */
function bruteForce(layers: number, max: number): number[][] {
  let tuples: number[][] = [[]];
  for (let j = 0; j < layers; j++) tuples = tuples.flatMap((t) => Array.from({ length: max }, (_, k) => [...t, k + 1]));
  return tuples.filter((t) => t.every((s, j) => j === 0 || (s >= t[j - 1] && s % t[j - 1] === 0)));
}

describe('stepScaleChains', () => {
  it('lists the 2-layer chains up to 4 by hand', () => {
    expect(stepScaleChains(2, 4)).toEqual([[1, 1], [1, 2], [1, 3], [1, 4], [2, 2], [2, 4], [3, 3], [4, 4]]);
    expect(stepScaleChains(1, 3)).toEqual([[1], [2], [3]]);
  });

  it('has 309 Tiny (3-layer) chains up to 33 and 1964 six-layer ones, the brute-force sets', () => {
    const tiny = stepScaleChains(3, 33);
    expect(tiny).toHaveLength(309);
    expect(tiny).toEqual(bruteForce(3, 33));
    expect(stepScaleChains(6, 33)).toHaveLength(1964);
    expect(stepScaleChains(4, 12)).toEqual(bruteForce(4, 12));
  });

  it('every chain nests and stays ≤ max; the README Tiny lists ≤ 33 are members', () => {
    const tiny = stepScaleChains(3, 33);
    for (const chain of tiny) {
      expect(() => checkChain(chain)).not.toThrow();
      expect(Math.max(...chain)).toBeLessThanOrEqual(33);
    }
    const keys = new Set(tiny.map((c) => c.join(',')));
    const readme = CPP_NN_README.filter((r) => r.shape === 'tiny' && Math.max(...r.stepScales) <= 33).map((r) => r.stepScales.join(','));
    expect(readme).toEqual(['1,1,1', '1,1,5', '1,2,22', '1,4,28', '1,1,1', '1,2,6', '1,5,20']);
    for (const k of readme) expect(keys.has(k)).toBe(true);
    expect(keys.has('1,9,54')).toBe(false);
    expect(keys.has('2,3,6')).toBe(false); // 3 is not a multiple of 2
  });

  it('refuses bad arguments and non-nesting lists', () => {
    expect(() => stepScaleChains(0)).toThrow(UsageError);
    expect(() => stepScaleChains(3, 0)).toThrow(/largest step scale/);
    expect(() => checkChain([2, 3, 6])).toThrow(/do not nest: 3 \(layer 1\) is not a multiple of 2/);
    expect(() => checkChain([1, 0])).toThrow(/positive integers/);
  });
});

describe('unreachableReason', () => {
  it('any list with continuous parameters, only multiples of the exported scales without', () => {
    expect(unreachableReason(levelModel({ stepScales: [2, 4] }), [1, 1])).toBeNull();
    const discrete = levelModel({ stepScales: [2, 4], continuous: false });
    expect(unreachableReason(discrete, [2, 8])).toBeNull();
    expect(unreachableReason(discrete, [4, 4])).toBeNull();
    expect(unreachableReason(discrete, [1, 4])).toMatch(/layer 0: 1 is not a multiple of the exported step scale 2/);
    expect(unreachableReason(discrete, [2, 6])).toMatch(/layer 1: 6/);
    expect(unreachableReason(discrete, [2])).toMatch(/1 step scales for 2 layers/);
  });
});
