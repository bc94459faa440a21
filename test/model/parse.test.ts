import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ModelFormatError } from '../../src/errors.js';
import * as modelApi from '../../src/model/index.js';
import { encodeNpy } from '../../src/model/npy.js';
import { parseModel } from '../../src/model/parse.js';
import { encodeSafetensors } from '../../src/model/safetensors.js';
import { loadModel } from '../../src/node/load-model.js';
import { SHAPES, syntheticModel } from '../helpers/synthetic-model.js';
import { GOLDEN_DIR, readGolden } from './golden.js';
import { modelDictInput, saveObjectNpy } from './pickle-writer.js';
import { expectSameModel } from './same-model.js';

const scratch = mkdtempSync(join(tmpdir(), 'sedge-parse-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('parseModel', () => {
  it('picks the reader by magic', () => {
    const fromDict = parseModel(readGolden('tiny_1-9-54.npy'), 'tiny_1-9-54.npy');
    expect(fromDict.layers.map((l) => l.stepScale)).toEqual([1, 9, 54]);
    expectSameModel(parseModel(encodeSafetensors(fromDict), 'tiny.safetensors'), fromDict);
  });

  it('reads a Node Buffer (whose slice() is a view, not a copy) like a Uint8Array', () => {
    const dictBytes = readGolden('tiny_1-9-54.npy');
    const fromDict = parseModel(dictBytes, 'tiny_1-9-54.npy');
    const tensorBytes = encodeSafetensors(fromDict);
    // Buffers from a shared pool, as readFileSync returns for small files: the bytes sit at an offset in a larger ArrayBuffer.
    const inPool = (bytes: Uint8Array) => Buffer.concat([Buffer.alloc(3, 7), Buffer.from(bytes)]).subarray(3);
    expectSameModel(parseModel(inPool(dictBytes), 'tiny_1-9-54.npy'), fromDict);
    expectSameModel(parseModel(inPool(tensorBytes), 'tiny.safetensors'), fromDict);
  });

  it.each([
    ['empty', new Uint8Array(0)],
    ['text', new TextEncoder().encode('hello, world, this is not a model')],
    ['JSON without a length', new TextEncoder().encode('{"__metadata__": {}}')],
    ['zip', Uint8Array.of(0x50, 0x4b, 3, 4, 0, 0, 0, 0, 0, 0, 0, 0)],
  ])('refuses %s as "not a model_dict.npy or .safetensors file"', (_what, bytes) => {
    expect(() => parseModel(bytes, 'x.bin')).toThrow(ModelFormatError);
    expect(() => parseModel(bytes, 'x.bin')).toThrow('x.bin: not a model_dict.npy or .safetensors file');
  });

  it('refuses a plain .npy array', () => {
    expect(() => parseModel(encodeNpy({ dtype: '<f4', shape: [1], data: new Float32Array(1) }), 'w.npy')).toThrow("w.npy: is a plain '<f4' array");
  });

  it('passes labels and sample rate to both readers', () => {
    const ten = syntheticModel({ ...SHAPES.tiny, classes: 10 }, [1, 1, 1]);
    const labels = Array.from({ length: 10 }, (_, k) => `word${k}`);
    const dict = parseModel(saveObjectNpy(modelDictInput(ten)), 'ten.npy', { labels, sampleRateHz: 8000 });
    expect(dict.labels).toEqual(labels);
    expect(dict.sampleRateHz).toBe(8000);
    const tensors = parseModel(encodeSafetensors(ten), 'ten.safetensors', { labels: labels.slice().reverse(), sampleRateHz: 22050 });
    expect(tensors.labels[0]).toBe('word9');
    expect(tensors.sampleRateHz).toBe(22050);
  });

  it('every prefix of a small file of either kind gives a ModelFormatError', () => {
    const model = syntheticModel({ P: [2, 1], H: [2, 2], classes: 2 }, [1, 2]);
    for (const bytes of [saveObjectNpy(modelDictInput(model)), encodeSafetensors(model)]) {
      for (let n = 0; n < bytes.length; n++) expect(() => parseModel(bytes.subarray(0, n), 'p', { labels: ['a', 'b'] })).toThrow(ModelFormatError);
    }
  });
});

describe('loadModel', () => {
  it('reads a file from disk', async () => {
    const model = await loadModel(`${GOLDEN_DIR}full_1-2-14-14-42-42.npy`);
    expect(model.layers.every((l) => l.skip === null)).toBe(true);
  });
  it('names a missing file or a directory', async () => {
    await expect(loadModel(join(scratch, 'nope.npy'))).rejects.toThrow(`${join(scratch, 'nope.npy')}: cannot read the model file (no such file)`);
    await expect(loadModel(scratch)).rejects.toThrow(ModelFormatError);
    await expect(loadModel(scratch)).rejects.toThrow('is a directory');
  });
});

it('src/model/index.ts exports the public pieces', () => {
  expect(Object.keys(modelApi).sort()).toEqual([
    'LEAKY_SLOPE', 'SPEECH_COMMANDS_LABELS', 'STANDARDISE_EPS', 'classCount', 'encodeNpy', 'encodeSafetensors',
    'modelFromModelDict', 'modelFromSafetensors', 'parseModel', 'parseNpy', 'parseNpz', 'readNpyHeader', 'stepScalesOf', 'validateModel',
  ]);
});
