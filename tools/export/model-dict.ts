/**
 * Writes a Model as the authors' `model_dict_<step_scales>.npy` (spec §2.1): np.save of
 *   { i < L: {A, B, B_bias, C, C_bias, SkipLayer, step_scale}, L: {W, b} }
 * with complex64 arrays, `step_scale` a Python int, W and b float32, in the authors' key order.
 * A non-trainable skip (null) is written as the exporter writes it, ones((H, I)) in complex128
 * (spec §2.3); src/model/model-dict.ts reads that back as identity/broadcast.
 * Loads with `np.load(f, allow_pickle=True).item()` (numpy 1.x and 2.x).
 */
import type { Model } from '../../src/model/model.js';
import { encodeObjectNpy, type NdarrayDescr, type PickleValue } from './pickle.js';
import { interleave } from '../../src/model/complex.js';

const HOST_IS_LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

function littleEndianBytes(data: Float32Array | Float64Array): Uint8Array {
  const bytes = new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
  if (!HOST_IS_LITTLE_ENDIAN) {
    const lane = data.BYTES_PER_ELEMENT;
    for (let k = 0; k < bytes.length; k += lane) bytes.subarray(k, k + lane).reverse();
  }
  return bytes;
}

const array = (descr: NdarrayDescr, shape: number[], data: Float32Array | Float64Array): PickleValue =>
  ({ ndarray: { descr, shape, bytes: littleEndianBytes(data) } });

/** complex64 from separate parts (a null im: all zeros). */
const complex64 = (re: Float32Array, im: Float32Array | null, shape: number[]): PickleValue => array('<c8', shape, interleave(re, im));

export function modelDictValue(model: Model): PickleValue {
  const entries: Array<[number, PickleValue]> = model.layers.map((l, i) => {
    const { inputSize: I, stateSize: P, outputSize: H } = l;
    const skip = l.skip === null
      ? array('<c16', [H, I], Float64Array.from({ length: 2 * H * I }, (_, k) => (k % 2 === 0 ? 1 : 0)))
      : complex64(l.skip, null, [H, I]);
    return [i, {
      dict: [
        ['A', complex64(l.aRe, l.aIm, [P])],
        ['B', complex64(l.bRe, l.bIm, [P, I])],
        ['B_bias', complex64(l.biasBRe, l.biasBIm, [P])],
        ['C', complex64(l.cRe, l.cIm, [H, P])],
        ['C_bias', complex64(l.biasCRe, l.biasCIm, [H])],
        ['SkipLayer', skip],
        ['step_scale', l.stepScale],
      ],
    }];
  });
  const K = model.decoder.bias.length;
  entries.push([model.layers.length, {
    dict: [
      ['W', array('<f4', [K, model.decoder.weight.length / K], model.decoder.weight)],
      ['b', array('<f4', [K], model.decoder.bias)],
    ],
  }]);
  return { dict: entries };
}

/** The bytes of `model_dict_<step_scales>.npy` for `model` (at its own step scales). */
export const encodeModelDict = (model: Model): Uint8Array => encodeObjectNpy(modelDictValue(model));

/** The authors' file name, e.g. `model_dict_[1, 9, 54].npy`. */
export const modelDictFileName = (model: Model): string => `model_dict_[${model.layers.map((l) => l.stepScale).join(', ')}].npy`;
