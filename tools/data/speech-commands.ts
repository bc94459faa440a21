/**
 * Reader for a Google Speech Commands v0.02-style folder (spec §5.7):
 *
 *   <root>/<word>/<speaker>_nohash_<n>.wav      one folder per label
 *   <root>/validation_list.txt                  paths relative to <root>, one per line
 *   <root>/testing_list.txt
 *   <root>/_background_noise_/*.wav             long noise recordings (never a split member)
 *
 * train = every `*_nohash_*` wav in a word folder that neither list names. A folder that holds only a
 * test split (every clip listed in testing_list.txt, other lists absent) works too.
 *
 * Clips come back as Float32Array(16000) zero-padded at the end, the authors' `pad_sequence` (spec
 * §3.4); other sample rates are resampled with src/audio/resample.ts; a clip longer than 1 s after
 * that is refused rather than silently cut.
 *
 * Memory: `open` only indexes paths. `batches()` streams clips from disk, so a 100k-clip corpus
 * never sits in memory. `loadSplit()` reads a whole split into one Float32Array (N·16000·4 bytes: a
 * 30k-clip corpus is 1.9 GB), which training wants because it reads every clip every epoch; it
 * refuses past `maxBytes` (default 4 GiB) so that a too-large corpus fails up front, not after
 * an hour of swapping.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { decodeWav } from '../../src/audio/wav.js';
import { resample } from '../../src/audio/resample.js';
import { DataError, SedgeError } from '../../src/errors.js';
import { SPEECH_COMMANDS_LABELS } from '../../src/model/model.js';
import { Rng } from './prng.js';

export const SAMPLE_RATE_HZ = 16000;
export const CLIP_SAMPLES = 16000;
export const BACKGROUND_FOLDER = '_background_noise_';
export const VALIDATION_LIST = 'validation_list.txt';
export const TESTING_LIST = 'testing_list.txt';
export const SPLITS = ['train', 'validation', 'test'] as const;
export type Split = (typeof SPLITS)[number];

export interface ClipRef {
  /** Relative to the corpus root, with '/' separators, as in the list files. */
  path: string;
  word: string;
  label: number;
  speaker: string;
}

export interface LoadedSplit {
  /** N·16000 samples, clip i at [i·16000, (i+1)·16000). */
  x: Float32Array;
  labels: Int32Array;
  clips: ClipRef[];
}

export interface OpenOptions {
  /** Label list; index = class. Default: the 35 Speech Commands words. */
  labels?: readonly string[];
  /** Accept a corpus in which some labels have no folder (default false: that is usually a wrong label list). */
  allowMissingWords?: boolean;
}

/** <speaker>_nohash_<n>.wav: the speaker and the clip number. */
export const CLIP_NAME = /^(.+)_nohash_(\d+)\.wav$/;

/** Reads a clip file: decode, mono, resample to 16 kHz, zero-pad to 16000; errors name the path. */
export function readClip(file: string): Float32Array {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    throw new DataError(file, `cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  let samples: Float32Array, rate: number;
  try {
    ({ samples, sampleRateHz: rate } = decodeWav(bytes, file));
  } catch (error) {
    if (error instanceof SedgeError) throw new DataError(file, `corrupt WAV: ${error.message.replace(`${file}: `, '')}`);
    throw error;
  }
  if (rate !== SAMPLE_RATE_HZ) samples = resample(samples, rate, SAMPLE_RATE_HZ);
  if (samples.length > CLIP_SAMPLES) {
    throw new DataError(file, `${samples.length} samples at 16 kHz (${(samples.length / SAMPLE_RATE_HZ).toFixed(3)} s); clips must be at most 1 s`);
  }
  if (samples.length === CLIP_SAMPLES) return samples;
  const padded = new Float32Array(CLIP_SAMPLES);
  padded.set(samples);
  return padded;
}

/** Any-length noise recording at 16 kHz (for `_background_noise_`). */
export function readLongClip(file: string): Float32Array {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    throw new DataError(file, `cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  try {
    const { samples, sampleRateHz } = decodeWav(bytes, file);
    return sampleRateHz === SAMPLE_RATE_HZ ? samples : resample(samples, sampleRateHz, SAMPLE_RATE_HZ);
  } catch (error) {
    if (error instanceof SedgeError) throw new DataError(file, `corrupt WAV: ${error.message.replace(`${file}: `, '')}`);
    throw error;
  }
}

function readList(root: string, name: string): string[] | null {
  const file = join(root, name);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new DataError(file, `cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  return text.split(/\r?\n/).map((line) => line.trim()).filter((line) => line.length > 0);
}

export class SpeechCommandsCorpus {
  readonly root: string;
  readonly labels: readonly string[];
  private readonly splits: Record<Split, ClipRef[]>;
  private readonly backgroundFiles: string[];

  private constructor(root: string, labels: readonly string[], splits: Record<Split, ClipRef[]>, backgroundFiles: string[]) {
    this.root = root;
    this.labels = labels;
    this.splits = splits;
    this.backgroundFiles = backgroundFiles;
  }

  /**
   * Indexes the folder and checks it: the root exists, every word folder is a label, every listed
   * file exists and sits in a label folder, no file is in both lists. Reads no audio.
   */
  static open(root: string, options: OpenOptions = {}): SpeechCommandsCorpus {
    const labels = options.labels ?? SPEECH_COMMANDS_LABELS;
    const labelIndex = new Map(labels.map((word, i) => [word, i]));
    if (labelIndex.size !== labels.length) throw new DataError(root, `label list has duplicates: ${labels.join(',')}`);
    let entries: import('node:fs').Dirent[];
    try {
      if (!statSync(root).isDirectory()) throw new DataError(root, 'not a folder');
      entries = readdirSync(root, { withFileTypes: true });
    } catch (error) {
      if (error instanceof DataError) throw error;
      throw new DataError(root, `data folder not found or unreadable (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
    const ref = (path: string): ClipRef => {
      const [word, name] = path.split('/');
      const m = CLIP_NAME.exec(name ?? '');
      return { path, word, label: labelIndex.get(word) ?? -1, speaker: m ? m[1] : name };
    };

    // Every wav in the word folders.
    const all = new Map<string, ClipRef>();
    const wordsPresent = new Set<string>();
    for (const entry of entries) {
      if (!entry.isDirectory() || entry.name.startsWith('.') || entry.name === BACKGROUND_FOLDER) continue;
      if (!labelIndex.has(entry.name)) {
        throw new DataError(join(root, entry.name), `word folder '${entry.name}' is not one of the ${labels.length} labels (${labels.join(', ')})`);
      }
      wordsPresent.add(entry.name);
      for (const file of readdirSync(join(root, entry.name)).sort()) {
        if (!CLIP_NAME.test(file)) continue;
        const path = `${entry.name}/${file}`;
        all.set(path, ref(path));
      }
    }
    const missingWords = labels.filter((w) => !wordsPresent.has(w));
    if (missingWords.length > 0 && !options.allowMissingWords) {
      throw new DataError(root, `no folder for label(s) ${missingWords.join(', ')}: wrong data folder or label list?`);
    }

    const listed = (name: string): ClipRef[] => {
      const lines = readList(root, name) ?? [];
      return lines.map((line) => {
        const path = line.replace(/\\/g, '/').replace(/^\.\//, '');
        const clip = all.get(path);
        if (clip) return clip;
        const [word] = path.split('/');
        if (!labelIndex.has(word)) throw new DataError(join(root, name), `lists '${path}', which is not in a label folder`);
        throw new DataError(join(root, path), `listed in ${name} but missing (or not named <speaker>_nohash_<n>.wav)`);
      });
    };
    const validation = listed(VALIDATION_LIST), test = listed(TESTING_LIST);
    const heldOut = new Set<string>();
    for (const c of validation) heldOut.add(c.path);
    for (const c of test) {
      if (heldOut.has(c.path)) throw new DataError(join(root, c.path), `listed in both ${VALIDATION_LIST} and ${TESTING_LIST}`);
      heldOut.add(c.path);
    }
    const train = [...all.values()].filter((c) => !heldOut.has(c.path));

    let backgroundFiles: string[] = [];
    try {
      backgroundFiles = readdirSync(join(root, BACKGROUND_FOLDER)).filter((f) => f.endsWith('.wav')).sort().map((f) => join(root, BACKGROUND_FOLDER, f));
    } catch {
      // no background folder: fine (a test-only folder has none)
    }
    return new SpeechCommandsCorpus(root, labels, { train, validation, test }, backgroundFiles);
  }

  clips(split: Split): readonly ClipRef[] {
    return this.splits[split];
  }

  counts(): Record<Split, number> {
    return { train: this.splits.train.length, validation: this.splits.validation.length, test: this.splits.test.length };
  }

  /** Clips per label in a split. */
  wordCounts(split: Split): number[] {
    const counts = new Array<number>(this.labels.length).fill(0);
    for (const c of this.splits[split]) counts[c.label]++;
    return counts;
  }

  read(clip: ClipRef): Float32Array {
    return readClip(join(this.root, clip.path));
  }

  backgroundPaths(): readonly string[] {
    return this.backgroundFiles;
  }

  /** The `_background_noise_` recordings at 16 kHz, whole (a few MB each). */
  backgroundNoise(): Float32Array[] {
    return this.backgroundFiles.map(readLongClip);
  }

  /**
   * Streams a split in batches of `batchSize` clips (the last may be smaller); with `shuffleSeed`,
   * in a seeded random order. Each batch owns fresh arrays, so a consumer may keep them.
   */
  *batches(split: Split, batchSize: number, options: { shuffleSeed?: number } = {}): Generator<{ x: Float32Array; labels: Int32Array; clips: ClipRef[] }> {
    if (!(Number.isInteger(batchSize) && batchSize > 0)) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
    const order = [...this.splits[split]];
    if (options.shuffleSeed !== undefined) new Rng(options.shuffleSeed).shuffle(order);
    for (let from = 0; from < order.length; from += batchSize) {
      const clips = order.slice(from, from + batchSize);
      const x = new Float32Array(clips.length * CLIP_SAMPLES);
      clips.forEach((c, i) => x.set(this.read(c), i * CLIP_SAMPLES));
      yield { x, labels: Int32Array.from(clips, (c) => c.label), clips };
    }
  }

  /** The whole split in one array (see the file comment for the memory trade-off). */
  loadSplit(split: Split, options: { maxBytes?: number; onProgress?: (done: number, total: number) => void } = {}): LoadedSplit {
    const clips = [...this.splits[split]];
    const bytes = clips.length * CLIP_SAMPLES * 4, maxBytes = options.maxBytes ?? 4 * 2 ** 30;
    if (bytes > maxBytes) {
      throw new DataError(this.root, `${split} split is ${clips.length} clips = ${(bytes / 2 ** 30).toFixed(2)} GiB as float32, over the ${(maxBytes / 2 ** 30).toFixed(2)} GiB limit; stream it with batches() or raise maxBytes`);
    }
    const x = new Float32Array(clips.length * CLIP_SAMPLES);
    clips.forEach((c, i) => {
      x.set(this.read(c), i * CLIP_SAMPLES);
      if (options.onProgress && (i % 500 === 499 || i === clips.length - 1)) options.onProgress(i + 1, clips.length);
    });
    return { x, labels: Int32Array.from(clips, (c) => c.label), clips };
  }
}

export interface InputStats {
  mean: number;
  /** Sample standard deviation (n − 1), as torch.std. */
  std: number;
  clips: number;
  samples: number;
}

/**
 * Mean and std over every sample of the zero-padded training split (spec §3.4), streamed clip by
 * clip and merged with Chan et al.'s parallel-variance update in float64 (no catastrophic
 * cancellation even over 10⁹ samples). These go into the model's metadata (inputMean, inputStd).
 */
export function trainingStats(source: string | SpeechCommandsCorpus, options: OpenOptions & { onProgress?: (done: number, total: number) => void } = {}): InputStats {
  const corpus = typeof source === 'string' ? SpeechCommandsCorpus.open(source, options) : source;
  const clips = corpus.clips('train');
  if (clips.length === 0) throw new DataError(corpus.root, 'the training split is empty: cannot compute the input mean and std');
  let n = 0, mean = 0, m2 = 0;
  clips.forEach((clip, i) => {
    const x = corpus.read(clip);
    let sum = 0;
    for (let k = 0; k < x.length; k++) sum += x[k];
    const clipMean = sum / x.length;
    let clipM2 = 0;
    for (let k = 0; k < x.length; k++) clipM2 += (x[k] - clipMean) ** 2;
    const total = n + x.length, delta = clipMean - mean;
    mean += (delta * x.length) / total;
    m2 += clipM2 + (delta * delta * n * x.length) / total;
    n = total;
    if (options.onProgress && (i % 500 === 499 || i === clips.length - 1)) options.onProgress(i + 1, clips.length);
  });
  return { mean, std: Math.sqrt(m2 / (n - 1)), clips: clips.length, samples: n };
}
