// `sedge eval` on a hand-made corpus and a model whose prediction is set by each clip's level
// (helpers.ts): accuracy, per-class counts and the confusion matrix against a hand computation;
// standardisation with the model's own mean/std (exactly once); test-only folders; bad input
// refused before any work; outputs never overwritten without --force.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DataError, SedgeError, UsageError } from '../../src/errors.js';
import type { Model } from '../../src/model/model.js';
import { encodeSafetensors } from '../../src/model/safetensors.js';
import { flopsPerSecond } from '../../src/model/stats.js';
import { withStepScales } from '../../src/model/rescale.js';
import { evalCommand, registerEval } from '../../src/node/eval-command.js';
import { parsePerturb } from '../../tools/eval/perturb.js';
import { loadEvalSet, loudestWindow } from '../../tools/eval/eval-set.js';
import { evaluateModel, type EvalReport } from '../../tools/eval/evaluate.js';
import { createPredictor } from '../../tools/eval/predict.js';
import { sedge } from '../helpers/cli.js';
import { levelModel, tempRoot, TEST_CLIPS, writeCorpus } from './helpers.js';

let root: string, data: string, modelFile: string;
const quiet = { progress: false, jobs: 1 } as const;
const noLog = () => {};

beforeAll(() => {
  root = tempRoot('eval');
  data = writeCorpus(join(root, 'data'), [
    ...TEST_CLIPS,
    // train and validation clips must not be counted in the test split
    { path: 'go/t_nohash_0.wav', predicted: 0, split: 'train' },
    { path: 'up/v_nohash_0.wav', predicted: 0, split: 'validation' },
  ]);
  modelFile = join(root, 'level.safetensors');
  writeFileSync(modelFile, encodeSafetensors(levelModel()));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const HAND_CONFUSION = [[2, 1, 0, 0], [0, 2, 0, 0], [0, 0, 1, 1], [0, 0, 0, 1]];

describe('evaluateModel', () => {
  it('accuracy, per-class counts and confusion match the hand count', async () => {
    const model = levelModel();
    const report = await evaluateModel(model, loadEvalSet(data, model.labels), quiet);
    expect(report.clips).toBe(8);
    expect(report.correct).toBe(6);
    expect(report.accuracy).toBe(0.75);
    expect(report.confusion).toEqual(HAND_CONFUSION);
    expect(report.perClass).toEqual({
      down: { clips: 3, correct: 2, accuracy: 2 / 3 }, go: { clips: 2, correct: 2, accuracy: 1 },
      up: { clips: 2, correct: 1, accuracy: 0.5 }, yes: { clips: 1, correct: 1, accuracy: 1 },
    });
    expect(report.misclassified).toEqual([
      { path: 'down/c_nohash_0.wav', label: 'down', predicted: 'go' },
      { path: 'up/a_nohash_0.wav', label: 'up', predicted: 'yes' },
    ]);
    expect(report.stepScales).toEqual([1, 1]);
    expect(report.mflopsPerSecond).toBe(flopsPerSecond(model).lower / 1e6);
    expect(report.standardised).toBe(true);
  });

  it('standardises with the model\'s mean/std exactly once (without it the down clips fail, twice the go clips)', async () => {
    const unstandardised = { ...levelModel(), inputMean: null, inputStd: null };
    const set = loadEvalSet(data, unstandardised.labels);
    const plain = await evaluateModel(unstandardised, set, quiet);
    expect(plain.perClass.down.correct).toBe(0);
    // Standardising the clips before the Network (which standardises again) breaks 'go' the same way.
    const twice = { ...set, x: new Float32Array(new SharedArrayBuffer(set.x.byteLength)) };
    set.x.forEach((v, i) => (twice.x[i] = (v - 0.05) / (0.5 + 1e-5)));
    expect((await evaluateModel(levelModel(), twice, quiet)).perClass.go.correct).toBe(0);
  });

  it('labels follow the model\'s order, whatever the folder order', async () => {
    const reordered = levelModel({ labels: ['yes', 'up', 'go', 'down'] }); // levels now point at other words
    const report = await evaluateModel(reordered, loadEvalSet(data, reordered.labels), quiet);
    expect(report.labels).toEqual(['yes', 'up', 'go', 'down']);
    expect(report.perClass.down.clips).toBe(3);
    expect(report.confusion.flat().reduce((a, b) => a + b, 0)).toBe(8);
  });

  it('two worker threads give the same predictions as one', async () => {
    const model = levelModel();
    const set = loadEvalSet(data, model.labels);
    const one = await evaluateModel(model, set, quiet);
    const two = await evaluateModel(model, set, { progress: false, jobs: 2 });
    expect(two.jobs).toBe(2);
    expect(two.confusion).toEqual(one.confusion);
    expect(two.misclassified).toEqual(one.misclassified);
  });

  it('an error inside a worker comes back as the same SedgeError, and the pool stays usable', async () => {
    const model = levelModel();
    const set = loadEvalSet(data, model.labels);
    const predictor = await createPredictor(set.x, 16000, { jobs: 2 });
    try {
      const unstable = { ...model, layers: model.layers.map((l) => ({ ...l, aRe: Float32Array.of(1.5) })) };
      const error = await predictor.predict(unstable).catch((e) => e);
      expect(error).toBeInstanceOf(SedgeError);
      expect(error.code).toBe('MODEL_FORMAT');
      expect(error.message).toMatch(/\|A\| = 1.5/);
      expect(Array.from(await predictor.predict(model))).toEqual([0, 0, 1, 1, 1, 3, 2, 3]);
    } finally {
      await predictor.close();
    }
  });

  it('--limit takes clips spread over the split', () => {
    const set = loadEvalSet(data, levelModel().labels, { limit: 4 });
    expect(set.clips.map((c) => c.path)).toEqual(['down/a_nohash_0.wav', 'down/c_nohash_0.wav', 'go/d_nohash_1.wav', 'up/e_nohash_0.wav']);
    expect(set.splitClips).toBe(8);
  });
});

describe('data checks (before any work)', () => {
  it('a test-only folder (every clip in testing_list.txt) evaluates; its empty train split is refused by name', async () => {
    const only = writeCorpus(join(root, 'test-only'), TEST_CLIPS);
    const report = await evalCommand(modelFile, { data: only, ...quiet, json: true }, noLog);
    expect(report.confusion).toEqual(HAND_CONFUSION);
    await expect(evalCommand(modelFile, { data: only, split: 'train', ...quiet }, noLog)).rejects.toThrow(/the train split has no clips/);
    await expect(evalCommand(modelFile, { data: only, split: 'validation', ...quiet }, noLog)).rejects.toThrow(/validation_list.txt is missing or empty/);
  });

  it('a missing data folder', async () => {
    const error = await evalCommand(modelFile, { data: join(root, 'nope'), ...quiet }, noLog).catch((e) => e);
    expect(error).toBeInstanceOf(DataError);
    expect(error.message).toMatch(/nope: data folder not found/);
  });

  it('a label set that does not match the model names the difference', async () => {
    const other = join(root, 'other-labels.safetensors');
    writeFileSync(other, encodeSafetensors(levelModel({ labels: ['down', 'go', 'up', 'left'] })));
    await expect(evalCommand(other, { data, ...quiet }, noLog))
      .rejects.toThrow(/words do not match the model's 4 labels: in the data but not the model: yes; in the model but not the data: left/);
    // Only missing words: refused unless allowed.
    const five = join(root, 'five-labels.safetensors');
    writeFileSync(five, encodeSafetensors(levelModel({ labels: ['down', 'go', 'up', 'yes', 'left'] })));
    await expect(evalCommand(five, { data, ...quiet }, noLog)).rejects.toThrow(/in the model but not the data: left \(pass --allow-missing-labels/);
    const report = await evalCommand(five, { data, ...quiet, allowMissingLabels: true }, noLog);
    expect(report.perClass.left).toEqual({ clips: 0, correct: 0, accuracy: null });
  });

  it('corrupt and too-long WAVs are all listed, and nothing is written', async () => {
    const bad = writeCorpus(join(root, 'bad'), [...TEST_CLIPS, { path: 'go/long_nohash_0.wav', predicted: 1, split: 'test', samples: 17000 }]);
    writeFileSync(join(bad, 'up/e_nohash_0.wav'), 'not a wav at all');
    const out = join(root, 'bad-out');
    const error = await evalCommand(modelFile, { data: bad, out, ...quiet }, noLog).catch((e) => e);
    expect(error).toBeInstanceOf(DataError);
    expect(error.message).toMatch(/2 of 9 test clips cannot be used \(nothing was evaluated\)/);
    expect(error.message).toMatch(/up\/e_nohash_0.wav: corrupt WAV/);
    expect(error.message).toMatch(/go\/long_nohash_0.wav: 17000 samples/);
    expect(existsSync(out)).toBe(false);
  });

  it('a folder without list files: the error says where its clips are, and names badly named files', async () => {
    const bare = writeCorpus(join(root, 'bare'), TEST_CLIPS.map((c) => ({ ...c, split: 'train' as const })));
    writeFileSync(join(bare, 'go', 'recorded-go.wav'), readFileSync(join(bare, 'go', 'a_nohash_0.wav')));
    await expect(evalCommand(modelFile, { data: bare, ...quiet }, noLog))
      .rejects.toThrow(/testing_list.txt is missing or empty; the folder has no list files, so its 8 clips are all in the train split: evaluate them with --split train; 1 .wav files are not named <speaker>_nohash_<n>.wav/);
    expect((await evalCommand(modelFile, { data: bare, split: 'train', ...quiet }, noLog)).confusion).toEqual(HAND_CONFUSION);
  });

  it('--crop-long cuts clips over 1 s to their loudest second instead of refusing them', async () => {
    const long = writeCorpus(join(root, 'long'), [...TEST_CLIPS, { path: 'go/long_nohash_0.wav', predicted: 1, split: 'test', samples: 24000 }]);
    await expect(evalCommand(modelFile, { data: long, ...quiet }, noLog)).rejects.toThrow(/long_nohash_0.wav: 24000 samples/);
    const report = await evalCommand(modelFile, { data: long, cropLong: true, ...quiet }, noLog);
    expect(report.croppedClips).toBe(1);
    expect(report.perClass.go).toEqual({ clips: 3, correct: 3, accuracy: 1 });
  });

  it('loudestWindow finds the burst, pads short clips', () => {
    const clip = new Float32Array(40000);
    clip.fill(0.5, 30000, 31000);
    const window = loudestWindow(clip, 16000);
    expect(window).toHaveLength(16000);
    expect(window.reduce((a, v) => a + v, 0)).toBe(500);
    expect(loudestWindow(clip.subarray(29000, 31000), 16000).subarray(1000, 2000).every((v) => v === 0.5)).toBe(true);
    clip.fill(0);
    clip[39999] = 1; // at the very end: the last window must be considered
    expect(loudestWindow(clip, 16000)[15999]).toBe(1);
  });

  it('--input-stats standardises a model that stores no mean/std (else a note on stderr)', async () => {
    const bare = join(root, 'no-stats.safetensors');
    writeFileSync(bare, encodeSafetensors({ ...levelModel(), inputMean: null, inputStd: null }));
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const raw = await evalCommand(bare, { data, ...quiet }, noLog);
      expect(raw.standardised).toBe(false);
      expect(raw.perClass.down.correct).toBe(0);
      expect(errors.mock.calls[0][0]).toMatch(/stores no input mean\/std, so clips go in unstandardised/);
      errors.mockClear();
      const given = await evalCommand(bare, { data, inputStats: [0.05, 0.5], ...quiet }, noLog);
      expect(given).toMatchObject({ standardised: true, inputMean: 0.05, inputStd: 0.5, confusion: HAND_CONFUSION });
      expect(errors).not.toHaveBeenCalled();
    } finally {
      errors.mockRestore();
    }
  });

  it('--perturb changes every clip first: a high-pass takes the constant clips to 0, which reads as "go", and the report says so', async () => {
    const report = await evalCommand(modelFile, { data, perturb: parsePerturb('highpass:300'), ...quiet }, noLog);
    expect(report.perturb).toBe('highpass:300');
    expect(report.confusion).toEqual([[0, 3, 0, 0], [0, 2, 0, 0], [0, 2, 0, 0], [0, 1, 0, 0]]);
    expect((await evalCommand(modelFile, { data, ...quiet }, noLog)).perturb).toBeNull();
  });

  it('bad step scales and a missing --data are usage errors', async () => {
    await expect(evalCommand(modelFile, { data, stepScales: [2, 3], ...quiet }, noLog)).rejects.toThrow(/do not nest/);
    await expect(evalCommand(modelFile, { data: '', ...quiet }, noLog)).rejects.toThrow(UsageError);
  });
});

describe('resume', () => {
  it('an interrupted eval keeps its finished segments; --resume computes only the rest', async () => {
    const model = levelModel();
    const set = loadEvalSet(data, model.labels);
    const file = join(root, 'checkpoint.json');
    const identity = { modelSha256: 'abc', clips: 8 };
    const inner = await createPredictor(set.x, 16000);
    const ranges: number[][] = [];
    let failAfter = 2; // the third segment "crashes", like a killed process
    const predictor = {
      jobs: 1,
      predict: async (m: Model, onProgress?: (n: number) => void, range?: { from: number; to: number }) => {
        if (failAfter-- === 0) throw new Error('killed');
        ranges.push([range!.from, range!.to]);
        return inner.predict(m, onProgress, range);
      },
      close: async () => {},
    };
    const checkpoint = { file, identity, segmentClips: 3 };
    await expect(evaluateModel(model, set, { ...quiet, predictor, checkpoint })).rejects.toThrow('killed');
    expect(JSON.parse(readFileSync(file, 'utf8')).predictions).toEqual([0, 0, 1, 1, 1, 3, -1, -1]);
    ranges.length = 0;
    failAfter = -1;
    const report = await evaluateModel(model, set, { ...quiet, predictor, checkpoint: { ...checkpoint, resume: true } });
    expect(ranges).toEqual([[6, 8]]);
    expect(report.confusion).toEqual(HAND_CONFUSION);
    expect(report.resumedClips).toBe(6);
    await expect(evaluateModel(model, set, { ...quiet, predictor, checkpoint: { ...checkpoint, identity: { ...identity, modelSha256: 'def' }, resume: true } }))
      .rejects.toThrow(/cannot resume, it is another experiment: modelSha256 was "abc", now "def"/);
    await inner.close();
  });

  it('the command refuses to drop an interrupted eval, and --resume needs --out', async () => {
    const out = join(root, 'interrupted');
    mkdirSync(out);
    writeFileSync(join(out, 'eval.partial.json'), JSON.stringify({ version: 1, identity: { modelSha256: 'old' }, predictions: new Array(8).fill(-1) }));
    await expect(evalCommand(modelFile, { data, out, ...quiet }, noLog)).rejects.toThrow(/holds an interrupted eval: pass --resume to finish it, or --force/);
    await expect(evalCommand(modelFile, { data, out, resume: true, ...quiet }, noLog)).rejects.toThrow(/another experiment: modelSha256 was "old"/);
    await expect(evalCommand(modelFile, { data, resume: true, ...quiet }, noLog)).rejects.toThrow(/--resume needs --out/);
    const report = await evalCommand(modelFile, { data, out, force: true, ...quiet }, noLog);
    expect(report.accuracy).toBe(0.75);
    expect(existsSync(join(out, 'eval.partial.json'))).toBe(false); // removed once eval.json is written
    expect(existsSync(join(out, 'eval.json'))).toBe(true);
  });
});

describe('outputs', () => {
  it('--out writes eval.json and confusion.svg, then refuses to overwrite them without --force', async () => {
    const out = join(root, 'out');
    const report = await evalCommand(modelFile, { data, out, svg: join(root, 'c.svg'), ...quiet }, noLog);
    const written = JSON.parse(readFileSync(join(out, 'eval.json'), 'utf8')) as EvalReport;
    expect(written.confusion).toEqual(report.confusion);
    expect(readFileSync(join(out, 'confusion.svg'), 'utf8')).toMatch(/^<svg /);
    expect(existsSync(join(root, 'c.svg'))).toBe(true);
    await expect(evalCommand(modelFile, { data, out, ...quiet }, noLog)).rejects.toThrow(/out\/confusion.svg exists; pass --force/);
    await evalCommand(modelFile, { data, out, force: true, ...quiet }, noLog);
  });

  it('--step-scales re-discretises before evaluating', async () => {
    const report = await evalCommand(modelFile, { data, stepScales: [2, 8], ...quiet }, noLog);
    expect(report.stepScales).toEqual([2, 8]);
    expect(report.mflopsPerSecond).toBe(flopsPerSecond(withStepScales(levelModel(), [2, 8])).lower / 1e6);
    expect(report.accuracy).toBe(0.75); // constant clips: the level survives decimation
  });

  it('is wired through registerEval; --json puts only JSON on stdout', async () => {
    const program = registerEval(new Command('sedge').exitOverride());
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      await program.parseAsync(['eval', modelFile, '--data', data, '--json', '--jobs', '1', '--no-progress'], { from: 'user' });
      expect(log).toHaveBeenCalledTimes(1);
      const printed = JSON.parse(log.mock.calls[0][0] as string) as EvalReport;
      expect(printed.accuracy).toBe(0.75);
      expect(printed.split).toBe('test');
      await program.parseAsync(['eval', modelFile, '--data', data, '--json', '--jobs', '1', '--no-progress', '--input-stats', '0.05,0.5'], { from: 'user' });
      expect(JSON.parse(log.mock.calls[1][0] as string).inputStd).toBe(0.5);
    } finally {
      log.mockRestore();
    }
    const quietProgram = registerEval(new Command('sedge').exitOverride().configureOutput({ writeErr: () => {} }));
    await expect(quietProgram.parseAsync(['eval', modelFile, '--data', data, '--input-stats', '0,-1'], { from: 'user' }))
      .rejects.toThrow(/expected MEAN,STD with a finite mean and a positive std/);
    await expect(quietProgram.parseAsync(['eval', modelFile, '--data', data, '--perturb', 'lowshelf:300'], { from: 'user' }))
      .rejects.toThrow(/a shelf needs its gain in dB/);
  });

  it('through the sedge binary: JSON on stdout, nothing on stderr with --no-progress; bad input exits 2', () => {
    const ok = sedge('eval', modelFile, '--data', data, '--json', '--jobs', '1', '--no-progress');
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).confusion).toEqual(HAND_CONFUSION);
    const missing = sedge('eval', modelFile, '--data', join(root, 'missing'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/sedge: .*missing: data folder not found/);
    expect(sedge('eval', modelFile).code).toBe(2); // --data is required
  });
});
