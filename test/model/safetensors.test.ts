import { describe, expect, it } from 'vitest';
import { ModelFormatError } from '../../src/errors.js';
import { modelFromModelDict } from '../../src/model/model-dict.js';
import type { Model } from '../../src/model/model.js';
import { encodeSafetensorsContainer, readSafetensorsContainer } from '../../src/model/safetensors-container.js';
import { encodeSafetensors, modelFromSafetensors } from '../../src/model/safetensors.js';
import { seededRandom, SHAPES, syntheticModel } from '../helpers/synthetic-model.js';
import { GOLDEN_DICTS, readGolden } from './golden.js';
import { expectSameModel, sameBytes } from './same-model.js';

const golden = (file: string) => modelFromModelDict(readGolden(file), { name: file });

/** Plausible continuous parameters (Re Λ < 0), seeded so that runs are identical. */
function withContinuous(model: Model, seed = 3): Model {
  const rand = seededRandom(seed);
  const fill = (n: number, lo: number, hi: number) => Float32Array.from({ length: n }, () => lo + (hi - lo) * rand());
  for (const l of model.layers) {
    const { stateSize: P, inputSize: I } = l;
    l.continuous = {
      lambdaRe: fill(P, -1, -0.01), lambdaIm: fill(P, 0, 20), logStep: fill(P, Math.log(1e-3), Math.log(1e-1)),
      bRe: fill(P * I, -1, 1), bIm: fill(P * I, -1, 1), biasBRe: fill(P, -1, 1), biasBIm: fill(P, -1, 1),
    };
  }
  return model;
}

/** Rewrites the JSON header of a safetensors file, keeping its data section. */
function editHeader(bytes: Uint8Array, edit: (header: Record<string, any>) => void): Uint8Array {
  return editHeaderText(bytes, (text) => {
    const header = JSON.parse(text);
    edit(header);
    return JSON.stringify(header);
  });
}

function editHeaderText(bytes: Uint8Array, edit: (text: string) => string): Uint8Array {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const json = new TextEncoder().encode(edit(new TextDecoder().decode(bytes.subarray(8, 8 + n))));
  const out = new Uint8Array(8 + json.length + bytes.length - 8 - n);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(bytes.subarray(8 + n), 8 + json.length);
  return out;
}

const small = () => encodeSafetensors(syntheticModel(SHAPES.tiny, [1, 2, 4]));
const expectError = (bytes: Uint8Array, substring: string) => {
  const f = () => modelFromSafetensors(bytes, 'm.safetensors');
  expect(f).toThrow(ModelFormatError);
  expect(f).toThrow(/^m\.safetensors: /);
  expect(f).toThrow(substring);
};

describe('safetensors round trip', () => {
  for (const file of GOLDEN_DICTS) {
    for (const continuous of [false, true]) {
      it(`${file}${continuous ? ' with continuous parameters' : ''}: bit-exact tensors and metadata`, () => {
        const model = continuous ? withContinuous(golden(file)) : golden(file);
        const bytes = encodeSafetensors(model);
        const back = modelFromSafetensors(bytes, file);
        expectSameModel(back, model);
        expect(sameBytes(encodeSafetensors(back), bytes)).toBe(true);
        expect(back.layers.map((l) => l.skip === null)).toEqual(model.layers.map((l) => l.skip === null));
      });
    }
  }

  it('keeps standardisation, labels, description and odd float values exactly', () => {
    const m = syntheticModel({ ...SHAPES.tiny, classes: 3 }, [2, 6, 12]);
    Object.assign(m, { inputMean: 0.1 + 0.2, inputStd: 1 / 3, sampleRateHz: 8000.5, clipSamples: 12345, labels: ['ja', 'nein', 'ünknown "x"'], description: 'tëst\n' });
    m.layers[0].bRe[0] = -0;
    m.layers[0].bRe[1] = 1.401298464324817e-45; // smallest float32 subnormal
    const back = modelFromSafetensors(encodeSafetensors(m), 'm');
    expectSameModel(back, m);
    expect(Object.is(back.layers[0].bRe[0], -0)).toBe(true);
  });

  it('writes a header that is valid JSON, space-padded so that data starts 8-aligned', () => {
    const bytes = small();
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(n % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
    expect(header.__metadata__).toMatchObject({ format: 'sedge', format_version: '1', architecture: 's-edge', step_scales: '[1,2,4]', input_mean: 'null' });
    expect(header['layers.1.B']).toEqual({ dtype: 'F32', shape: [16, 8, 2], data_offsets: expect.any(Array) });
    expect(JSON.parse(header.__metadata__.layer_sizes)[1]).toEqual({ in: 8, state: 16, out: 32 });
  });

  it('the bit-exact comparison notices one flipped bit', () => {
    const a = syntheticModel(SHAPES.tiny, [1, 1, 1]);
    const b = syntheticModel(SHAPES.tiny, [1, 1, 1]);
    new Uint32Array(b.layers[2].cIm.buffer)[7] ^= 1;
    expect(() => expectSameModel(a, b)).toThrow();
  });

  it('reads tensors in any header order (as Python writes them, sorted)', () => {
    const { metadata, tensors } = readSafetensorsContainer(small(), 'm');
    const sorted = new Map([...tensors].sort(([a], [b]) => (a < b ? -1 : 1)).reverse());
    expectSameModel(modelFromSafetensors(encodeSafetensorsContainer({ metadata, tensors: sorted }), 'm'), modelFromSafetensors(small(), 'm'));
  });
});

describe('safetensors reader refuses bad files', () => {
  it('container damage', () => {
    const bytes = small();
    const lying = bytes.slice();
    new DataView(lying.buffer).setBigUint64(0, 1n << 40n, true);
    expectError(lying, 'safetensors header length 1099511627776 runs past the end');
    expectError(editHeader(bytes, (h) => { h['layers.0.A'].dtype = 'F16'; }), `tensor 'layers.0.A' has dtype "F16"; only F32 is supported`);
    expectError(editHeader(bytes, (h) => { h['layers.0.A'].shape = [33, 2]; }), "tensor 'layers.0.A' of shape [33,2] needs 264 bytes, data_offsets give 256");
    expectError(editHeader(bytes, (h) => { h['layers.0.A'].data_offsets = [0, 1e9]; }), 'lie outside the');
    expectError(editHeader(bytes, (h) => { h['layers.0.B'].data_offsets = h['layers.0.A'].data_offsets; }), 'must be contiguous and must not overlap');
    expectError(editHeader(bytes, (h) => { h['layers.0.A'].shape = [4294967296, 4294967296, 2]; }), 'has more than');
    expectError(bytes.subarray(0, bytes.length - 4), 'lie outside the');
    // JSON nested a million deep: JSON.parse copes, but JSON.stringify/String of it would overflow the stack.
    const deep = '['.repeat(1e6) + ']'.repeat(1e6);
    const firstA = (text: string) => text.indexOf('"dtype":"F32"', text.indexOf('"layers.0.A"'));
    expectError(editHeaderText(bytes, (t) => `${t.slice(0, firstA(t))}"dtype":${deep}${t.slice(firstA(t) + 13)}`), "tensor 'layers.0.A' has dtype an array of 1 items");
    const garbage = editHeader(bytes, () => {});
    garbage[9] = 0x7b; // '{{'
    expectError(garbage, 'safetensors header is not valid UTF-8 JSON');
  });

  it('tensors that do not belong', () => {
    const bytes = small();
    const { metadata, tensors } = readSafetensorsContainer(bytes, 'm');
    const extra = (name: string, shape = [1]) => encodeSafetensorsContainer({ metadata, tensors: new Map([...tensors, [name, { shape, data: new Float32Array(shape.reduce((a, b) => a * b)) }]]) });
    expectError(extra('layers.0.D'), "unknown tensor 'layers.0.D'");
    expectError(extra('layers.3.A', [8, 2]), "tensor 'layers.3.A' is for layer 3, but layer_sizes lists 3 layers");
    expectError(extra('layers.1.continuous.Lambda', [16, 2]), 'layer 1 has only some continuous tensors (layers.1.continuous.Lambda)');
    const without = new Map(tensors);
    without.delete('layers.2.C');
    expectError(encodeSafetensorsContainer({ metadata, tensors: without }), "tensor 'layers.2.C' is missing");
    const reshaped = new Map(tensors);
    reshaped.set('layers.2.C', { shape: [8, 64, 2], data: tensors.get('layers.2.C')!.data });
    expectError(encodeSafetensorsContainer({ metadata, tensors: reshaped }), "tensor 'layers.2.C' has shape [8,64,2], expected [64,8,2]");
  });

  it('metadata that is missing or disagrees with the tensors', () => {
    const bytes = small();
    const meta = (edit: (m: Record<string, string>) => void) => editHeader(bytes, (h) => edit(h.__metadata__));
    expectError(meta((m) => { m.format = 'gguf'; }), 'not a sedge model (metadata format "gguf"');
    expectError(meta((m) => { m.format_version = '2'; }), 'format_version "2" is not supported');
    expectError(meta((m) => { delete m.labels; }), "metadata 'labels' is missing");
    expectError(meta((m) => { m.labels = '["a",'; }), "metadata 'labels' is not valid JSON");
    expectError(meta((m) => { m.labels = '["a"]'; }), 'has 1 labels but the decoder has K=35 classes');
    expectError(meta((m) => { m.step_scales = '[1,2]'; }), 'metadata has 2 step_scales but 3 layer_sizes');
    expectError(meta((m) => { m.step_scales = '[2,3,6]'; }), 'step scales [2,3,6] do not nest');
    expectError(meta((m) => { m.layer_sizes = '[{"in":1,"state":32,"out":8},{"in":8,"state":16,"out":32},{"in":32,"state":9,"out":64}]'; }),
      "tensor 'layers.2.A' has shape [8,2], expected [9,2]");
    expectError(meta((m) => { m.sample_rate_hz = '"16k"'; }), "metadata 'sample_rate_hz' is \"16k\", expected a number");
    expectError(meta((m) => { m.input_std = '0'; m.input_mean = '0'; }), 'inputStd must be a positive number, got 0');
  });

  it('NaN weights and |A| ≥ 1', () => {
    const { metadata, tensors } = readSafetensorsContainer(small(), 'm');
    const patched = (tensor: string, index: number, value: number) => {
      const copy = new Map([...tensors].map(([k, t]) => [k, { shape: t.shape, data: t.data.slice() }]));
      copy.get(tensor)!.data[index] = value;
      return encodeSafetensorsContainer({ metadata, tensors: copy });
    };
    expectError(patched('layers.1.C', 2 * (3 * 16 + 4) + 1, NaN), "layer 1 'cIm'[3, 4] is NaN");
    expectError(patched('decoder.bias', 34, Infinity), 'decoder bias[34] is Infinity');
    expectError(patched('layers.2.A', 2 * 5, 1.5), 'layer 2 state 5 has |A| = ');
  });

  it('every prefix of a small file gives a ModelFormatError', () => {
    const bytes = encodeSafetensors(syntheticModel({ P: [2], H: [2], classes: 2 }, [1]));
    for (let n = 0; n < bytes.length; n++) expect(() => modelFromSafetensors(bytes.subarray(0, n), 'p')).toThrow(ModelFormatError);
  });
});
