import { describe, expect, it } from 'vitest';
import { ModelFormatError } from '../../src/errors.js';
import { modelFromModelDict } from '../../src/model/model-dict.js';
import { SPEECH_COMMANDS_LABELS } from '../../src/model/model.js';
import { encodeNpy } from '../../src/model/npy.js';
import { SHAPES, syntheticModel } from '../helpers/synthetic-model.js';
import { GOLDEN_EXPORTS, readGolden } from './golden.js';
import { deepLists, modelDictInput, saveObjectNpy, type PickleInput } from './pickle-writer.js';
import { expectSameModel } from './same-model.js';

const load = (file: string, options: Partial<Parameters<typeof modelFromModelDict>[1]> = {}) =>
  modelFromModelDict(readGolden(file), { name: file, ...options });

describe('golden model dicts', () => {
  for (const e of GOLDEN_EXPORTS) {
    it(`${e.dictFile}: shapes, step scales and skips as in manifest.json`, () => {
      const m = load(e.dictFile);
      expect(m.layers.map((l) => l.stateSize)).toEqual(e.P);
      expect(m.layers.map((l) => l.outputSize)).toEqual(e.H);
      expect(m.layers.map((l) => l.inputSize)).toEqual([1, ...e.H.slice(0, -1)]);
      expect(m.layers.map((l) => l.stepScale)).toEqual(e.stepScales);
      // Full's complex128 ones are the non-trainable placeholder; the others are trained matrices.
      expect(m.layers.map((l) => l.skip === null)).toEqual(e.P.map(() => !e.trainableSkip));
      expect(m.decoder.weight).toHaveLength(35 * e.H[e.H.length - 1]);
      expect(m.labels).toEqual(SPEECH_COMMANDS_LABELS);
      expect(m.sampleRateHz).toBe(16000);
      expect(m.clipSamples).toBe(16000);
      expect(m.inputMean).toBeNull();
      expect(m.inputStd).toBeNull();
    });
  }

  it('the numpy-2 re-save gives byte-identical tensors', () => {
    expectSameModel(load('tiny_1-1-1.numpy2.npy'), load('tiny_1-1-1.npy'), true);
  });

  it('keeps the exact float32 values and the skip real parts', () => {
    const m = load('tiny_1-9-54.npy');
    const again = modelFromModelDict(saveObjectNpy(modelDictInput(m)), { name: 'rewritten.npy' });
    expectSameModel(again, m, true);
    expect(m.layers[1].skip).toHaveLength(32 * 8);
    expect(m.layers[0].aRe.every((v, p) => Math.hypot(v, m.layers[0].aIm[p]) < 1)).toBe(true);
  });
});

describe('the SkipLayer pitfall (spec §2.3)', () => {
  const base = () => syntheticModel(SHAPES.tiny, [1, 1, 1], 7);
  const ones = (dtype: '<c8' | '<c16', H: number, I: number, im = 0) => {
    const values = Array.from({ length: 2 * H * I }, (_, k) => (k % 2 ? im : 1));
    return { array: { dtype, shape: [H, I], data: dtype === '<c8' ? Float32Array.from(values) : Float64Array.from(values) } };
  };
  const withSkip = (skip: PickleInput | undefined) => {
    const dict = modelDictInput(base());
    if (skip === undefined) dict.get(0)!.delete('SkipLayer');
    else dict.get(0)!.set('SkipLayer', skip);
    return modelFromModelDict(saveObjectNpy(dict), { name: 'skip.npy' }).layers[0].skip;
  };
  it('complex128 all ones → identity (null)', () => expect(withSkip(ones('<c16', 8, 1))).toBeNull());
  it('complex64 all ones is a trained matrix', () => expect(withSkip(ones('<c8', 8, 1))).toEqual(new Float32Array(8).fill(1)));
  it('a missing SkipLayer → identity', () => expect(withSkip(undefined)).toBeNull());
  it('a non-zero imaginary part is refused', () => {
    expect(() => withSkip(ones('<c16', 8, 1, 0.5))).toThrow("skip.npy: layer 0 'SkipLayer'[0, 0] has imaginary part 0.5; the skip must be real");
  });
  it('complex128 that is not all ones is a matrix', () => {
    const s = ones('<c16', 8, 1);
    s.array.data[4] = 2;
    expect(withSkip(s)).toEqual(Float32Array.of(1, 1, 2, 1, 1, 1, 1, 1));
  });
});

describe('malformed model dicts', () => {
  const tiny = () => load('tiny_1-1-1.npy');
  const expectError = (edit: (d: ReturnType<typeof modelDictInput>) => void, substring: string, options = {}) => {
    const dict = modelDictInput(tiny());
    edit(dict);
    const f = () => modelFromModelDict(saveObjectNpy(dict), { name: 'tiny.npy', ...options });
    expect(f).toThrow(ModelFormatError);
    expect(f).toThrow(`tiny.npy: ${substring}`);
  };
  const c8 = (shape: number[]): PickleInput => ({ array: { dtype: '<c8', shape, data: new Float32Array(2 * shape.reduce((a, b) => a * b, 1)) } });

  it('shapes that disagree', () => {
    expectError((d) => d.get(2)!.set('C', c8([64, 16])), "layer 2 'C' has shape [64,16], expected [64,8] (H=64, P=8)");
    expectError((d) => d.get(1)!.set('B', c8([16, 9])), "layer 1 'B' has shape [16,9], expected [16,8] (P=16, I=8, H of layer 0)");
    expectError((d) => d.get(0)!.set('B_bias', c8([31])), "layer 0 'B_bias' has shape [31], expected [32] (P=32)");
    expectError((d) => d.get(2)!.set('SkipLayer', c8([64, 8])), "layer 2 'SkipLayer' has shape [64,8], expected [64,32] (H=64, I=32, H of layer 1)");
    expectError((d) => d.get(3)!.set('W', { array: { dtype: '<f4', shape: [35, 32], data: new Float32Array(35 * 32) } }),
      "decoder 'W' has shape [35,32], expected [35,64] (K=35, H of layer 2 = 64)");
  });
  it('wrong dtypes', () => {
    expectError((d) => d.get(1)!.set('A', { array: { dtype: '<c16', shape: [16], data: new Float64Array(32) } }), "layer 1 'A' has dtype '<c16', expected '<c8' (complex64)");
    expectError((d) => d.get(3)!.set('b', { array: { dtype: '<f8', shape: [35], data: new Float64Array(35) } }), "decoder 'b' has dtype '<f8', expected '<f4' (float32)");
    expectError((d) => d.get(0)!.set('SkipLayer', { array: { dtype: '<f4', shape: [8, 1], data: new Float32Array(8) } }), "layer 0 'SkipLayer' has dtype '<f4'");
  });
  it('missing, unknown and wrongly typed entries', () => {
    expectError((d) => d.get(1)!.delete('C_bias'), "layer 1 is missing 'C_bias'");
    expectError((d) => d.get(1)!.set('Activation', 'Norm'), 'layer 1 has unknown key "Activation"');
    expectError((d) => d.get(0)!.set('step_scale', '2'), `layer 0 'step_scale' is "2", expected a positive int`);
    // A list whose last item nests 100 000 deep: String() of it would overflow the call stack.
    expectError((d) => d.get(0)!.set('step_scale', { raw: [0x5d, 0x28, ...deepLists(100_000), 0x65] }), "layer 0 'step_scale' is a list of 100000 items, expected a positive int");
    expectError((d) => d.get(0)!.set('step_scale', 0), "layer 0 'step_scale' is 0, expected a positive int");
    expectError((d) => d.delete(2), 'top-level keys [0,1,3] are not the integers 0..L');
    expectError((d) => d.set(1, [] as never), 'layer 1 is not a dict');
    expectError((d) => d.get(0)!.set('A', 'not an array'), "layer 0 'A' is not a numeric array");
  });
  it('non-finite weights, unstable states and step scales that do not nest', () => {
    expectError((d) => {
      const m = tiny();
      m.layers[0].aRe[3] = NaN;
      d.set(0, modelDictInput(m).get(0)!);
    }, "layer 0 'aRe'[3] is NaN");
    expectError((d) => {
      const m = tiny();
      m.layers[1].aRe[2] = 1;
      m.layers[1].aIm[2] = 0;
      d.set(1, modelDictInput(m).get(1)!);
    }, 'layer 1 state 2 has |A| = 1 ≥ 1');
    expectError((d) => [2, 3, 6].forEach((s, i) => d.get(i)!.set('step_scale', s)), 'step scales [2,3,6] do not nest');
  });
  it('label counts', () => {
    expectError(() => {}, '3 labels were given but the decoder has K=35 classes', { labels: ['a', 'b', 'c'] });
    const ten = syntheticModel({ ...SHAPES.tiny, classes: 10 }, [1, 1, 1]);
    const bytes = saveObjectNpy(modelDictInput(ten));
    expect(() => modelFromModelDict(bytes, { name: 'ten.npy' })).toThrow('ten.npy: the decoder has K=10 classes; pass labels');
    const labels = Array.from({ length: 10 }, (_, k) => `w${k}`);
    expect(modelFromModelDict(bytes, { name: 'ten.npy', labels }).labels).toEqual(labels);
  });
  it('files that are not a pickled dict', () => {
    const plain = encodeNpy({ dtype: '<f4', shape: [2], data: new Float32Array(2) });
    expect(() => modelFromModelDict(plain, { name: 'x.npy' })).toThrow("x.npy: is a plain '<f4' array of shape [2], not a pickled model dict");
    expect(() => modelFromModelDict(saveObjectNpy([1, 2]), { name: 'x.npy' })).toThrow('x.npy: the pickle is not a 0-d object array holding a dict');
  });
  it('every prefix of a small model dict gives a ModelFormatError', () => {
    const bytes = saveObjectNpy(modelDictInput(syntheticModel({ P: [2], H: [2], classes: 2 }, [1])));
    for (let n = 0; n < bytes.length; n++) {
      expect(() => modelFromModelDict(bytes.subarray(0, n), { name: 'p.npy', labels: ['a', 'b'] })).toThrow(ModelFormatError);
    }
  });
});
