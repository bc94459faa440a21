/**
 * `--int8` (per-row symmetric int8 B, C, skip and decoder; A, biases and state float): the compiled
 * package stays within INT8_VS_FLOAT_REL of the float engine's logits on the golden inputs and on
 * random audio, picks the same class, and its weights shrink about 3.5×.
 * Measured (golden inputs + 2 random clips): 2.0e-3 … 2.5e-3 relative on every golden model.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Network } from '../../src/engine/index.js';
import { buildHostDriver, runHostDriver, type HostBuild } from '../../tools/export-cpp/host.js';
import { emitCppPackage } from '../../tools/export-cpp/emit.js';
import { loadGoldenInputs, loadGoldenModel } from '../helpers/golden.js';
import { emitToTemp, hasTool, randomClip, relativeError, removeTempRoot } from './helpers.js';

afterAll(removeTempRoot);

/** int8 weights vs float logits, relative to the largest |logit| (measured worst 2.5e-3). */
const INT8_VS_FLOAT_REL = 5e-3;

const clips = [...loadGoldenInputs(), randomClip(16000, 5), randomClip(16000, 6)];

describe.skipIf(!hasTool('g++'))('export-cpp --int8', () => {
  describe.each([['tiny_1-9-54'], ['small_1-2-4-16-32-64'], ['large_1-3-3-6-30-60'], ['full_1-2-14-14-42-42']])('%s', (name) => {
    const model = loadGoldenModel(name);
    let build: HostBuild;
    beforeAll(async () => {
      const { dir, pkg } = await emitToTemp(model, { name: 'q_pkg', int8: true });
      build = await buildHostDriver(dir, pkg.name);
    });

    it(`stays within ${INT8_VS_FLOAT_REL} of the float logits and picks the same class`, async () => {
      const net = await Network.create(model, { engine: 'simd' });
      const { logits } = await runHostDriver(build, clips, 160);
      clips.forEach((clip, c) => {
        const float = net.logits(clip);
        expect(relativeError(logits[c], float)).toBeLessThan(INT8_VS_FLOAT_REL);
        expect(Array.from(logits[c]).indexOf(Math.max(...logits[c]))).toBe(float.indexOf(Math.max(...float)));
      });
      net.dispose();
    });

    it('stores weights about 3.5× smaller', () => {
      const float = emitCppPackage(model, { name: 'f_pkg' }).weights.weightBytes;
      const int8 = emitCppPackage(model, { name: 'q_pkg', int8: true }).weights.weightBytes;
      expect(int8 / float).toBeLessThan(0.35);
    });
  });
});
