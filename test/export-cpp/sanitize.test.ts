/**
 * The exported C++ built with -fsanitize=address,undefined (C++ package and C driver) runs every
 * golden model streamed in chunks of 1 and 160 with no sanitizer report, and gives bit-for-bit the
 * logits of the plain -O2 build (the package's float arithmetic has a fixed order).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHostDriver, runHostDriver } from '../../tools/export-cpp/host.js';
import { GOLDEN_EXPORTS, loadGoldenInputs, loadGoldenModel } from '../helpers/golden.js';
import { emitToTemp, hasTool, removeTempRoot } from './helpers.js';

afterAll(removeTempRoot);

const haveGxx = hasTool('g++') && hasTool('gcc');
const clips = loadGoldenInputs();

describe.skipIf(!haveGxx)('export-cpp under AddressSanitizer + UndefinedBehaviorSanitizer', () => {
  const previous = process.env.ASAN_OPTIONS;
  beforeAll(() => {
    process.env.ASAN_OPTIONS = 'detect_leaks=1:abort_on_error=1';
  });
  afterAll(() => {
    if (previous === undefined) delete process.env.ASAN_OPTIONS;
    else process.env.ASAN_OPTIONS = previous;
  });

  it.each(GOLDEN_EXPORTS.map((e) => [e.name]))('%s: clean, and bit-identical to the -O2 build', async (name) => {
    const model = loadGoldenModel(name);
    const { dir, pkg } = await emitToTemp(model, { name: 'g_san' });
    const sanitized = await buildHostDriver(dir, pkg.name, { optimise: ['-O1'], sanitize: true });
    const plain = await buildHostDriver(dir, pkg.name, { optimise: ['-O2'] });
    const input = clips.slice(0, 1);
    for (const chunk of [1, 160]) {
      const san = await runHostDriver(sanitized, input, chunk, 5000);
      expect(san.stderr).toBe('');
      const ref = await runHostDriver(plain, input, chunk, 5000);
      expect(san.logits).toEqual(ref.logits);
      expect(san.probes).toEqual(ref.probes);
    }
  });
});
