/**
 * The authors' PyTorch state dict (golden README §3.5) in and out, and the 5-step training
 * replication of README §3.7 (train-mode BatchNorm with running-stat updates, the authors' loss,
 * AdamW in two groups) against `tiny.train_final_state_dict.npz`.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseNpz } from '../../src/model/npy.js';
import { sedgeLoss } from '../../tools/autograd/loss.js';
import { SedgeModel, SEDGE_CONFIGS } from '../../tools/train/model.js';
import { AdamW, isSsmParameter, sedgeParamGroups } from '../../tools/train/optim.js';
import { encodeStateDictNpz, loadStateDict, loadStateDictNpz, stateDict, stateDictOfModel } from '../../tools/train/state-dict.js';
import { exportModel } from '../../tools/export/to-model.js';
import { parseModel } from '../../src/model/parse.js';
import { modelFromModelDict } from '../../src/model/model-dict.js';
import { goldenNpz, readGolden } from './helpers.js';

const REPLICATION_TOL = 1e-4; // absolute (README §3.7/§7; observed 2.4e-5 in f64 and f32)
/** Per-step cross-entropy of the authors' run (README §1 table) and the regulariser (§3.7). */
const GOLDEN_CE = [3.138, 2.274, 1.587, 1.239, 1.122];
const GOLDEN_REG = [0.004261, 0.0044, 0.004992, 0.006293, 0.008164];

describe('state dict', () => {
  it.each(['tiny', 'small'] as const)('%s: import then export gives back every key, in order, with dtype, shape and value', async (config) => {
    const file = `${config}.state_dict.npz`;
    const model = await SedgeModel.create(SEDGE_CONFIGS[config], { dtype: 'f32' });
    loadStateDictNpz(model, readGolden(file), { name: file });
    const original = goldenNpz(file);
    const again = parseNpz(encodeStateDictNpz(model), 'exported.npz');
    expect([...again.keys()]).toEqual([...original.keys()]);
    for (const [key, a] of original) {
      const b = again.get(key)!;
      expect(b.dtype, key).toBe(a.dtype);
      expect(b.shape, key).toEqual(a.shape);
      expect(Array.from(b.data as ArrayLike<number | bigint>), key).toEqual(Array.from(a.data as ArrayLike<number | bigint>));
    }
  });

  it('applies both Λ projections on import (README §8 item 1: a raw checkpoint may hold Im Λ < 0)', async () => {
    const raw = goldenNpz('tiny.train_final_state_dict.npz');
    const lambda = raw.get('seq.1.s5.seq.Lambda')!.data as Float32Array;
    expect(Array.from(lambda).some((v, k) => k % 2 === 1 && v < 0)).toBe(true);
    const model = await SedgeModel.create(SEDGE_CONFIGS.tiny, { dtype: 'f64' });
    loadStateDict(model, raw);
    const loaded = model.layers[1].lambda.data;
    for (let k = 0; k < loaded.length; k++) expect(loaded[k]).toBe(k % 2 === 0 ? -Math.abs(lambda[k]) : Math.abs(lambda[k]));
  });

  it('refuses missing or unknown keys and wrong shapes, and then leaves the model untouched', async () => {
    const model = await SedgeModel.create(SEDGE_CONFIGS.tiny, { dtype: 'f64' });
    const before = Array.from(model.decoderBias.data);
    const good = goldenNpz('tiny.state_dict.npz');
    const missing = new Map(good);
    missing.delete('seq.2.s5.seq.C');
    expect(() => loadStateDict(model, missing, { name: 'x.npz' })).toThrow("x.npz: missing 'seq.2.s5.seq.C'");
    const extra = new Map(good).set('seq.3.s5.seq.C', good.get('seq.2.s5.seq.C')!);
    expect(() => loadStateDict(model, extra)).toThrow(/unknown keys seq\.3\.s5\.seq\.C/);
    const small = goldenNpz('small.state_dict.npz');
    expect(() => loadStateDict(model, small)).toThrow(/has shape \[24,2\], the model expects \[16,2\]|unknown keys/);
    expect(Array.from(model.decoderBias.data)).toEqual(before);
  });
});

describe('a sedge model as a training start (train --init-state MODEL.safetensors)', () => {
  const shipped = () => parseModel(new Uint8Array(readFileSync('models/sedge-tiny.safetensors')), 'sedge-tiny.safetensors');

  it('the shipped model, loaded into a BatchNorm-free Tiny and exported again, is the same model, bit for bit', async () => {
    const model = shipped();
    const trainer = await SedgeModel.create({ ...SEDGE_CONFIGS.tiny, batchNorm: false }, { dtype: 'f32' });
    loadStateDict(trainer, stateDictOfModel(model, 'sedge-tiny.safetensors'));
    const again = exportModel(trainer, { labels: model.labels, inputMean: model.inputMean, inputStd: model.inputStd });
    model.layers.forEach((l, j) => {
      const a = again.layers[j];
      for (const k of ['aRe', 'aIm', 'bRe', 'bIm', 'biasBRe', 'biasBIm', 'cRe', 'cIm', 'biasCRe', 'biasCIm', 'skip'] as const) {
        expect(Array.from(a[k]!), `layer ${j} ${k}`).toEqual(Array.from(l[k]!));
      }
      for (const k of Object.keys(l.continuous!) as (keyof typeof l.continuous & string)[]) {
        expect(Array.from(a.continuous![k]), `layer ${j} continuous ${k}`).toEqual(Array.from(l.continuous![k]));
      }
    });
    expect(Array.from(again.decoder.weight)).toEqual(Array.from(model.decoder.weight));
    expect(Array.from(again.decoder.bias)).toEqual(Array.from(model.decoder.bias));
  });

  it('refuses a model without continuous parameters (a model_dict.npy), naming the layer', () => {
    const model = modelFromModelDict(readGolden('tiny_1-1-1.npy'), { name: 'tiny_1-1-1.npy' });
    expect(() => stateDictOfModel(model, 'tiny_1-1-1.npy')).toThrow(/tiny_1-1-1\.npy: layer 0 has no continuous parameters/);
  });

  it('a shape mismatch (Tiny into Small) is refused by the loader', async () => {
    const small = await SedgeModel.create({ ...SEDGE_CONFIGS.small, batchNorm: false }, { dtype: 'f32' });
    expect(() => loadStateDict(small, stateDictOfModel(shipped(), 'sedge-tiny.safetensors'))).toThrow(/has shape|missing|unknown keys/);
  });
});

describe('training replication (README §3.7)', () => {
  it('splits the parameters into the authors\' two AdamW groups by name', async () => {
    const model = await SedgeModel.create(SEDGE_CONFIGS.tiny, { dtype: 'f64' });
    const [ssm, other] = sedgeParamGroups(model.parameters(), 0.002, 0.04);
    expect(ssm.params.map((p) => p.name.replace(/^seq\.\d\./, '')).filter((n, k, a) => a.indexOf(n) === k))
      .toEqual(['s5.seq.Lambda', 's5.seq.log_step', 's5.seq.B_bias', 's5.seq.C_bias', 's5.seq.B', 's5.seq.C']);
    expect(other.params.map((p) => p.name)).toContain('seq.0.attn_norm.bias');
    expect([ssm.lr, ssm.weightDecay, other.lr, other.weightDecay]).toEqual([0.002, 0, 0.008, 0.04]);
    expect(isSsmParameter('decoder.bias')).toBe(false);
  });

  it.each(['f64', 'f32'] as const)('%s: 5 AdamW steps from the initial state reach the authors\' final state', async (dtype) => {
    const model = await SedgeModel.create(SEDGE_CONFIGS.tiny, { dtype });
    loadStateDictNpz(model, readGolden('tiny.train_init_state_dict.npz'));
    const batch = goldenNpz('train_batch.npz');
    const x = batch.get('x')!.data as Float32Array;
    const labels = Array.from(batch.get('y')!.data as BigInt64Array, Number);
    const clips = labels.map((_, b) => x.subarray(b * 16000, (b + 1) * 16000));
    const optimizer = new AdamW(sedgeParamGroups(model.parameters(), 0.002, 0.04));
    for (let step = 0; step < 5; step++) {
      optimizer.zeroGrad();
      const { loss, crossEntropy, penalty } = sedgeLoss(model.forward(clips, { train: true }), labels, model.decoderWeight);
      expect(crossEntropy.item()).toBeCloseTo(GOLDEN_CE[step], 3);
      expect(penalty.item()).toBeCloseTo(GOLDEN_REG[step], 6);
      loss.backward();
      optimizer.step();
    }
    const ours = stateDict(model);
    for (const [key, ref] of goldenNpz('tiny.train_final_state_dict.npz')) {
      const mine = ours.get(key)!.data;
      let worst = 0;
      for (let k = 0; k < ref.data.length; k++) worst = Math.max(worst, Math.abs(Number(mine[k]) - Number(ref.data[k])));
      expect(worst, key).toBeLessThan(REPLICATION_TOL);
    }
  });
});
