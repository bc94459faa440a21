/**
 * The training loop on a tiny synthetic corpus (3 words whose clips differ by a DC level, so a
 * two-layer model separates them in a few dozen steps), with the authors' recipe around it:
 *   - configs: presets, the authors' YAML keys, errors that name the key
 *   - the schedule (warm-up from 0, cosine to 0, per group)
 *   - checkpoints round-trip (parameters, BN buffers, AdamW moments)
 *   - five steps through the worker pool reproduce PyTorch's (golden README §3.7), 1 and 2 workers
 *   - the loop learns, writes best-val models that the runtime loads and agrees with
 *   - bad input fails before any work (and without touching the output folder)
 * Resume after a kill: resume.test.ts.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeWav } from '../../src/audio/wav.js';
import { Network } from '../../src/engine/index.js';
import { DataError, UsageError } from '../../src/errors.js';
import { parseModel } from '../../src/model/parse.js';
import { Rng } from '../../tools/data/prng.js';
import { encodeCheckpoint, readCheckpointMeta, restoreCheckpoint } from '../../tools/train/checkpoint.js';
import { CONFIG_KEYS, parseConfigYaml, presetConfig, resolveConfig } from '../../tools/train/config.js';
import { crossEntropy, decoderOrthogonality } from '../../tools/autograd/loss.js';
import { SEDGE_CONFIGS, SedgeModel } from '../../tools/train/model.js';
import { AdamW, sedgeParamGroups } from '../../tools/train/optim.js';
import { Replica, sharedSplit, standardiseInPlace, TrainerPool } from '../../tools/train/parallel.js';
import { groupLrs, lrFactor, makeSchedule } from '../../tools/train/schedule.js';
import { encodeStateDictNpz, loadStateDictNpz, stateDict, stateDictOfModel } from '../../tools/train/state-dict.js';
import { exportModel } from '../../tools/export/to-model.js';
import { encodeSafetensors } from '../../src/model/safetensors.js';
import { epochOrder, loadTeacher, rzohPeriodsAt, train } from '../../tools/train/train.js';
import { goldenNpz, readGolden } from './helpers.js';

const WORDS = ['cat', 'dog', 'yes'];
const SCHEDULE_TOL = 1e-12;

/** 3 words × perWord one-second clips: a raised-cosine DC level (+, −, none) with a faint tone and noise. */
function writeCorpus(dir: string, perWord: number): void {
  const val: string[] = [], test: string[] = [];
  WORDS.forEach((word, label) => {
    mkdirSync(join(dir, word), { recursive: true });
    for (let i = 0; i < perWord; i++) {
      const rng = Rng.derive(7, word, i);
      const x = new Float32Array(16000);
      const start = rng.int(0, 6000), len = rng.int(4000, 8000), level = [0.3, -0.3, 0][label] * rng.uniform(0.7, 1.3);
      for (let t = start; t < start + len; t++) x[t] = level * Math.sin((Math.PI * (t - start)) / len) + 0.05 * Math.sin(0.2 * t);
      for (let t = 0; t < 16000; t++) x[t] += 0.003 * rng.normal();
      const name = `${word}/s${i % 5}_nohash_${i}.wav`;
      writeFileSync(join(dir, name), encodeWav({ samples: x, sampleRateHz: 16000 }));
      if (i % 5 === 3) val.push(name);
      else if (i % 5 === 4) test.push(name);
    }
  });
  writeFileSync(join(dir, 'validation_list.txt'), val.join('\n') + '\n');
  writeFileSync(join(dir, 'testing_list.txt'), test.join('\n') + '\n');
}

/** A two-layer model with every option of the recipe on (BN, trainable skip, RZOH). */
const SMALL_YAML = `
hidden_sizes: [4, 4]
output_sizes: [4, 6]
trainable_skip_connections: true
norm: true
B_C_init: orthogonal
zeroOrderHoldRegularization: [0.5, 1.0]
labels: [cat, dog, yes]
classes: 3
epochs: 6
batch_size: 4
learning_rate: 0.03
warmup_steps: 4
augments: none
seed: 5
`;

let root: string;
let data: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'sedge-train-'));
  data = join(root, 'data');
  writeCorpus(data, 15); // 27 train, 9 validation, 9 test clips
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('config', () => {
  it('presets are the published models with RZOH on and the default hyperparameters', () => {
    const tiny = presetConfig('tiny')!;
    expect(tiny.model).toMatchObject({ stateSizes: [32, 16, 8], outputSizes: [8, 32, 64], trainableSkip: true, batchNorm: true, init: 'orthogonal' });
    expect(tiny.rzoh).toEqual([0.33, 0.67, 1]);
    expect(tiny).toMatchObject({ epochs: 40, learningRate: 0.002, batchSize: 16, weightDecay: 0.04, seed: 1234, augments: 'none', warmupSteps: 100 });
    expect(presetConfig('full')!.model).toMatchObject({ trainableSkip: false, batchNorm: false, init: 'S5' });
    expect(presetConfig('full')!.rzoh).toEqual([0.17, 0.33, 0.5, 0.67, 0.83, 1]);
    expect(presetConfig('large')!.model.stateSizes).toEqual([96, 80, 64, 48, 32, 16]);
    expect(presetConfig('s')!.model.outputSizes).toEqual([8, 16, 32, 42, 54, 64]);
    expect(presetConfig('xl')).toBeNull();
  });

  it("reads the authors' model description and hyperparameter yamls (concatenated)", () => {
    // [SE] model_descriptions/S_Edge_tiny.yaml + hyperparams/Speech_Commands_Dropout_High_Lr.yaml, keys verbatim.
    const text = `
hidden_sizes: [32, 16, 8] # List of hidden sizes for each layer
output_sizes: [8, 32, 64] # Number of output classes per layer
trainable_skip_connections: true
input_bias: true
output_bias: true
complex_output: false
act: LeakyRELu
norm : true
norm_type: bn
stability: abs
zeroOrderHoldRegularization: [] # off
B_C_init: orthogonal
bias_init: uniform
input_size: 1
classes: 35
augments: none
epochs: 40
learning_rate: 0.003
batch_size: 16
dropout: 0.1
weight_decay: 0.04
seed: 1234
`;
    const c = parseConfigYaml(text, 'tiny.yaml');
    expect(c.model).toMatchObject({ stateSizes: [32, 16, 8], outputSizes: [8, 32, 64], trainableSkip: true, batchNorm: true, init: 'orthogonal', dropout: 0.1 });
    expect(c.rzoh).toEqual([]);
    expect(c).toMatchObject({ learningRate: 0.003, epochs: 40, batchSize: 16, labels: expect.arrayContaining(['backward', 'zero']) });
    expect(parseConfigYaml('preset: full\nlr: 0.001\nzeroOrderHoldRegularization: []\n', 'f.yaml')).toMatchObject({ learningRate: 0.001, rzoh: [] });
  });

  it('refuses unknown keys, naming the key and listing the valid ones', () => {
    const error = (() => { try { parseConfigYaml('preset: tiny\nhiden_sizes: [4]\n', 'typo.yaml'); } catch (e) { return e as Error; } })();
    expect(error).toBeInstanceOf(UsageError);
    expect(error!.message).toContain("unknown key 'hiden_sizes'");
    for (const k of ['hidden_sizes', 'zeroOrderHoldRegularization', 'learning_rate', 'augments']) expect(error!.message).toContain(k);
    expect(CONFIG_KEYS).toContain('trainable_skip_connections');
  });

  it.each([
    ['act: RELu\npreset: tiny', "act: \"RELu\" is not supported"],
    ['preset: tiny\nzeroOrderHoldRegularization: [0.5]', 'zeroOrderHoldRegularization has 1 entries for 3 layers'],
    ['hidden_sizes: [4, 4]\noutput_sizes: [4]', 'hidden_sizes has 2 layers, output_sizes 1'],
    ['preset: tiny\nclasses: 12', '12 classes, but the label list has 35 words'],
    ['preset: tiny\nB_C_init: kaiming_normal', 'must be one of orthogonal, S5'],
    ['preset: full\ntrainable_skip_connections: false\nhidden_sizes: [4, 4]\noutput_sizes: [4, 6]', 'identity skip'],
    ['preset: tiny\nbackground_noise: 0.5', 'background_noise needs augments'],
    ['preset: huge', 'preset "huge" is not one of'],
    ['- a list', 'expected a mapping'],
    ['preset: tiny\nlr: 0.1\nlearning_rate: 0.2', 'given twice'],
    ['preset: tiny\ntrain_step_scales: [1, 2]', 'train_step_scales: step scales [1,2] have 2 entries, the model has 3 layers'],
    ['preset: tiny\ntrain_step_scales: [1, 2, 5]', 'train_step_scales: step scale 5 of layer 2 must be a positive integer multiple of 2'],
    ['preset: tiny\nshelves: 1.5', 'shelves: 1.5 must be a number in [0, 1]'],
    ['preset: tiny\nstretch: -0.5', 'stretch: -0.5 must be a number in [0, 1]'],
    ['preset: tiny\nstretch_range: [1.5, 0.8]', 'stretch_range: [1.5,0.8] must be two factors [low, high] with 0.5 <= low < high <= 2'],
    ['preset: tiny\nstretch_range: [0.4, 1.5]', 'with 0.5 <= low < high <= 2'],
    ['preset: tiny\nstretch_range: 1.2', 'stretch_range: 1.2 must be two factors'],
    ['preset: tiny\nstretch_range: [0.8, 1.5]', 'stretch_range needs stretch'],
  ])('refuses %j', (text, message) => {
    expect(() => parseConfigYaml(text, 'bad.yaml')).toThrow(message);
  });

  it('stretch_range: absent means the slow-downs of STRETCH; given, it is kept', () => {
    expect(presetConfig('tiny')!.stretchRange).toBeUndefined();
    expect(parseConfigYaml('preset: tiny\nstretch: 0.5\nstretch_range: [0.8, 1.5]\n', 't.yaml').stretchRange).toEqual([0.8, 1.5]);
  });

  it('train_step_scales: absent means all 1; given, it is checked like any step-scale list', () => {
    expect(presetConfig('tiny')!.trainStepScales).toBeUndefined();
    expect(parseConfigYaml('preset: tiny\ntrain_step_scales: [1, 2, 6]\n', 't.yaml').trainStepScales).toEqual([1, 2, 6]);
  });

  it('shelves: absent means off; given, a probability, with augments none too', () => {
    expect(presetConfig('tiny')!.shelves).toBeUndefined();
    expect(parseConfigYaml('preset: tiny\naugments: none\nshelves: 0.5\n', 't.yaml').shelves).toBe(0.5);
  });

  it('teacher: a path relative to the yaml, with the default weight and temperature; distill_* need it', () => {
    expect(presetConfig('tiny')!.distill).toBeUndefined();
    expect(parseConfigYaml('preset: tiny\nteacher: ../s/best.safetensors\n', '/runs/tiny/distil.yaml').distill).toEqual({ teacher: '/runs/s/best.safetensors', weight: 0.5, temperature: 2 });
    expect(parseConfigYaml('preset: tiny\ndistill_temperature: 4\nteacher: /m/s.safetensors\ndistill_weight: 0.9\n', 'x.yaml').distill).toEqual({ teacher: '/m/s.safetensors', weight: 0.9, temperature: 4 });
    expect(parseConfigYaml('preset: tiny\nteacher: /m/s.safetensors\nteacher_step_scales: [1, 3]\n', 'x.yaml').distill!.stepScales).toEqual([1, 3]);
    expect(() => parseConfigYaml('preset: tiny\ndistill_weight: 0.5\n', 'bad.yaml')).toThrow('config bad.yaml: distill_weight, distill_temperature and teacher_step_scales need teacher');
    expect(() => parseConfigYaml('preset: tiny\nteacher: /m/s.safetensors\ndistill_weight: 0\n', 'bad.yaml')).toThrow('distill_weight: 0 must be a number in (0, 1]');
    expect(() => parseConfigYaml('preset: tiny\nteacher: /m/s.safetensors\ndistill_temperature: -1\n', 'bad.yaml')).toThrow('distill_temperature: -1 must be a positive number');
    expect(() => parseConfigYaml('preset: tiny\nteacher: 3\n', 'bad.yaml')).toThrow('teacher: 3 must be the path of a model file');
  });

  it('resolveConfig: a preset name, a .yaml path, or a clear error', () => {
    const file = join(root, 'small.yaml');
    writeFileSync(file, SMALL_YAML);
    expect(resolveConfig(file).model.stateSizes).toEqual([4, 4]);
    expect(resolveConfig('L').model.stateSizes).toEqual([96, 80, 64, 48, 32, 16]);
    expect(() => resolveConfig('tinyy')).toThrow('not a preset');
    expect(() => resolveConfig(join(root, 'missing.yaml'))).toThrow('cannot read (ENOENT)');
  });
});

describe('schedule (per step, per group)', () => {
  const s = makeSchedule(1100);
  it('warms up linearly from 0 over 100 steps, then a cosine to 0', () => {
    expect(lrFactor(s, 0)).toBe(0);
    expect(lrFactor(s, 50)).toBeCloseTo(0.5, 12);
    expect(lrFactor(s, 100)).toBe(1);
    expect(lrFactor(s, 600)).toBeCloseTo(0.5, 12); // half-way down the 1000 cosine steps
    expect(lrFactor(s, 1099)).toBeCloseTo((1 + Math.cos((Math.PI * 999) / 1000)) / 2, 12);
    expect(Math.abs(lrFactor(s, 1100))).toBeLessThan(SCHEDULE_TOL);
  });
  it('scales both groups: [lr, 4·lr]', () => {
    const [a, b] = groupLrs(s, [0.002, 0.008], 50);
    expect(a).toBeCloseTo(0.001, 15);
    expect(b).toBeCloseTo(0.004, 15);
  });
});

describe('randomness is a function of (seed, counters)', () => {
  it('epoch order and RZOH periods repeat for the same keys and differ otherwise', () => {
    expect(epochOrder(1, 3, 50)).toEqual(epochOrder(1, 3, 50));
    expect(epochOrder(1, 3, 50)).not.toEqual(epochOrder(1, 4, 50));
    expect([...epochOrder(2, 0, 50)].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(rzohPeriodsAt(1, 10, [0.33, 0.67, 1])).toEqual(rzohPeriodsAt(1, 10, [0.33, 0.67, 1]));
    expect(rzohPeriodsAt(1, 10, [])).toBeNull();
    // With probability 1 the draw holds (period ≥ 2) about half the time (spec §5.5).
    const held = Array.from({ length: 2000 }, (_, k) => rzohPeriodsAt(9, k, [1])![0] > 1).filter(Boolean).length / 2000;
    expect(held).toBeGreaterThan(0.45);
    expect(held).toBeLessThan(0.55);
  });
});

describe('random shelves and stretch on training clips', () => {
  it.each(['shelvesP', 'stretchP'])('%s: changes about the given share of clips, the same ones per (seed, epoch, clip), and none at 0', async (key) => {
    const n = 40, split = sharedSplit(n), rng = new Rng(3);
    for (let i = 0; i < split.x.length; i++) split.x[i] = 0.1 * rng.normal();
    const replica = (p: number) => Replica.create({
      model: SEDGE_CONFIGS.tiny, seed: 7, inputMean: 0, inputStd: 1, augment: null, [key]: p, background: [], splits: { train: split },
    });
    const [off, half] = [await replica(0), await replica(0.5)];
    const raw = (i: number) => standardiseInPlace(split.x.slice(i * 16000, (i + 1) * 16000), 0, 1);
    const same = (a: Float32Array, b: Float32Array) => a.every((v, k) => v === b[k]);
    const filtered = (epoch: number) => Array.from({ length: n }, (_, i) => !same(half.prepareClip(i, epoch), raw(i)));
    for (let i = 0; i < n; i++) expect(same(off.prepareClip(i, 0), raw(i))).toBe(true);
    const epoch0 = filtered(0);
    expect(filtered(0)).toEqual(epoch0);
    expect(epoch0.filter(Boolean).length).toBeGreaterThan(10);
    expect(epoch0.filter(Boolean).length).toBeLessThan(30);
    expect(filtered(1)).not.toEqual(epoch0);
  });
});

describe('checkpoint', () => {
  it('round-trips parameters, BatchNorm state and AdamW moments exactly', async () => {
    const config = parseConfigYaml(SMALL_YAML, 'small.yaml');
    const cfg = { ...config.model, classes: 3 };
    const a = await SedgeModel.create(cfg, { dtype: 'f32', engine: false, seed: 1 });
    const optA = new AdamW(sedgeParamGroups(a.parameters(), 0.01));
    for (const { tensor } of a.parameters()) tensor.gradBuffer().fill(0.25);
    optA.step();
    a.layers[1].bn!.runningMean.fill(0.5);
    a.layers[1].bn!.numBatchesTracked = 7;
    const meta = {
      epoch: 2, stepInEpoch: 3, globalStep: 17, stepsPerEpoch: 7, config, inputMean: 0.1, inputStd: 0.2, workers: 2,
      best: { valLoss: 0.5, valLossEpoch: 2, valAcc: 0.9, valAccEpoch: 1 }, history: [], running: { ceSum: 1, correct: 2, clips: 3, batches: 1, seconds: 4 }, dataDir: '/x',
    };
    const bytes = encodeCheckpoint(a, optA, meta);
    const b = await SedgeModel.create(cfg, { dtype: 'f32', engine: false, seed: 2 });
    const optB = new AdamW(sedgeParamGroups(b.parameters(), 0.01));
    const read = readCheckpointMeta(bytes, 'x.ckpt');
    restoreCheckpoint(b, optB, read.meta, read.arrays, 'x.ckpt');
    expect(read.meta).toMatchObject({ epoch: 2, stepInEpoch: 3, globalStep: 17, workers: 2 });
    a.projectEigenvalues(); // the restore projects Λ, as the next forward pass would
    expect(encodeStateDictNpz(b)).toEqual(encodeStateDictNpz(a));
    // Same moments: one more identical step gives identical parameters.
    for (const m of [a, b]) for (const { tensor } of m.parameters()) tensor.gradBuffer().fill(-0.5);
    optA.step();
    optB.step();
    const pa = a.parameters(), pb = b.parameters();
    pa.forEach((p, i) => expect(Array.from(pb[i].tensor.data)).toEqual(Array.from(p.tensor.data)));
    expect(() => readCheckpointMeta(new Uint8Array([1, 2, 3]), 'junk.ckpt')).toThrow(DataError);
  });
});

describe('one training step is the authors\' (golden README §3.7)', () => {
  // 5 steps on the golden batch from the golden init, through the worker pool as train() runs them:
  // project Λ, forward/backward in the workers (BatchNorm statistics all-reduced), gradients summed,
  // + the decoder penalty, AdamW with the two groups at constant lr [0.002, 0.008].
  const TORCH_TOL = 1e-4; // README: a float64 re-run differs from torch's float32 by 2.4e-5
  it.each([1, 2])('%i worker(s): the state after 5 steps matches PyTorch', async (workers) => {
    const batch = goldenNpz('train_batch.npz');
    const x = batch.get('x')!.data as Float32Array, y = Array.from(batch.get('y')!.data as BigInt64Array, Number);
    const master = await SedgeModel.create(SEDGE_CONFIGS.tiny, { dtype: 'f32', engine: false });
    loadStateDictNpz(master, readGolden('tiny.train_init_state_dict.npz'));
    const split = sharedSplit(4);
    split.x.set(x);
    split.labels.set(y);
    // The batch is standardised already: mean 0 and std + eps = 1 leave it as it is.
    const pool = await TrainerPool.create(workers, { model: SEDGE_CONFIGS.tiny, seed: 1, inputMean: 0, inputStd: 1 - 1e-5, augment: null, background: [], splits: { train: split } }, master);
    const optimizer = new AdamW(sedgeParamGroups(master.parameters(), 0.002, 0.04));
    const penalties: number[] = [];
    try {
      pool.publish(master, true);
      for (let step = 0; step < 5; step++) {
        master.projectEigenvalues();
        pool.publish(master, false);
        await pool.step(master, Int32Array.of(0, 1, 2, 3), { step, epoch: 0, periods: null });
        const penalty = decoderOrthogonality(master.decoderWeight);
        penalties.push(penalty.item());
        penalty.backward();
        optimizer.step();
        optimizer.zeroGrad();
      }
    } finally {
      await pool.close();
    }
    penalties.forEach((p, k) => expect(p).toBeCloseTo([0.004261, 0.0044, 0.004992, 0.006293, 0.008164][k], 6));
    const ours = stateDict(master), torch = goldenNpz('tiny.train_final_state_dict.npz');
    // The raw torch state may hold Im Λ < 0 (projected only at the next forward): compare projected.
    const projected = (key: string, v: number, i: number) => (key.endsWith('Lambda') ? (i % 2 ? Math.abs(v) : -Math.abs(v)) : v);
    for (const [key, want] of torch) {
      const got = ours.get(key)!;
      if (want.dtype === '<i8') {
        expect(got.data).toEqual(want.data);
        continue;
      }
      const a = Array.from(got.data as Float32Array, (v, i) => projected(key, v, i));
      const b = Array.from(want.data as Float32Array, (v, i) => projected(key, v, i));
      expect(Math.max(...a.map((v, i) => Math.abs(v - b[i]))), key).toBeLessThan(TORCH_TOL);
    }
  });
});

describe('training step scales', () => {
  it('the workers run the training passes at the configured step scales', async () => {
    const rng = new Rng(7);
    const split = sharedSplit(4);
    split.x.set(Float32Array.from({ length: 4 * 16000 }, () => rng.normal()));
    split.labels.set([0, 1, 2, 3]);
    const lossAt = async (stepScales?: number[]) => {
      const master = await SedgeModel.create(SEDGE_CONFIGS.tiny, { dtype: 'f32', engine: false, seed: 3 });
      const pool = await TrainerPool.create(1, { model: SEDGE_CONFIGS.tiny, seed: 1, inputMean: 0, inputStd: 1 - 1e-5, augment: null, background: [], splits: { train: split }, stepScales }, master);
      try {
        pool.publish(master, true);
        return (await pool.step(master, Int32Array.of(0, 1, 2, 3), { step: 0, epoch: 0, periods: null })).ceSum;
      } finally {
        await pool.close();
      }
    };
    const direct = async (stepScales: number[]) => {
      const model = await SedgeModel.create(SEDGE_CONFIGS.tiny, { dtype: 'f32', seed: 3 });
      const clips = [0, 1, 2, 3].map((i) => split.x.slice(i * 16000, (i + 1) * 16000));
      return crossEntropy(model.forward(clips, { train: true, stepScales }), [0, 1, 2, 3]).item() * 4;
    };
    const [full, coarse] = [await lossAt(), await lossAt([1, 2, 6])];
    expect(coarse).toBeCloseTo(await direct([1, 2, 6]), 4);
    expect(full).toBeCloseTo(await direct([1, 1, 1]), 4);
    expect(Math.abs(full - coarse)).toBeGreaterThan(1e-3);
  });
});

describe('train', () => {
  it('learns the tiny corpus: loss falls, validation and test reach 100 %; the best models run in the engine', async () => {
    const out = join(root, 'run');
    const config = parseConfigYaml(SMALL_YAML, 'small.yaml');
    const events: string[] = [];
    const result = await train({ config, dataDir: data, outDir: out, workers: 2, onEvent: (e) => events.push(e.type) });
    expect(result.status).toBe('done');
    expect(result.history).toHaveLength(6);
    expect(result.history[5].trainLoss).toBeLessThan(0.5 * result.history[0].trainLoss);
    expect(result.best.valAcc).toBe(1);
    expect(result.test!.map((t) => t.testAcc)).toEqual([1, 1]);
    expect(events).toContain('step');
    expect(events.filter((e) => e === 'epoch')).toHaveLength(6);
    expect(readdirSync(out).sort()).toEqual([
      'best-val-acc.safetensors', 'best-val-acc.state_dict.npz', 'best-val-loss.safetensors', 'best-val-loss.state_dict.npz',
      'config.json', 'history.csv', 'history.json', 'history.svg', 'last.ckpt', 'test.json',
    ]);
    expect(readFileSync(join(out, 'history.csv'), 'utf8').split('\n')[0]).toBe('epoch,train_loss,train_acc,valid_loss,valid_acc,learning_rate,seconds,clips_per_second');
    expect(readFileSync(join(out, 'history.svg'), 'utf8')).toMatch(new RegExp(`^<svg [^]*>best 100\\.00 % \\(epoch ${result.best.valAccEpoch}\\)</text>[^]*</svg>\n$`));
    // The exported model carries the input standardisation and classifies the test clips itself.
    const model = parseModel(new Uint8Array(readFileSync(join(out, 'best-val-acc.safetensors'))), 'best');
    expect(model.labels).toEqual(WORDS);
    expect(model.inputStd).toBeCloseTo(result.inputStd, 6);
    const net = await Network.create(model);
    const testList = readFileSync(join(data, 'testing_list.txt'), 'utf8').trim().split('\n');
    const { readClip } = await import('../../tools/data/speech-commands.js');
    for (const path of testList) expect(net.classify(readClip(join(data, path))).label).toBe(path.split('/')[0]);
  });

  it("starts from the authors' PyTorch state dict (--init-state): the run's first checkpoint holds it", async () => {
    const config = parseConfigYaml(SMALL_YAML, 'small.yaml');
    const source = await SedgeModel.create({ ...config.model, classes: 3 }, { dtype: 'f32', engine: false, seed: 99 });
    source.layers[0].bn!.runningVar.fill(2.5);
    source.layers[0].bn!.numBatchesTracked = 1234;
    const file = join(root, 'torch.state_dict.npz');
    writeFileSync(file, encodeStateDictNpz(source));
    const out = join(root, 'from-torch');
    const r = await train({ config, dataDir: data, outDir: out, initStateDict: file, stopAfterStep: 1, checkpointEverySteps: 100 });
    expect(r.status).toBe('stopped');
    const { arrays } = readCheckpointMeta(new Uint8Array(readFileSync(join(out, 'last.ckpt'))), 'last.ckpt');
    source.projectEigenvalues();
    for (const [key, want] of stateDict(source)) expect(Array.from(arrays.get(key)!.data as ArrayLike<number | bigint>), key).toEqual(Array.from(want.data as ArrayLike<number | bigint>));
  });

  it('continues a sedge model (--init-state MODEL.safetensors, norm: false) with its own input standardisation', async () => {
    const withNorm = parseConfigYaml(SMALL_YAML, 'small.yaml');
    const source = await SedgeModel.create({ ...withNorm.model, classes: 3 }, { dtype: 'f32', engine: false, seed: 99 });
    source.layers[1].bn!.runningVar.fill(2.5); // folded into B on export: the start must be the folded model
    const model = exportModel(source, { labels: WORDS, inputMean: 0.01, inputStd: 0.2 });
    const file = join(root, 'trained.safetensors');
    writeFileSync(file, encodeSafetensors(model));
    const config = parseConfigYaml(SMALL_YAML.replace('norm: true', 'norm: false'), 'small-no-norm.yaml');
    const out = join(root, 'from-sedge');
    const r = await train({ config, dataDir: data, outDir: out, initStateDict: file, stopAfterStep: 1, checkpointEverySteps: 100 });
    expect(r.status).toBe('stopped');
    expect([r.inputMean, r.inputStd]).toEqual([0.01, 0.2]);
    const { arrays } = readCheckpointMeta(new Uint8Array(readFileSync(join(out, 'last.ckpt'))), 'last.ckpt');
    for (const [key, want] of stateDictOfModel(model, file)) expect(Array.from(arrays.get(key)!.data as ArrayLike<number | bigint>), key).toEqual(Array.from(want.data as ArrayLike<number | bigint>));
    // With BatchNorm in the config, or other words, it refuses before any work.
    await expect(train({ config: withNorm, dataDir: data, outDir: join(root, 'never-5'), initStateDict: file })).rejects.toThrow(/trained\.safetensors: a sedge model has its BatchNorm folded into B; train it on with `norm: false`/);
    const otherWords = join(root, 'other-words.safetensors');
    writeFileSync(otherWords, encodeSafetensors({ ...model, labels: ['cat', 'dog', 'no'] }));
    await expect(train({ config, dataDir: data, outDir: join(root, 'never-6'), initStateDict: otherWords })).rejects.toThrow(/other-words\.safetensors: labels \[cat, dog, no\] differ from the config's \[cat, dog, yes\]/);
    await expect(train({ config, dataDir: data, outDir: join(root, 'never-7'), initStateDict: join(root, 'missing.safetensors') })).rejects.toThrow(/missing\.safetensors: cannot read \(ENOENT\)/);
    expect(existsSync(join(root, 'never-5')) || existsSync(join(root, 'never-6')) || existsSync(join(root, 'never-7'))).toBe(false);
  });

  describe('distillation (config `teacher`)', () => {
    const distilYaml = (teacher: string, weight = 1) => `${SMALL_YAML}teacher: ${teacher}\ndistill_weight: ${weight}\n`;
    let teacher: string;
    beforeAll(() => {
      teacher = join(root, 'teacher.safetensors');
      writeFileSync(teacher, readFileSync(join(root, 'run', 'best-val-acc.safetensors'))); // the learning test's model: 100 %
    });

    it('with weight 1 the labels reach the student only through the teacher, and it still learns the corpus', async () => {
      const out = join(root, 'distilled');
      const config = parseConfigYaml(distilYaml(teacher), join(root, 'distil.yaml'));
      const result = await train({ config, dataDir: data, outDir: out, workers: 2 });
      expect(result.status).toBe('done');
      expect(result.best.valAcc).toBe(1);
      const description = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
      expect(description.teacherSha256).toMatch(/^[0-9a-f]{64}$/);
      expect(readCheckpointMeta(new Uint8Array(readFileSync(join(out, 'last.ckpt'))), 'last.ckpt').meta.teacherSha256).toBe(description.teacherSha256);
    });

    it('a teacher that hears the classes in another order teaches that order (the labels are not used at weight 1)', async () => {
      const good = parseModel(new Uint8Array(readFileSync(teacher)), 'teacher');
      // Same labels, decoder rows rotated: it now calls cat clips dog, dog yes, yes cat.
      const K = good.labels.length, H = good.decoder.weight.length / K;
      const weight = new Float32Array(good.decoder.weight.length), bias = new Float32Array(K);
      for (let k = 0; k < K; k++) {
        weight.set(good.decoder.weight.subarray(k * H, (k + 1) * H), ((k + 1) % K) * H);
        bias[(k + 1) % K] = good.decoder.bias[k];
      }
      const rotated = join(root, 'rotated-teacher.safetensors');
      writeFileSync(rotated, encodeSafetensors({ ...good, decoder: { weight, bias } }));
      const result = await train({ config: parseConfigYaml(distilYaml(rotated), join(root, 'rotated.yaml')), dataDir: data, outDir: join(root, 'distilled-rotated'), workers: 2 });
      expect(result.best.valAcc).toBe(0); // 'best' of all-wrong epochs: the student learnt the teacher's order
    });

    it('teacher_step_scales: the teacher runs re-discretised at them', () => {
      const { teacher: t, teacherSha256 } = loadTeacher(parseConfigYaml(`${distilYaml(teacher)}teacher_step_scales: [2, 4]\n`, join(root, 's.yaml')), undefined);
      expect(t!.model.layers.map((l) => l.stepScale)).toEqual([2, 4]);
      expect(teacherSha256).toMatch(/^[0-9a-f]{64}$/);
    });

    it('fails before any work on a missing teacher or one with other words; a resume refuses a changed teacher', async () => {
      await expect(train({ config: parseConfigYaml(distilYaml('nope.safetensors'), join(root, 'm.yaml')), dataDir: data, outDir: join(root, 'never-7') }))
        .rejects.toThrow(/nope\.safetensors: teacher: cannot read \(ENOENT\)/);
      const model = parseModel(new Uint8Array(readFileSync(teacher)), 'teacher');
      const otherWords = join(root, 'teacher-other-words.safetensors');
      writeFileSync(otherWords, encodeSafetensors({ ...model, labels: ['cat', 'dog', 'no'] }));
      await expect(train({ config: parseConfigYaml(distilYaml(otherWords), join(root, 'o.yaml')), dataDir: data, outDir: join(root, 'never-8') }))
        .rejects.toThrow(/teacher-other-words\.safetensors: teacher: labels \[cat, dog, no\] differ from the config's \[cat, dog, yes\]/);
      expect(existsSync(join(root, 'never-7')) || existsSync(join(root, 'never-8'))).toBe(false);
      const changing = join(root, 'changing-teacher.safetensors');
      writeFileSync(changing, readFileSync(teacher));
      const out = join(root, 'distil-stopped');
      const first = await train({ config: parseConfigYaml(distilYaml(changing, 0.5), join(root, 'c.yaml')), dataDir: data, outDir: out, stopAfterStep: 3 });
      expect(first.status).toBe('stopped');
      writeFileSync(changing, encodeSafetensors({ ...model, description: 'another teacher' }));
      await expect(train({ dataDir: data, outDir: out, resume: true })).rejects.toThrow(/changing-teacher\.safetensors: teacher: the file changed since the run started/);
      await expect(train({ config: parseConfigYaml(`${distilYaml(teacher)}teacher_step_scales: [1, 2, 3]\n`, join(root, 's.yaml')), dataDir: data, outDir: join(root, 'never-9') }))
        .rejects.toThrow(/teacher\.safetensors: teacher_step_scales: step scales \[1,2,3\] have 3 entries, the model has 2 layers/);
    });
  });

  describe('bad input fails before any work', () => {
    const config = () => parseConfigYaml(SMALL_YAML, 'small.yaml');
    it('a missing data folder', async () => {
      const out = join(root, 'never-1');
      await expect(train({ config: config(), dataDir: join(root, 'nope'), outDir: out })).rejects.toThrow(/data folder not found/);
      expect(existsSync(out)).toBe(false);
    });
    it('a corrupt WAV (named), without creating the output folder', async () => {
      const bad = join(root, 'bad-data');
      writeCorpus(bad, 5);
      writeFileSync(join(bad, 'dog/s1_nohash_1.wav'), 'RIFF....WAVEjunk');
      const out = join(root, 'never-2');
      await expect(train({ config: config(), dataDir: bad, outDir: out })).rejects.toThrow(/dog\/s1_nohash_1\.wav: corrupt WAV/);
      expect(existsSync(out)).toBe(false);
    });
    it('a label list that does not match the data, or the model of --init-state', async () => {
      const fourWords = parseConfigYaml(SMALL_YAML.replace('labels: [cat, dog, yes]\nclasses: 3', 'labels: [cat, dog, yes, no]'), 'four.yaml');
      await expect(train({ config: fourWords, dataDir: data, outDir: join(root, 'never-3') })).rejects.toThrow(/no folder for label\(s\) no/);
      const stateDict = join(root, 'other.state_dict.npz');
      const other = await SedgeModel.create({ ...config().model, classes: 5 }, { dtype: 'f32', engine: false });
      writeFileSync(stateDict, encodeStateDictNpz(other));
      await expect(train({ config: config(), dataDir: data, outDir: join(root, 'never-4'), initStateDict: stateDict }))
        .rejects.toThrow(/does not fit the small.yaml model: .*decoder.weight' has shape \[5,6\], the model expects \[3,6\]/);
    });
    it('a non-empty output folder without --resume or --force; --resume with nothing to resume', async () => {
      const out = join(root, 'busy');
      mkdirSync(out);
      writeFileSync(join(out, 'notes.txt'), 'mine');
      await expect(train({ config: config(), dataDir: data, outDir: out })).rejects.toThrow(/not empty; pass --resume .* or --force/);
      await expect(train({ config: config(), dataDir: data, outDir: out, resume: true })).rejects.toThrow(/nothing to resume/);
      expect(readdirSync(out)).toEqual(['notes.txt']);
    });
    it('resuming with another config or epoch count names the difference', async () => {
      const out = join(root, 'run'); // from the learning test
      const other = parseConfigYaml(SMALL_YAML.replace('learning_rate: 0.03', 'learning_rate: 0.01'), 'other.yaml');
      await expect(train({ config: other, dataDir: data, outDir: out, resume: true })).rejects.toThrow(/different run \(learningRate: 0.03 there, 0.01 now\)/);
      await expect(train({ dataDir: data, outDir: out, resume: true, epochs: 9 })).rejects.toThrow(/has 6 epochs, not 9/);
      await expect(train({ dataDir: data, outDir: out, resume: true, workers: 1 })).rejects.toThrow(/uses 2 worker/);
      await expect(train({ dataDir: data, outDir: out, resume: true, epochs: 6, reschedule: true })).rejects.toThrow(/--reschedule needs an --epochs other than the run's 6/);
      await expect(train({ dataDir: data, outDir: out, resume: true, epochs: 5, reschedule: true })).rejects.toThrow(/at step 42 .*--epochs 5 would end before it/);
    });
  });

  it('--reschedule lengthens a run on resume and records it', async () => {
    const out = join(root, 'run'); // the 6-epoch run of the learning test
    const result = await train({ dataDir: data, outDir: out, resume: true, epochs: 8, reschedule: true });
    expect(result).toMatchObject({ status: 'done', epochsDone: 8 });
    expect(result.history.map((h) => h.epoch)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const { meta } = readCheckpointMeta(new Uint8Array(readFileSync(join(out, 'last.ckpt'))), 'last.ckpt');
    expect(meta.extensions).toEqual([{ atStep: 42, fromEpochs: 6, toEpochs: 8 }]);
    expect(meta.config.epochs).toBe(8);
    expect(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'))).toMatchObject({ config: { epochs: 8 }, extensions: meta.extensions });
  });

  it('--reschedule shortens a run stopped mid-way: the cosine then ends at the new last step', async () => {
    const out = join(root, 'shortened');
    const first = await train({ config: parseConfigYaml(SMALL_YAML, 'small.yaml'), dataDir: data, outDir: out, stopAfterStep: 10, checkpointEverySteps: 5 });
    expect(first.status).toBe('stopped');
    const result = await train({ dataDir: data, outDir: out, resume: true, epochs: 3, reschedule: true });
    expect(result).toMatchObject({ status: 'done', epochsDone: 3 });
    const { meta } = readCheckpointMeta(new Uint8Array(readFileSync(join(out, 'last.ckpt'))), 'last.ckpt');
    expect(meta.extensions).toEqual([{ atStep: 10, fromEpochs: 6, toEpochs: 3 }]);
    expect(meta.globalStep).toBe(3 * meta.stepsPerEpoch);
    expect(result.history[2].lr).toBeLessThan(0.02 * 0.03); // the last step runs at the end of the new cosine (the 6-epoch one: 0.62·lr)
  });
});

