/**
 * Loads the golden vectors in test/fixtures/golden (format: its README.md, §3). Shared by the
 * reference and the engine tests. Everything is read synchronously and on demand.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Model } from '../../src/model/model.js';
import { modelFromModelDict } from '../../src/model/model-dict.js';
import { parseNpy, parseNpz, type NpyArray } from '../../src/model/npy.js';

export const GOLDEN_DIR = fileURLToPath(new URL('../fixtures/golden/', import.meta.url));
export const GOLDEN_CLIP_SAMPLES = 16000;
/** Rows of inputs.npy: a chirp, white noise, and silence followed by a burst. */
export const GOLDEN_INPUT_NAMES = ['chirp', 'noise', 'burst'] as const;

export interface GoldenExport {
  name: string; // e.g. 'tiny_1-9-54'
  config: string; // 'tiny' | 'tinyrzoh' | 'small' | 'large' | 'full'
  stepScales: number[];
  P: number[];
  H: number[];
  trainableSkip: boolean;
  /** The authors' exported dict, as np.save wrote it (numpy 1.24, pickle protocol 3). */
  dictFile: string;
  /**
   * The float64 logits to test against: `logits_numpy_f64`, or for Full `logits_identity_skip_f64`
   * (golden README §6: the authors' numpy reference mis-reads Full's identity skip).
   */
  logitsFile: string;
  /** The authors' numpy reference in float64 on the dict as exported (for Full: the skip-as-ones bug). */
  numpyF64LogitsFile: string;
  tapsFile: string;
}

interface ManifestExport {
  name: string;
  config: string;
  step_scale: number[];
  P: number[];
  H: number[];
  trainable_skip: boolean;
  files: Record<string, string>;
}

const manifest = JSON.parse(readFileSync(GOLDEN_DIR + 'manifest.json', 'utf8')) as { exports: ManifestExport[] };

export const GOLDEN_EXPORTS: readonly GoldenExport[] = manifest.exports.map((e) => ({
  name: e.name,
  config: e.config,
  stepScales: e.step_scale,
  P: e.P,
  H: e.H,
  trainableSkip: e.trainable_skip,
  dictFile: e.files.dict,
  logitsFile: e.files.logits_identity_skip_f64 ?? e.files.logits_numpy_f64,
  numpyF64LogitsFile: e.files.logits_numpy_f64,
  tapsFile: e.files.taps,
}));

/** The same dict as tiny_1-1-1.npy, re-saved by numpy 2 (pickle protocol 4); golden README §3.8. */
export const GOLDEN_NUMPY2 = { file: 'tiny_1-1-1.numpy2.npy', sameAs: 'tiny_1-1-1' } as const;

export function goldenExport(name: string): GoldenExport {
  const found = GOLDEN_EXPORTS.find((e) => e.name === name);
  if (!found) throw new Error(`no golden export '${name}'; have ${GOLDEN_EXPORTS.map((e) => e.name).join(', ')}`);
  return found;
}

export const readGoldenFile = (file: string): Uint8Array => new Uint8Array(readFileSync(GOLDEN_DIR + file));

/** inputs.npy: 3 standardised clips of 16000 float32 samples (chirp, noise, burst). */
export function loadGoldenInputs(): Float32Array[] {
  const array = parseNpy(readGoldenFile('inputs.npy'), 'inputs.npy');
  return splitRows(array, Float32Array) as Float32Array[];
}

/** The Model of an export, read from its dict (or from another file of the same format, e.g. GOLDEN_NUMPY2.file). */
export function loadGoldenModel(name: string, file = goldenExport(name).dictFile): Model {
  return modelFromModelDict(readGoldenFile(file), { name: file });
}

/** Logits [3][35] of one export; by default the float64 reference the implementation must match. */
export function loadGoldenLogits(name: string, file = goldenExport(name).logitsFile): Float64Array[] {
  return splitRows(parseNpy(readGoldenFile(file), file), Float64Array) as Float64Array[];
}

export interface GoldenLayerTaps {
  T: number; // samples on the layer's own grid, ceil(16000 / s_i)
  H: number;
  t: number[]; // the tapped time indices (ascending)
  /** (3, t.length, H): the layer output at those indices, for the 3 inputs. */
  values: Float64Array;
  /** (3, H): the layer output's mean over all T samples. */
  mean: Float64Array;
}

/** Per-layer taps of the authors' torch model in float64 (golden README §3.4). */
export function loadGoldenTaps(name: string): GoldenLayerTaps[] {
  const { tapsFile, H } = goldenExport(name);
  const arrays = parseNpz(readGoldenFile(tapsFile), tapsFile);
  const get = (key: string): NpyArray => {
    const array = arrays.get(key);
    if (!array) throw new Error(`${tapsFile}: missing '${key}'`);
    return array;
  };
  return H.map((Hi, i) => ({
    T: Number(get(`layer${i}_T`).data[0]),
    H: Hi,
    t: Array.from(get(`layer${i}_t`).data, Number),
    values: get(`layer${i}`).data as Float64Array,
    mean: get(`layer${i}_mean`).data as Float64Array,
  }));
}

function splitRows(array: NpyArray, type: Float32ArrayConstructor | Float64ArrayConstructor): Array<Float32Array | Float64Array> {
  if (!(array.data instanceof type) || array.shape.length !== 2) {
    throw new Error(`expected a 2-D ${type.name}, got ${array.dtype} ${JSON.stringify(array.shape)}`);
  }
  const [rows, cols] = array.shape;
  const data = array.data;
  return Array.from({ length: rows }, (_, r) => data.slice(r * cols, (r + 1) * cols));
}
