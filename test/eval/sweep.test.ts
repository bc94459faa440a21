// `sedge sweep`: every list evaluated once, results appended atomically, a partial sweep.json
// resumed by computing only the missing lists, another experiment refused, discrete models
// skipping the lists they cannot reach.
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import type { Model } from '../../src/model/model.js';
import { encodeSafetensors } from '../../src/model/safetensors.js';
import { flopsPerSecond } from '../../src/model/stats.js';
import { withStepScales } from '../../src/model/rescale.js';
import { sweepCommand } from '../../src/node/eval-command.js';
import { stepScaleChains } from '../../tools/eval/chains.js';
import { loadEvalSet } from '../../tools/eval/eval-set.js';
import { createPredictor, type Predictor } from '../../tools/eval/predict.js';
import { runSweep, type SweepFile, type SweepIdentity } from '../../tools/eval/sweep.js';
import { levelModel, tempRoot, TEST_CLIPS, writeCorpus } from './helpers.js';
import { parseXml } from './xml.js';

let root: string, data: string, modelFile: string;
const noLog = () => {};

beforeAll(() => {
  root = tempRoot('sweep');
  data = writeCorpus(join(root, 'data'), TEST_CLIPS);
  modelFile = join(root, 'level.safetensors');
  writeFileSync(modelFile, encodeSafetensors(levelModel()));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A predictor that records the step scales of every model it is asked to run. */
async function countingPredictor(x: Float32Array): Promise<Predictor & { calls: number[][] }> {
  const inner = await createPredictor(x, 16000);
  const calls: number[][] = [];
  return {
    jobs: 1, calls,
    predict: (model: Model, onProgress?: (n: number) => void) => {
      calls.push(model.layers.map((l) => l.stepScale));
      return inner.predict(model, onProgress);
    },
    close: () => inner.close(),
  };
}

const readSweep = (dir: string) => JSON.parse(readFileSync(join(dir, 'sweep.json'), 'utf8')) as SweepFile;

describe('sweep', () => {
  it('evaluates every chain up to --max once, with its MFLOP/s, and writes sweep.json + pareto.svg', async () => {
    const out = join(root, 'full');
    const sweep = await sweepCommand(modelFile, { data, max: 4, out, jobs: 1, progress: false }, noLog);
    expect(sweep.results.map((r) => r.stepScales)).toEqual(stepScaleChains(2, 4));
    for (const r of sweep.results) {
      expect(r.accuracy).toBe(0.75); // constant clips keep their level at every step scale
      expect(r.clips).toBe(8);
      expect(r.mflopsPerSecond).toBe(flopsPerSecond(withStepScales(levelModel(), r.stepScales)).lower / 1e6);
    }
    expect(sweep.pareto).toEqual([[4, 4]]); // all equally accurate: the cheapest wins
    expect(readSweep(out)).toEqual(sweep);
    const svg = readFileSync(join(out, 'pareto.svg'), 'utf8');
    expect(svg).toMatch(/^<svg /);
    expect(parseXml(svg).filter((e) => e.name === 'circle' && e.attrs.class?.startsWith('point'))).toHaveLength(8);
    expect(svg).not.toMatch(/NaN/);
    expect(readdirSync(out).sort()).toEqual(['pareto.svg', 'sweep.json']); // no temp files left
    await expect(sweepCommand(modelFile, { data, max: 4, out, jobs: 1, progress: false }, noLog)).rejects.toThrow(/sweep.json exists: pass --resume .* or --force/);
  });

  it('--resume after a killed run computes only the missing lists', async () => {
    const out = join(root, 'resume');
    const model = levelModel();
    const set = loadEvalSet(data, model.labels);
    const identity: SweepIdentity = { model: modelFile, modelSha256: 'abc', data, split: 'test', clips: 8, splitClips: 8, limit: null, inputMean: 0.05, inputStd: 0.5, perturb: null };
    const lists = stepScaleChains(2, 6);
    const first = await countingPredictor(set.x);
    const complete = await runSweep(model, set, { lists, outDir: out, identity, predictor: first, progress: false });
    expect(first.calls).toEqual(lists);
    // A run killed after 4 lists leaves a sweep.json with those 4 (the file is rewritten after each list).
    writeFileSync(join(out, 'sweep.json'), JSON.stringify({ ...complete, results: complete.results.slice(0, 4) }));
    const second = await countingPredictor(set.x);
    const resumed = await runSweep(model, set, { lists, outDir: out, identity, predictor: second, resume: true, progress: false });
    expect(second.calls).toEqual(lists.slice(4));
    expect(resumed.results.map((r) => r.stepScales)).toEqual(lists);
    expect(resumed.results.slice(0, 4)).toEqual(complete.results.slice(0, 4));
    // Nothing left to do: no model runs at all.
    const third = await countingPredictor(set.x);
    await runSweep(model, set, { lists, outDir: out, identity, predictor: third, resume: true, progress: false });
    expect(third.calls).toEqual([]);
    // Another experiment in the same folder is refused before any work.
    await expect(runSweep(model, set, { lists, outDir: out, identity: { ...identity, modelSha256: 'def' }, predictor: third, resume: true, progress: false }))
      .rejects.toThrow(/cannot resume, it is another experiment: modelSha256 was "abc", now "def"/);
    writeFileSync(join(out, 'sweep.json'), '{"version": 1, "resul');
    await expect(runSweep(model, set, { lists, outDir: out, identity, predictor: third, resume: true, progress: false })).rejects.toThrow(UsageError);
    await Promise.all([first.close(), second.close(), third.close()]);
  });

  it('--resume through the command with a different --limit is refused', async () => {
    const out = join(root, 'limit');
    await sweepCommand(modelFile, { data, lists: [[1, 1]], out, jobs: 1, progress: false, limit: 4 }, noLog);
    await expect(sweepCommand(modelFile, { data, lists: [[1, 1], [2, 2]], out, jobs: 1, progress: false, resume: true }, noLog))
      .rejects.toThrow(/another experiment: clips was 4, now 8/);
    const resumed = await sweepCommand(modelFile, { data, lists: [[1, 1], [2, 2]], out, jobs: 1, progress: false, limit: 4, resume: true }, noLog);
    expect(resumed.results.map((r) => r.stepScales)).toEqual([[1, 1], [2, 2]]);
    expect(resumed.results.every((r) => r.clips === 4)).toBe(true);
  });

  it('a discrete model skips the lists it cannot reach, with the reason', async () => {
    const file = join(root, 'discrete.safetensors');
    writeFileSync(file, encodeSafetensors(levelModel({ stepScales: [2, 2], continuous: false })));
    const sweep = await sweepCommand(file, { data, max: 4, out: join(root, 'discrete'), jobs: 1, progress: false }, noLog);
    expect(sweep.results.map((r) => r.stepScales)).toEqual([[2, 2], [2, 4], [4, 4]]);
    expect(sweep.skipped.map((s) => s.stepScales)).toEqual([[1, 1], [1, 2], [1, 3], [1, 4], [3, 3]]);
    expect(sweep.skipped[0].reason).toMatch(/not a multiple of the exported step scale 2/);
  });

  it('refuses bad lists before any work', async () => {
    const out = join(root, 'bad');
    await expect(sweepCommand(modelFile, { data, lists: [[1, 1, 1]], out, progress: false }, noLog)).rejects.toThrow(/3 entries, the model has 2 layers/);
    await expect(sweepCommand(modelFile, { data, lists: [[2, 3]], out, progress: false }, noLog)).rejects.toThrow(/do not nest/);
    await expect(sweepCommand(modelFile, { data, lists: [[1, 1]], max: 4, out, progress: false }, noLog)).rejects.toThrow(/either --lists or --max/);
    expect(existsSync(out)).toBe(false);
  });
});
