/**
 * Fixtures for the evaluation tests: a model whose prediction is set by the clip's level, and a
 * tiny Speech Commands-style corpus of constant clips written with encodeWav.
 *
 * The "level model": every layer is I = H = P = 1 with C = 0 and a skip weight of 1, so each layer
 * passes its input through (o = LeakyReLU(0) + u), and the decoder (H_last = 1) scores class k as
 * 2·c_k·m − c_k² with m the mean of the standardised clip. The winner is the class whose level c_k
 * is nearest to m, so a constant clip at the raw value mean + c_k·(std + 1e-5) is classified as k
 * exactly when the model standardises once with its own mean/std.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeWav } from '../../src/audio/wav.js';
import { STANDARDISE_EPS, type Model, type SsmLayer } from '../../src/model/model.js';

export const LABELS = ['down', 'go', 'up', 'yes'];
export const LEVELS = [-0.3, -0.1, 0.1, 0.3];
export const INPUT_MEAN = 0.05, INPUT_STD = 0.5;

const f32 = (...values: number[]) => Float32Array.from(values);

function passLayer(stepScale: number, continuous: boolean): SsmLayer {
  return {
    inputSize: 1, stateSize: 1, outputSize: 1, stepScale,
    aRe: f32(0.5), aIm: f32(0), bRe: f32(0.1), bIm: f32(0), biasBRe: f32(0), biasBIm: f32(0),
    cRe: f32(0), cIm: f32(0), biasCRe: f32(0), biasCIm: f32(0),
    skip: f32(1),
    continuous: continuous
      ? { lambdaRe: f32(-0.5), lambdaIm: f32(0.2), logStep: f32(Math.log(0.01)), bRe: f32(1), bIm: f32(0), biasBRe: f32(0), biasBIm: f32(0) }
      : undefined,
  };
}

export function levelModel(options: { stepScales?: number[]; continuous?: boolean; labels?: string[] } = {}): Model {
  const { stepScales = [1, 1], continuous = true, labels = LABELS } = options;
  const levels = labels.map((_, k) => LEVELS[k] ?? 0.5 + 0.2 * k);
  return {
    layers: stepScales.map((s) => passLayer(s, continuous)),
    decoder: { weight: Float32Array.from(levels, (c) => 2 * c), bias: Float32Array.from(levels, (c) => -c * c) },
    labels: [...labels],
    sampleRateHz: 16000,
    clipSamples: 16000,
    inputMean: INPUT_MEAN,
    inputStd: INPUT_STD,
    description: 'level model',
  };
}

/** The raw sample value the level model classifies as class k. */
export const rawLevel = (k: number) => INPUT_MEAN + LEVELS[k] * (INPUT_STD + STANDARDISE_EPS);

export const constantClip = (value: number, samples = 16000) => new Float32Array(samples).fill(value);

export interface CorpusClip {
  /** <word>/<speaker>_nohash_<n>.wav */
  path: string;
  /** Class index the clip's level points at. */
  predicted: number;
  split: 'train' | 'validation' | 'test';
  samples?: number;
}

/** Writes the clips and the list files; returns the corpus root. */
export function writeCorpus(root: string, clips: CorpusClip[]): string {
  for (const clip of clips) {
    mkdirSync(join(root, clip.path, '..'), { recursive: true });
    writeFileSync(join(root, clip.path), encodeWav({ samples: constantClip(rawLevel(clip.predicted), clip.samples), sampleRateHz: 16000 }));
  }
  const list = (split: string) => clips.filter((c) => c.split === split).map((c) => `${c.path}\n`).join('');
  if (clips.some((c) => c.split === 'test')) writeFileSync(join(root, 'testing_list.txt'), list('test'));
  if (clips.some((c) => c.split === 'validation')) writeFileSync(join(root, 'validation_list.txt'), list('validation'));
  return root;
}

export const tempRoot = (name: string) => mkdtempSync(join(tmpdir(), `sedge-eval-${name}-`));

/**
 * The hand-made test split: true label → predicted labels.
 *   down: down, down, go    go: go, go    up: yes, up    yes: yes
 * accuracy 6/8; confusion rows (down, go, up, yes) = [2,1,0,0] [0,2,0,0] [0,0,1,1] [0,0,0,1].
 */
export const TEST_CLIPS: CorpusClip[] = [
  { path: 'down/a_nohash_0.wav', predicted: 0, split: 'test' },
  { path: 'down/b_nohash_0.wav', predicted: 0, split: 'test', samples: 9000 }, // short: zero-padded to 1 s, mean −0.21 → still down
  { path: 'down/c_nohash_0.wav', predicted: 1, split: 'test' },
  { path: 'go/a_nohash_0.wav', predicted: 1, split: 'test' },
  { path: 'go/d_nohash_1.wav', predicted: 1, split: 'test' },
  { path: 'up/a_nohash_0.wav', predicted: 3, split: 'test' },
  { path: 'up/e_nohash_0.wav', predicted: 2, split: 'test' },
  { path: 'yes/f_nohash_0.wav', predicted: 3, split: 'test' },
];
