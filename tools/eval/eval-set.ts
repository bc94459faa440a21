/**
 * The clips an evaluation runs on: one split of a Speech Commands-style folder (tools/data), read
 * whole into memory up front, so that every problem with the data (missing folder, a word the model
 * does not know, a corrupt or too-long WAV, non-finite samples) is reported before the model runs,
 * all bad files at once, and a sweep reads the disk only once for all its step-scale lists.
 *
 * Class indices follow the model's label order, whatever the folder order. The samples are raw
 * audio: the Network standardises them with the model's own inputMean/inputStd (spec §3.4).
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DataError, SedgeError } from '../../src/errors.js';
import {
  BACKGROUND_FOLDER, CLIP_SAMPLES, readLongClip, SpeechCommandsCorpus, TESTING_LIST, VALIDATION_LIST, type ClipRef, type Split,
} from '../data/speech-commands.js';
import { applyPerturb, describePerturb, type PerturbStep } from './perturb.js';

export interface EvalSet {
  root: string;
  split: Split;
  labels: readonly string[];
  /** The clips evaluated (all of the split, or an evenly spread subset with `limit`). */
  clips: readonly ClipRef[];
  /** Clips in the whole split. */
  splitClips: number;
  /** clips.length × 16000 raw samples, on a SharedArrayBuffer so that workers read it without a copy. */
  x: Float32Array;
  /** True class of each clip (index into `labels`). */
  truth: Int32Array;
  /** Clips longer than 1 s that were cut to their loudest second (longClips: 'loudest'). */
  cropped: number;
  /** What was done to every clip (`--perturb`, tools/eval/perturb.ts), as text, or null. */
  perturb: string | null;
}

export interface LoadEvalSetOptions {
  split?: Split;
  /** Evaluate only this many clips, spread evenly over the split (so every word keeps its share). */
  limit?: number;
  /** Accept a folder in which some of the model's labels have no word folder (default: refuse). */
  allowMissingLabels?: boolean;
  /**
   * Clips longer than 1 s: refused (default, as the data reader does), or cut to their loudest 1-s
   * window ('loudest'), for keyword sets from other sources that keep silence around the word.
   */
  longClips?: 'refuse' | 'loudest';
  /** Put every clip through these (conditions the model never heard; tools/eval/perturb.ts). */
  perturb?: readonly PerturbStep[];
  /** Refuse to load more than this (default 4 GiB of float32). */
  maxBytes?: number;
  onProgress?: (done: number, total: number) => void;
}

/** The word folders of a corpus (not hidden, not `_background_noise_`); DataError if the folder is missing. */
export function wordFolders(root: string): string[] {
  try {
    if (!statSync(root).isDirectory()) throw new DataError(root, 'the data folder is not a folder');
    return readdirSync(root, { withFileTypes: true })
      .filter((e) => e.isDirectory() && !e.name.startsWith('.') && e.name !== BACKGROUND_FOLDER)
      .map((e) => e.name).sort();
  } catch (error) {
    if (error instanceof DataError) throw error;
    throw new DataError(root, `data folder not found or unreadable (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
}

/**
 * Checks that the folder's words are the model's labels: a word the model does not know cannot be
 * scored, and a label without a folder usually means a wrong folder or label list.
 */
export function checkLabelSet(root: string, labels: readonly string[], allowMissingLabels = false): void {
  const words = wordFolders(root);
  const known = new Set(labels), present = new Set(words);
  const extra = words.filter((w) => !known.has(w)), missing = labels.filter((l) => !present.has(l));
  if (extra.length === 0 && (missing.length === 0 || allowMissingLabels)) return;
  const parts = [
    extra.length ? `in the data but not the model: ${extra.join(', ')}` : '',
    missing.length ? `in the model but not the data: ${missing.join(', ')}` : '',
  ].filter(Boolean);
  const hint = extra.length ? '' : ' (pass --allow-missing-labels if the set leaves some words out on purpose)';
  throw new DataError(root, `the data folder's words do not match the model's ${labels.length} labels: ${parts.join('; ')}${hint}`);
}

/** `limit` indices spread evenly over [0, n), ascending (all of them if limit ≥ n). */
export function spreadIndices(n: number, limit?: number): number[] {
  if (limit === undefined || limit >= n) return Array.from({ length: n }, (_, i) => i);
  return Array.from({ length: limit }, (_, i) => Math.floor((i * n) / limit));
}

const MAX_LISTED_ERRORS = 10;
/** The data reader's refusal of a clip over 1 s (tools/data/speech-commands.ts readClip). */
const TOO_LONG = /clips must be at most 1 s$/;

/** The `length`-sample window with the most energy (searched in 10 ms steps), zero-padded if shorter. */
export function loudestWindow(samples: Float32Array, length: number): Float32Array {
  if (samples.length <= length) {
    const padded = new Float32Array(length);
    padded.set(samples);
    return padded;
  }
  const energy = new Float64Array(samples.length + 1);
  for (let i = 0; i < samples.length; i++) energy[i + 1] = energy[i] + samples[i] * samples[i];
  const windowEnergy = (start: number) => energy[start + length] - energy[start];
  const last = samples.length - length;
  let best = 0;
  for (let start = 160; start <= last + 159; start += 160) {
    const candidate = Math.min(start, last); // the last step lands on the final window
    if (windowEnergy(candidate) > windowEnergy(best)) best = candidate;
  }
  return samples.slice(best, best + length);
}

/** Why a split is empty, with the likely fix. */
function emptySplitReason(root: string, split: Split, counts: Record<Split, number>): string {
  const unnamed = wordFolders(root).reduce((n, word) => n + readdirSync(join(root, word)).filter((f) => /\.wav$/i.test(f) && !/_nohash_\d+\.wav$/.test(f)).length, 0);
  const naming = unnamed > 0 ? `; ${unnamed} .wav files are not named <speaker>_nohash_<n>.wav and are ignored` : '';
  if (split === 'train') return `every clip is in a validation or test list${naming}`;
  const list = split === 'test' ? TESTING_LIST : VALIDATION_LIST;
  const onlyTrain = counts.train > 0 && counts.validation === 0 && counts.test === 0
    ? `; the folder has no list files, so its ${counts.train} clips are all in the train split: evaluate them with --split train` : '';
  return `${list} is missing or empty${onlyTrain}${naming}`;
}

export function loadEvalSet(root: string, labels: readonly string[], options: LoadEvalSetOptions = {}): EvalSet {
  const split = options.split ?? 'test';
  checkLabelSet(root, labels, options.allowMissingLabels);
  const corpus = SpeechCommandsCorpus.open(root, { labels, allowMissingWords: true });
  const all = corpus.clips(split);
  if (all.length === 0) throw new DataError(root, `the ${split} split has no clips (${emptySplitReason(root, split, corpus.counts())})`);
  const clips = spreadIndices(all.length, options.limit).map((i) => all[i]);
  const bytes = clips.length * CLIP_SAMPLES * 4, maxBytes = options.maxBytes ?? 4 * 2 ** 30;
  if (bytes > maxBytes) {
    throw new DataError(root, `${clips.length} clips are ${(bytes / 2 ** 30).toFixed(2)} GiB as float32, over the ${(maxBytes / 2 ** 30).toFixed(2)} GiB limit; evaluate fewer with --limit`);
  }
  const x = new Float32Array(new SharedArrayBuffer(bytes));
  const problems: string[] = [];
  options.onProgress?.(0, clips.length);
  let cropped = 0;
  clips.forEach((clip, i) => {
    try {
      let samples: Float32Array;
      try {
        samples = corpus.read(clip);
      } catch (error) {
        if (!(options.longClips === 'loudest' && error instanceof DataError && TOO_LONG.test(error.message))) throw error;
        samples = loudestWindow(readLongClip(join(root, clip.path)), CLIP_SAMPLES);
        cropped++;
      }
      const bad = samples.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) throw new DataError(join(root, clip.path), `sample ${bad} is ${samples[bad]}`);
      if (options.perturb?.length) samples = applyPerturb(samples, options.perturb);
      x.set(samples, i * CLIP_SAMPLES);
    } catch (error) {
      if (!(error instanceof SedgeError)) throw error;
      problems.push(error.message);
    }
    if (options.onProgress && (i % 100 === 99 || i === clips.length - 1)) options.onProgress(i + 1, clips.length);
  });
  if (problems.length > 0) {
    const listed = problems.slice(0, MAX_LISTED_ERRORS).map((p) => `\n  ${p}`).join('');
    const more = problems.length > MAX_LISTED_ERRORS ? `\n  … and ${problems.length - MAX_LISTED_ERRORS} more` : '';
    throw new DataError(root, `${problems.length} of ${clips.length} ${split} clips cannot be used (nothing was evaluated):${listed}${more}`);
  }
  return { root, split, labels, clips, splitClips: all.length, x, truth: Int32Array.from(clips, (c) => c.label), cropped,
    perturb: options.perturb?.length ? describePerturb(options.perturb) : null,
  };
}
