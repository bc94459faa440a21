/**
 * Mutation fuzzing of the model readers: thousands of damaged copies of golden files (byte flips,
 * insertions, deletions, truncations, duplicated chunks, extreme 32-bit values) go through parseModel.
 * Each must give a Model that passes validateModel, or a SedgeError; never another exception, a hang,
 * or a Model bigger than its file can justify. Seeded, so every run checks the same mutants.
 */
import { describe, expect, it } from 'vitest';
import { SedgeError } from '../../src/errors.js';
import type { Model } from '../../src/model/model.js';
import { parseModel } from '../../src/model/parse.js';
import { encodeSafetensors } from '../../src/model/safetensors.js';
import { validateModel } from '../../src/model/validate.js';
import { seededRandom } from '../helpers/synthetic-model.js';
import { readGolden } from './golden.js';

type Rand = () => number;
const int = (rand: Rand, n: number) => Math.floor(rand() * n);

/** Positions biased towards the structure: half in the first/last 2 KB, half anywhere. */
const position = (rand: Rand, length: number) =>
  rand() < 0.5 ? int(rand, length) : rand() < 0.5 ? int(rand, Math.min(length, 2048)) : Math.max(0, length - 1 - int(rand, 2048));

const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
  return out;
};

const MUTATIONS: Array<[string, (b: Uint8Array, rand: Rand) => Uint8Array]> = [
  ['flip', (b, rand) => {
    const out = b.slice();
    for (let k = 1 + int(rand, 8); k > 0; k--) out[position(rand, out.length)] ^= 1 << int(rand, 8);
    return out;
  }],
  ['random bytes', (b, rand) => {
    const out = b.slice();
    for (let k = 1 + int(rand, 4); k > 0; k--) out[position(rand, out.length)] = int(rand, 256);
    return out;
  }],
  ['insert', (b, rand) => {
    const at = position(rand, b.length);
    const extra = Uint8Array.from({ length: 1 + int(rand, 16) }, () => int(rand, 256));
    return concat(b.subarray(0, at), extra, b.subarray(at));
  }],
  ['delete', (b, rand) => {
    const at = position(rand, b.length);
    return concat(b.subarray(0, at), b.subarray(at + 1 + int(rand, 64)));
  }],
  ['truncate', (b, rand) => b.slice(0, int(rand, b.length))],
  ['duplicate', (b, rand) => {
    const from = position(rand, b.length);
    const to = position(rand, b.length);
    const chunk = b.slice(from, from + 1 + int(rand, 256));
    return concat(b.subarray(0, to), chunk, b.subarray(to));
  }],
  ['extreme u32', (b, rand) => {
    const out = b.slice();
    const at = Math.min(position(rand, out.length), out.length - 4);
    const value = [0xffffffff, 0x7fffffff, 0x80000000, 0x10000, 0][int(rand, 5)];
    if (at >= 0) new DataView(out.buffer).setUint32(at, value, true);
    return out;
  }],
];

const modelBytes = (m: Model) =>
  [...m.layers.flatMap((l) => [l.aRe, l.aIm, l.bRe, l.bIm, l.biasBRe, l.biasBIm, l.cRe, l.cIm, l.biasCRe, l.biasCIm, l.skip ?? new Float32Array(0)]),
    m.decoder.weight, m.decoder.bias].reduce((n, a) => n + a.byteLength, 0);

function fuzz(name: string, original: Uint8Array, count: number, seed: number) {
  const rand = seededRandom(seed);
  const outcomes = { parsed: 0, refused: 0 };
  let slowestMs = 0;
  for (let k = 0; k < count; k++) {
    const [kind, mutate] = MUTATIONS[k % MUTATIONS.length];
    const mutant = mutate(original, rand);
    const started = performance.now();
    try {
      const model = parseModel(mutant, name);
      validateModel(model, name);
      // Every tensor is copied out of the file once, so a Model cannot outweigh its file.
      expect(modelBytes(model), `${name} mutant ${k} (${kind})`).toBeLessThanOrEqual(mutant.length);
      outcomes.parsed++;
    } catch (err) {
      if (!(err instanceof SedgeError)) throw new Error(`${name} mutant ${k} (${kind}, seed ${seed}) threw ${String(err)}`, { cause: err });
      outcomes.refused++;
    }
    slowestMs = Math.max(slowestMs, performance.now() - started);
  }
  return { ...outcomes, slowestMs };
}

describe('fuzzing parseModel with mutated golden files', () => {
  const tinyDict = readGolden('tiny_1-1-1.npy');
  const cases: Array<[string, () => Uint8Array, number]> = [
    ['tiny_1-1-1.npy (numpy 1, protocol 3)', () => tinyDict, 6000],
    ['tiny_1-1-1.numpy2.npy (numpy 2, protocol 4)', () => readGolden('tiny_1-1-1.numpy2.npy'), 3000],
    ['small_1-2-4-16-32-64.npy', () => readGolden('small_1-2-4-16-32-64.npy'), 1000],
    ['tiny_3-12-48.safetensors', () => encodeSafetensors(parseModel(readGolden('tiny_3-12-48.npy'), 'tiny')), 3000],
    ['full_1-2-14-14-42-42.npy (LONG_BINGET, complex128 skips)', () => readGolden('full_1-2-14-14-42-42.npy'), 150],
  ];
  cases.forEach(([name, bytes, count], index) => {
    it(`${name}: ${count} mutants parse to valid Models or throw SedgeErrors`, () => {
      const { parsed, refused, slowestMs } = fuzz(name, bytes(), count, 1000 + index);
      if (process.env.SEDGE_FUZZ_STATS) console.log(name, { parsed, refused, slowestMs });
      expect(parsed + refused).toBe(count);
      expect(refused).toBeGreaterThan(count / 4); // the mutations do hit the structure
      expect(slowestMs).toBeLessThan(2000); // no pathological input
    });
  });
});
