import { describe, expect, it } from 'vitest';
import { flopsPerSecond, memoryBytes, parameterCount, scheduleArrays } from '../../src/model/stats.js';
import { CPP_NN_README } from '../../src/model/shapes.js';
import { SHAPES, syntheticModel } from '../helpers/synthetic-model.js';

type ShapeName = keyof typeof SHAPES;
const ones = (n: number) => Array.from({ length: n }, () => 1);
const modelOf = (name: ShapeName, stepScales = ones(SHAPES[name].P.length)) => syntheticModel(SHAPES[name], stepScales);

describe('parameterCount (spec §5.8)', () => {
  it.each([
    ['full', 141381],
    ['large', 56333],
    ['small', 20377],
    ['tiny', 8413],
  ] as const)('%s has %i parameters', (name, expected) => {
    expect(parameterCount(modelOf(name))).toBe(expected);
  });

  it('counts the medium yaml as 27 621', () => {
    expect(parameterCount(syntheticModel({ P: [96, 64, 32], H: [24, 44, 64] }, [1, 1, 1]))).toBe(27621);
  });
});

describe('memoryBytes (spec §4.3, Cpp-NN README)', () => {
  it.each([
    ['full', 3456, 768],
    ['large', 2944, 480],
    ['small', 1104, 472],
    ['tiny', 704, 396],
  ] as const)('%s: %i B permanent, %i B buffer', (name, permanentBytes, bufferBytes) => {
    expect(memoryBytes(modelOf(name))).toEqual({ permanentBytes, bufferBytes });
  });
});

describe('flopsPerSecond (spec §8.3) brackets every Cpp-NN README MFLOP value (§6.2)', () => {
  // 28 table cells, 26 distinct configurations (src/model/shapes.ts transcribes spec §6.2)
  const README = CPP_NN_README.map((r) => [r.shape, r.variant, r.stepScales, r.mflop] as const);

  it('transcribes 26 distinct configurations', () => {
    expect(README).toHaveLength(28);
    expect(new Set(README.map(([name, , s]) => `${name} ${s}`)).size).toBe(26);
  });

  it.each(README)('%s %s %j: lower ≤ %f MFLOP ≤ upper', (name, _variant, stepScales, mflop) => {
    const { lower, upper } = flopsPerSecond(modelOf(name, stepScales));
    expect(lower / 1e6).toBeLessThanOrEqual(mflop);
    expect(upper / 1e6).toBeGreaterThanOrEqual(mflop);
  });

  it.each([
    ['full', [1, 1, 1, 1, 1, 1], 4398.59872, 4407.81472],
    ['full', [1, 2, 14, 14, 42, 42], 572.576992, 573.674176],
    ['large', [1, 1, 1, 1, 1, 1], 1718.14848, 1722.37248],
    ['small', [1, 4, 4, 16, 32, 64], 39.14098, 39.31948],
    ['tiny', [1, 1, 1], 192.38848, 194.05248],
    ['tiny', [1, 9, 54], 12.105488, 12.148224],
    ['tiny', [3, 12, 48], 7.628496, 7.671232],
  ] as [ShapeName, number[], number, number][])('%s %j: exactly %f / %f MFLOP (the spec §8.3 examples)', (name, s, lo, hi) => {
    const { lower, upper } = flopsPerSecond(modelOf(name, s));
    expect(lower).toBe(Math.round(lo * 1e6));
    expect(upper).toBe(Math.round(hi * 1e6));
  });
});

describe('scheduleArrays (spec §4.2, §8.1)', () => {
  it('[1,2,4,16,32,64] → ss ending 64, 15937; off [0…0, 1]; divisor 250', () => {
    expect(scheduleArrays([1, 2, 4, 16, 32, 64], 16000)).toEqual({
      ss: [1, 2, 4, 16, 32, 64, 64, 15937],
      off: [0, 0, 0, 0, 0, 0, 0, 1],
      decoderDivisor: 250,
    });
  });

  it.each([
    [[1, 1, 1, 2, 4, 12], 15997, 1334],
    [[1, 9, 54], 15985, 297],
    [[3, 12, 48], 15985, 334],
    [[1, 1, 1, 1, 1, 1], 16000, 16000],
  ])('%j → last %i, divisor %i', (stepScales, last, divisor) => {
    const { ss, off, decoderDivisor } = scheduleArrays(stepScales, 16000);
    expect(ss).toEqual([...stepScales, stepScales[stepScales.length - 1], last]);
    expect(off).toEqual([...stepScales.map(() => 0), 0, 1]);
    expect(decoderDivisor).toBe(divisor);
  });

  it('rejects empty and non-integer step scales', () => {
    expect(() => scheduleArrays([], 16000)).toThrow('empty');
    expect(() => scheduleArrays([1, 2.5], 16000)).toThrow('stepScales[1] = 2.5');
  });
});
