/**
 * The authors' export, `model_dict_<step_scales>.npy` (spec §2.1): np.save of a dict
 *   { i < L: {A, B, B_bias, C, C_bias, SkipLayer, step_scale}, L: {W, b} }
 * pickled inside a 0-d object array. Every field is checked for dtype and shape before use, and
 * errors name the file, layer, field and the expected value.
 */
import { ModelFormatError } from '../errors.js';
import { SPEECH_COMMANDS_LABELS, type Model, type SsmLayer } from './model.js';
import { readNpyHeader, type NpyArray } from './npy.js';
import { describePyValue, PyNdarray, unpickle, type PyKey, type PyValue } from './pickle.js';
import { validateModel } from './validate.js';
import { deinterleave } from './complex.js';

export interface ModelDictOptions {
  /** File name for error messages. */
  name: string;
  /** One label per decoder output; defaults to the Speech Commands words when K = 35. */
  labels?: readonly string[];
  sampleRateHz?: number;
}

type PyDict = Map<PyKey, PyValue>;
type Fail = (why: string) => never;

const LAYER_KEYS = ['A', 'B', 'B_bias', 'C', 'C_bias', 'SkipLayer', 'step_scale'];
const DECODER_KEYS = ['W', 'b'];
const CLIP_SAMPLES = 16000; // the authors' clips: 1 s at 16 kHz (spec §1)

export function modelFromModelDict(bytes: Uint8Array, options: ModelDictOptions): Model {
  const { name } = options;
  const fail: Fail = (why) => {
    throw new ModelFormatError(`${name}: ${why}`);
  };
  const header = readNpyHeader(bytes, name);
  if (header.descr !== '|O' || header.shape.length !== 0) {
    fail(`is a plain '${header.descr}' array of shape [${header.shape}], not a pickled model dict ('|O', shape ())`);
  }
  const root = unpickle(bytes.subarray(header.dataOffset), name, header.dataOffset);
  if (!(root instanceof PyNdarray) || root.objects?.length !== 1 || !(root.objects[0] instanceof Map)) {
    fail('the pickle is not a 0-d object array holding a dict (what np.save writes for a dict)');
  }
  const dict = (root as PyNdarray).objects![0] as PyDict;

  const keys = [...dict.keys()];
  const L = keys.length - 1;
  if (L < 1 || !keys.every((k) => typeof k === 'number') || ![...keys].sort((a, b) => +a - +b).every((k, i) => k === i)) {
    fail(`top-level keys [${keys.map((k) => JSON.stringify(k))}] are not the integers 0..L (L SSM layers, then the decoder)`);
  }
  const layers: SsmLayer[] = [];
  let inputSize = 1; // I_0 = 1, then I_i = H_{i-1}
  for (let i = 0; i < L; i++) {
    const layer = readLayer(entryDict(dict, i, LAYER_KEYS, ['SkipLayer'], `layer ${i}`, fail), i, inputSize, fail);
    layers.push(layer);
    inputSize = layer.outputSize;
  }
  const decoderDict = entryDict(dict, L, DECODER_KEYS, [], `decoder (key ${L})`, fail);
  const W = numeric(decoderDict, 'W', 'decoder', fail);
  const b = numeric(decoderDict, 'b', 'decoder', fail);
  expectDtype(W, '<f4', `decoder 'W'`, fail);
  expectDtype(b, '<f4', `decoder 'b'`, fail);
  if (b.shape.length !== 1 || b.shape[0] < 1) fail(`decoder 'b' has shape [${b.shape}], expected [K] with K ≥ 1`);
  const K = b.shape[0];
  expectShape(W, [K, inputSize], `decoder 'W'`, `K=${K}, H of layer ${L - 1} = ${inputSize}`, fail);

  const labels = options.labels ? [...options.labels] : K === SPEECH_COMMANDS_LABELS.length ? [...SPEECH_COMMANDS_LABELS] : null;
  if (labels === null) fail(`the decoder has K=${K} classes; pass labels (only K=35 defaults to the Speech Commands words)`);
  if (labels!.length !== K) fail(`${labels!.length} labels were given but the decoder has K=${K} classes`);

  const model: Model = {
    layers,
    decoder: { weight: W.data as Float32Array, bias: b.data as Float32Array },
    labels: labels!,
    sampleRateHz: options.sampleRateHz ?? 16000,
    clipSamples: CLIP_SAMPLES,
    inputMean: null, // the export carries no standardisation (spec §3.4)
    inputStd: null,
    description: `converted from the model_dict export ${name}`,
  };
  validateModel(model, name);
  return model;
}

/** dict[key] as a dict with exactly the `required` keys (those in `optional` may be absent). */
function entryDict(dict: PyDict, key: number, allowed: string[], optional: string[], where: string, fail: Fail): PyDict {
  const entry = dict.get(key);
  if (!(entry instanceof Map)) return fail(`${where} is not a dict`);
  for (const k of entry.keys()) {
    if (typeof k !== 'string' || !allowed.includes(k)) fail(`${where} has unknown key ${JSON.stringify(k)} (expected ${allowed.join(', ')})`);
  }
  const missing = allowed.find((k) => !entry.has(k) && !optional.includes(k));
  if (missing) fail(`${where} is missing '${missing}'`);
  return entry;
}

function readLayer(d: PyDict, i: number, I: number, fail: Fail): SsmLayer {
  const at = (field: string) => `layer ${i} '${field}'`;
  const get = (field: string) => {
    const array = numeric(d, field, `layer ${i}`, fail);
    if (field !== 'SkipLayer') expectDtype(array, '<c8', at(field), fail);
    return array;
  };
  const A = get('A');
  if (A.shape.length !== 1 || A.shape[0] < 1) fail(`${at('A')} has shape [${A.shape}], expected [P] with P ≥ 1`);
  const P = A.shape[0];
  const C = get('C');
  if (C.shape.length !== 2 || C.shape[0] < 1) fail(`${at('C')} has shape [${C.shape}], expected [H,${P}] with H ≥ 1 (P=${P})`);
  const H = C.shape[0];
  const inputs = i === 0 ? 'I=1, mono input' : `I=${I}, H of layer ${i - 1}`;
  expectShape(C, [H, P], at('C'), `H=${H}, P=${P}`, fail);
  const B = get('B');
  expectShape(B, [P, I], at('B'), `P=${P}, ${inputs}`, fail);
  const biasB = get('B_bias');
  expectShape(biasB, [P], at('B_bias'), `P=${P}`, fail);
  const biasC = get('C_bias');
  expectShape(biasC, [H], at('C_bias'), `H=${H}`, fail);

  const stepScale = d.get('step_scale');
  if (typeof stepScale !== 'number' || !Number.isSafeInteger(stepScale) || stepScale < 1) {
    fail(`${at('step_scale')} is ${describePyValue(stepScale ?? null)}, expected a positive int`);
  }
  const [aRe, aIm] = splitComplex(A);
  const [bRe, bIm] = splitComplex(B);
  const [biasBRe, biasBIm] = splitComplex(biasB);
  const [cRe, cIm] = splitComplex(C);
  const [biasCRe, biasCIm] = splitComplex(biasC);
  const skip = d.has('SkipLayer') ? readSkip(numeric(d, 'SkipLayer', `layer ${i}`, fail), H, I, at('SkipLayer'), inputs, fail) : null;
  return {
    inputSize: I, stateSize: P, outputSize: H, stepScale: stepScale as number,
    aRe, aIm, bRe, bIm, biasBRe, biasBIm, cRe, cIm, biasCRe, biasCIm, skip,
  };
}

/**
 * The Full pitfall (spec §2.3, golden README §6): the exporter writes a non-trainable skip as
 * ones((H, I)) in complex128, which must mean identity (I = H) or broadcast (I = 1), not a matrix
 * of ones. A trained skip is complex64 and is kept even if it happens to be all ones. A SkipLayer
 * key that is absent also means identity, as in the authors' numpy reference.
 */
function readSkip(S: NpyArray, H: number, I: number, where: string, inputs: string, fail: Fail): Float32Array | null {
  if (S.dtype !== '<c8' && S.dtype !== '<c16') fail(`${where} has dtype '${S.dtype}', expected '<c8' (trained) or '<c16' (placeholder)`);
  expectShape(S, [H, I], where, `H=${H}, ${inputs}`, fail);
  // Check the stored (possibly float64) values: a complex128 1 + 1e-12 is not the placeholder.
  const data = S.data as Float32Array | Float64Array;
  let allOnes = true;
  for (let k = 0; k < data.length; k += 2) {
    if (data[k + 1] !== 0) fail(`${where}[${Math.floor(k / 2 / I)}, ${(k / 2) % I}] has imaginary part ${data[k + 1]}; the skip must be real`);
    allOnes &&= data[k] === 1;
  }
  return S.dtype === '<c16' && allOnes ? null : splitComplex(S)[0];
}

function numeric(d: PyDict, field: string, where: string, fail: Fail): NpyArray {
  const v = d.get(field);
  if (!(v instanceof PyNdarray) || v.numeric === null) return fail(`${where} '${field}' is not a numeric array`);
  return v.numeric;
}

const DTYPE_NAMES: Record<string, string> = { '<c8': 'complex64', '<c16': 'complex128', '<f4': 'float32' };

function expectDtype(a: NpyArray, dtype: string, where: string, fail: Fail): void {
  if (a.dtype !== dtype) fail(`${where} has dtype '${a.dtype}', expected '${dtype}' (${DTYPE_NAMES[dtype]})`);
}

function expectShape(a: NpyArray, shape: number[], where: string, sizes: string, fail: Fail): void {
  if (a.shape.length !== shape.length || a.shape.some((d, k) => d !== shape[k])) {
    fail(`${where} has shape [${a.shape}], expected [${shape}] (${sizes})`);
  }
}

/** A complex array's parts as Float32Arrays (complex128 is rounded to float32). */
const splitComplex = (a: NpyArray): [Float32Array, Float32Array] => deinterleave(a.data);
