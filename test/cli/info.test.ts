// `sedge info --json` on files of the four published shapes at every Cpp-NN README step-scale list:
// params and Cpp-NN memory exactly, FLOPs inside the spec §8.3 bounds around the README value.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeSafetensors } from '../../src/model/safetensors.js';
import { CPP_NN_README, CPP_NN_SIZES, SHAPES } from '../../src/model/shapes.js';
import { syntheticModel } from '../../src/model/synthetic.js';
import { fixture, sedge } from '../helpers/cli.js';

const PARAMS = { full: 141381, large: 56333, small: 20377, tiny: 8413 };
const dir = mkdtempSync(join(tmpdir(), 'sedge-info-'));

describe('sedge info --json', () => {
  const seen = new Set<string>();
  const rows = CPP_NN_README.filter((r) => !seen.has(`${r.shape}${r.stepScales}`) && seen.add(`${r.shape}${r.stepScales}`));
  it.each(rows)('$shape $stepScales', ({ shape, stepScales, mflop }) => {
    const file = join(dir, `${shape}-${stepScales.join('-')}.safetensors`);
    writeFileSync(file, encodeSafetensors(syntheticModel(SHAPES[shape], stepScales)));
    const r = sedge('info', file, '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const info = JSON.parse(r.stdout);
    expect(info.params).toBe(PARAMS[shape]);
    expect(info.stepScales).toEqual(stepScales);
    expect(info.memory).toEqual({ permanentBytes: CPP_NN_SIZES[shape].permanentBytes, bufferBytes: CPP_NN_SIZES[shape].tempBytes });
    expect(info.flopsPerSecond).toBeLessThanOrEqual(mflop * 1e6 + 5e3); // README rounds to 10 kFLOP
    expect(info.flopsPerSecondUpper).toBeGreaterThanOrEqual(mflop * 1e6 - 5e3);
    expect(info.layers).toHaveLength(SHAPES[shape].P.length);
    expect(info.layers[1]).toMatchObject({ in: SHAPES[shape].H[0], state: SHAPES[shape].P[1], out: SHAPES[shape].H[1], stepScale: stepScales[1] });
  });

  it('reads the authors\' model_dict.npy too (Full: identity skips)', () => {
    const info = JSON.parse(sedge('info', fixture('full_1-2-14-14-42-42.npy'), '--json').stdout);
    expect(info.params).toBe(141381);
    expect(info.layers.map((l: { skip: string }) => l.skip)).toEqual(['broadcast', 'identity', 'identity', 'identity', 'identity', 'identity']);
    expect(info.flopsPerSecond).toBeLessThanOrEqual(573.51e6);
    expect(info.flopsPerSecondUpper).toBeGreaterThanOrEqual(573.51e6);
  });
});
