/**
 * Export (tools/export): the golden state dicts discretised at the golden step scales reproduce the
 * authors' model_dict files; the model_dict writer round-trips through our reader and numpy; the
 * exported Model keeps the continuous parameters (safetensors, re-discretisation); and the runtime's
 * float64 reference on the exported Model agrees with the trainer's own eval forward pass.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Model, SsmLayer } from '../../src/model/model.js';
import { modelFromModelDict } from '../../src/model/model-dict.js';
import { withStepScales } from '../../src/model/rescale.js';
import { modelFromSafetensors } from '../../src/model/safetensors.js';
import { referenceForward } from '../../src/reference/forward.js';
import { exportSafetensors } from '../../tools/export/index.js';
import { encodeModelDict, modelDictFileName } from '../../tools/export/model-dict.js';
import { exportModel } from '../../tools/export/to-model.js';
import { SedgeModel } from '../../tools/train/model.js';
import { GOLDEN_DIR, loadGoldenInputs, loadGoldenModel } from '../helpers/golden.js';
import { goldenModel, relMaxDiff } from './helpers.js';

const EXPORT_TOL = 1e-5; // relative to each tensor's max |value| (README §3.2: their complex64 ZOH is 1e-6 off)
const TRAINER_VS_RUNTIME_TOL = 3e-5; // absolute on logits: exported weights are f32 (observed 7.1e-6)
const FIELDS = ['aRe', 'aIm', 'bRe', 'bIm', 'biasBRe', 'biasBIm', 'cRe', 'cIm', 'biasCRe', 'biasCIm'] as const;

const GOLDEN_EXPORTS = [
  ['tiny', [1, 1, 1]], ['tiny', [1, 9, 54]], ['tiny', [3, 12, 48]],
  ['small', [1, 1, 1, 1, 1, 1]], ['small', [1, 2, 4, 16, 32, 64]],
] as const;

/** Worst per-tensor relative deviation between two Models with the same layout. */
function worstDeviation(ours: Model, theirs: Model): { value: number; where: string } {
  let value = 0, where = '';
  ours.layers.forEach((l, i) => {
    const r = theirs.layers[i];
    expect(l.stepScale).toBe(r.stepScale);
    for (const field of [...FIELDS, 'skip'] as const) {
      const d = relMaxDiff(l[field] as Float32Array, r[field] as Float32Array);
      if (d > value) [value, where] = [d, `layer ${i} ${field}`];
    }
  });
  for (const field of ['weight', 'bias'] as const) expect(Array.from(ours.decoder[field])).toEqual(Array.from(theirs.decoder[field]));
  return { value, where };
}

describe('export of the golden state dicts at the golden step scales', () => {
  it.each(GOLDEN_EXPORTS.map(([c, s]) => [`${c}_${s.join('-')}`, c, s] as const))('%s matches the authors\' model_dict', async (name, config, stepScales) => {
    const trained = await goldenModel(config, { dtype: 'f64' });
    const model = exportModel(trained, { stepScales: [...stepScales] });
    const theirs = loadGoldenModel(name);
    const direct = worstDeviation(model, theirs);
    expect(direct.value, direct.where).toBeLessThan(EXPORT_TOL);
    // …and the same once written as model_dict.npy and read back by the runtime's reader.
    const bytes = encodeModelDict(model);
    const back = modelFromModelDict(bytes, { name: modelDictFileName(model) });
    expect(worstDeviation(back, model).value).toBe(0);
  });
});

describe('the exported Model', () => {
  it('keeps the continuous parameters: re-discretising it equals exporting at the new step scales', async () => {
    const trained = await goldenModel('tiny', { dtype: 'f64' });
    const ones = exportModel(trained);
    expect(ones.layers[0].continuous).toBeDefined();
    const moved = withStepScales(ones, [1, 9, 54]);
    expect(worstDeviation(moved, exportModel(trained, { stepScales: [1, 9, 54] })).value).toBe(0);
    const reread = modelFromSafetensors(exportSafetensors(trained, { stepScales: [3, 12, 48] }), 'tiny.safetensors');
    expect(reread.layers.map((l) => l.stepScale)).toEqual([3, 12, 48]);
    expect(Array.from(reread.layers[2].continuous!.logStep)).toEqual(Array.from(trained.layers[2].logStep.data, Math.fround));
  });

  it('runs in the runtime\'s float64 reference exactly as the trainer\'s eval forward pass (BatchNorm folded)', async () => {
    const trained = await goldenModel('tiny', { dtype: 'f64' });
    const clip = loadGoldenInputs()[0];
    for (const stepScales of [[1, 1, 1], [1, 9, 54]]) {
      const trainer = trained.forward([clip], { train: false, stepScales }).data;
      const runtime = referenceForward(exportModel(trained, { stepScales }), clip).logits;
      expect(relMaxDiff(runtime, trainer) * Math.max(...Array.from(trainer, Math.abs))).toBeLessThan(TRAINER_VS_RUNTIME_TOL);
    }
  });

  it('writes a non-trainable skip as the authors do (complex128 ones), which the reader takes as identity', async () => {
    const trained = await SedgeModel.create({ stateSizes: [8, 8], outputSizes: [4, 4], trainableSkip: false, batchNorm: false, init: 'S5' }, { dtype: 'f64' });
    const model = exportModel(trained, { stepScales: [1, 2] });
    const back = modelFromModelDict(encodeModelDict(model), { name: 'identity.npy' });
    expect(back.layers.map((l: SsmLayer) => l.skip)).toEqual([null, null]);
  });
});

const numpy = spawnSync('python3', ['-c', 'import numpy; print(numpy.__version__)'], { encoding: 'utf8' });
const hasNumpy = numpy.status === 0;

describe.skipIf(!hasNumpy)(`numpy ${numpy.stdout?.trim()} reads the written files`, () => {
  it('model_dict.npy: np.load(allow_pickle=True).item() gives the authors\' keys, types, dtypes, shapes and our values', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sedge-export-'));
    try {
      const trained = await goldenModel('small', { dtype: 'f64' });
      const ours = join(dir, 'ours.npy');
      writeFileSync(ours, encodeModelDict(exportModel(trained, { stepScales: [1, 2, 4, 16, 32, 64] })));
      const identity = join(dir, 'identity.npy');
      const full = await SedgeModel.create({ stateSizes: [8, 8], outputSizes: [4, 4], trainableSkip: false, batchNorm: false, init: 'S5' }, { dtype: 'f64' });
      writeFileSync(identity, encodeModelDict(exportModel(full)));
      const script = `
import sys, numpy as np
ours = np.load(sys.argv[1], allow_pickle=True).item()
theirs = np.load(sys.argv[2], allow_pickle=True).item()
assert list(ours) == list(theirs), (list(ours), list(theirs))
for k in ours:
    assert list(ours[k]) == list(theirs[k]), (k, list(ours[k]))
    for f in ours[k]:
        a, b = ours[k][f], theirs[k][f]
        assert type(a) is type(b), (k, f, type(a), type(b))
        if isinstance(a, np.ndarray):
            assert a.dtype == b.dtype and a.shape == b.shape, (k, f, a.dtype, b.dtype, a.shape, b.shape)
            assert np.abs(a - b).max() <= 1e-5 * max(np.abs(b).max(), 1e-30), (k, f)
        else:
            assert a == b, (k, f, a, b)
skip = np.load(sys.argv[3], allow_pickle=True).item()[1]['SkipLayer']
assert skip.dtype == np.complex128 and skip.shape == (4, 4) and (skip == 1).all()
print('ok')
`;
      const run = spawnSync('python3', ['-c', script, ours, join(GOLDEN_DIR, 'small_1-2-4-16-32-64.npy'), identity], { encoding: 'utf8' });
      expect(run.stderr).toBe('');
      expect(run.stdout.trim()).toBe('ok');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
