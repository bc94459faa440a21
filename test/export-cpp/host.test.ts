/**
 * The exported C++ compiled for the host with g++ -std=c++17 -O2 -Wall -Wextra -Werror (plus a C driver
 * through the plain-C header) gives the wasm engine's logits within CPP_VS_ENGINE_REL: every golden
 * model at its own step scales, classify() and streaming with chunks of 1 and 160 samples, logits()
 * mid-stream, synthetic models on random audio, and a model moved to other step scales.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Network } from '../../src/engine/index.js';
import type { Model } from '../../src/model/model.js';
import { withStepScales } from '../../src/model/rescale.js';
import { standardise } from '../../src/audio/standardise.js';
import { referenceForward } from '../../src/reference/forward.js';
import { buildHostDriver, checkCppApi, runHostDriver, type HostBuild } from '../../tools/export-cpp/host.js';
import { GOLDEN_EXPORTS, loadGoldenInputs, loadGoldenLogits, loadGoldenModel } from '../helpers/golden.js';
import { SHAPES, syntheticModel } from '../helpers/synthetic-model.js';
import { CPP_VS_ENGINE_REL, emitToTemp, hasTool, randomClip, relativeError, removeTempRoot } from './helpers.js';

afterAll(removeTempRoot);

const haveGxx = hasTool('g++') && hasTool('gcc');
const clips = loadGoldenInputs();

/** Engine logits for a clip, fed through a stream (the engine's own chunking is irrelevant to its result). */
async function engineLogits(model: Model, clipList: readonly Float32Array[], probeEvery = 0) {
  const net = await Network.create(model, { engine: 'simd' });
  try {
    return clipList.map((clip) => {
      const stream = net.stream();
      const probes: Float64Array[] = [];
      if (probeEvery > 0) {
        for (let at = 0; at < clip.length; at += probeEvery) {
          stream.push(clip.subarray(at, Math.min(at + probeEvery, clip.length)));
          if (at + probeEvery < clip.length) probes.push(stream.logits());
        }
      } else {
        stream.push(clip);
      }
      return { logits: stream.logits(), probes };
    });
  } finally {
    net.dispose();
  }
}

describe.skipIf(!haveGxx)('export-cpp on the host (g++ -O2 -Werror)', () => {
  describe.each(GOLDEN_EXPORTS.map((e) => [e.name]))('golden %s', (name) => {
    const model = loadGoldenModel(name);
    let build: HostBuild;
    let expected: Awaited<ReturnType<typeof engineLogits>>;
    beforeAll(async () => {
      const { dir, pkg } = await emitToTemp(model, { name: `g_${name.replace(/-/g, '_')}`, source: `${name}.npy` });
      build = await buildHostDriver(dir, pkg.name, { optimise: ['-O2'] });
      expected = await engineLogits(model, clips, 4000);
    });

    it.each([0, 1, 160])('chunk %i (0 = classify) equals the wasm engine', async (chunk) => {
      const { logits, stderr } = await runHostDriver(build, clips, chunk);
      expect(stderr).toBe('');
      expect(logits).toHaveLength(clips.length);
      logits.forEach((row, c) => expect(relativeError(row, expected[c].logits)).toBeLessThan(CPP_VS_ENGINE_REL));
    });

    it('equals the golden float64 logits', async () => {
      const { logits } = await runHostDriver(build, clips, 160);
      const golden = loadGoldenLogits(name);
      logits.forEach((row, c) => expect(relativeError(row, golden[c])).toBeLessThan(CPP_VS_ENGINE_REL));
    });

    it('logits() mid-stream equals the engine stream every 4000 samples', async () => {
      const { probes } = await runHostDriver(build, clips, 160, 4000);
      expect(probes).toHaveLength(3 * clips.length);
      probes.forEach(({ clip, logits }, n) => {
        expect(relativeError(logits, expected[clip].probes[n % 3])).toBeLessThan(CPP_VS_ENGINE_REL);
      });
    });
  });

  it('the C++ API (NAME.hpp) builds with -Werror, streams like classify() and names the class', async () => {
    const model = loadGoldenModel('tiny_1-9-54');
    const { dir, pkg } = await emitToTemp(model, { name: 'cpp_api' });
    const line = await checkCppApi(dir, pkg.name, clips[1]);
    const net = await Network.create(model, { engine: 'simd' });
    const engine = net.logits(clips[1]);
    net.dispose();
    const best = engine.indexOf(Math.max(...engine));
    expect(line).toBe(`label ${best} ${model.labels[best]}`);
  });

  it('--kahan (compensated pool) also equals the engine, at all-ones step scales', async () => {
    const model = loadGoldenModel('small_1-1-1-1-1-1');
    const { dir, pkg } = await emitToTemp(model, { name: 'kahan', poolKahan: true });
    expect(pkg.plan.poolKahan).toBe(true);
    const { logits } = await runHostDriver(await buildHostDriver(dir, pkg.name), clips, 160);
    const expected = await engineLogits(model, clips);
    logits.forEach((row, c) => expect(relativeError(row, expected[c].logits)).toBeLessThan(CPP_VS_ENGINE_REL));
  });

  const synthetic: Array<[string, Model]> = [
    ['tiny shape, s=[2,4,8] (s_0 > 1 decimates the raw input)', syntheticModel(SHAPES.tiny, [2, 4, 8], 11)],
    ['small shape, s=[1,2,4,16,32,64]', syntheticModel(SHAPES.small, [1, 2, 4, 16, 32, 64], 12)],
    ['full shape (identity skip), s=[1,1,4,8,16,32]', syntheticModel(SHAPES.full, [1, 1, 4, 8, 16, 32], 13)],
    ['one layer, s=[3]', syntheticModel({ P: [6], H: [5], classes: 4, clipSamples: 1000 }, [3], 14)],
    ['golden tiny_1-1-1 moved to s=[1,9,54]', withStepScales(loadGoldenModel('tiny_1-1-1'), [1, 9, 54])],
    ['tiny shape with input standardisation (mean 0.3, std 1.7)', { ...syntheticModel(SHAPES.tiny, [1, 2, 6], 15), inputMean: 0.3, inputStd: 1.7 }],
  ];
  describe.each(synthetic)('%s on random audio', (_title, model) => {
    const randomClips = [1, 2, 3].map((seed) => randomClip(model.clipSamples, seed));
    let build: HostBuild;
    beforeAll(async () => {
      const { dir, pkg } = await emitToTemp(model);
      build = await buildHostDriver(dir, pkg.name);
    });

    it('streamed in chunks of 1 and 160 equals the wasm engine and the float64 reference', async () => {
      const expected = await engineLogits(model, randomClips);
      for (const chunk of [1, 160]) {
        const { logits } = await runHostDriver(build, randomClips, chunk);
        logits.forEach((row, c) => {
          expect(relativeError(row, expected[c].logits)).toBeLessThan(CPP_VS_ENGINE_REL);
          expect(relativeError(row, referenceForward(model, standardise(randomClips[c], model)).logits)).toBeLessThan(CPP_VS_ENGINE_REL);
        });
      }
    });
  });
});
