import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeWav } from '../../src/audio/wav.js';
import { DataError } from '../../src/errors.js';
import { SpeechCommandsCorpus, readClip, trainingStats } from '../../tools/data/speech-commands.js';

// A tiny Speech Commands-style corpus: 3 labels, ramps of known length so padding is checkable.
const LABELS = ['cat', 'dog', 'yes'];
const STATS_TOLERANCE = 1e-9;
let root: string;

function writeClip(dir: string, path: string, samples: Float32Array, rate = 16000): void {
  mkdirSync(join(dir, path, '..'), { recursive: true });
  writeFileSync(join(dir, path), encodeWav({ samples, sampleRateHz: rate }));
}

/** Values that survive the 16-bit WAV round trip exactly (k/32768, |k| < 16384). */
const ramp = (n: number, step: number) => Float32Array.from({ length: n }, (_, i) => ((i % 100) * step) / 32768);

function makeCorpus(dir: string): void {
  writeClip(dir, 'cat/aaa_nohash_0.wav', ramp(8000, 10));
  writeClip(dir, 'cat/bbb_nohash_0.wav', ramp(16000, 20));
  writeClip(dir, 'cat/ccc_nohash_0.wav', ramp(12000, 5));
  writeClip(dir, 'dog/aaa_nohash_0.wav', ramp(4000, 30));
  writeClip(dir, 'dog/ddd_nohash_1.wav', ramp(16000, 1));
  writeClip(dir, 'yes/eee_nohash_0.wav', ramp(10000, 7));
  writeClip(dir, 'yes/fff_nohash_0.wav', ramp(16000, 3));
  writeClip(dir, '_background_noise_/noise.wav', ramp(40000, 50));
  writeFileSync(join(dir, 'validation_list.txt'), 'cat/ccc_nohash_0.wav\n');
  writeFileSync(join(dir, 'testing_list.txt'), 'dog/ddd_nohash_1.wav\nyes/fff_nohash_0.wav\n');
  writeFileSync(join(dir, 'README.md'), 'files at the root are ignored\n');
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'sedge-sc-'));
  makeCorpus(join(root, 'full'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('SpeechCommandsCorpus', () => {
  it('splits by the lists; train is every other *_nohash_* clip', () => {
    const corpus = SpeechCommandsCorpus.open(join(root, 'full'), { labels: LABELS });
    expect(corpus.counts()).toEqual({ train: 4, validation: 1, test: 2 });
    expect(corpus.clips('train').map((c) => c.path).sort()).toEqual(['cat/aaa_nohash_0.wav', 'cat/bbb_nohash_0.wav', 'dog/aaa_nohash_0.wav', 'yes/eee_nohash_0.wav']);
    expect(corpus.clips('test').map((c) => [c.word, c.label, c.speaker])).toEqual([['dog', 1, 'ddd'], ['yes', 2, 'fff']]);
    expect(corpus.wordCounts('train')).toEqual([2, 1, 1]);
    expect(corpus.backgroundNoise().map((b) => b.length)).toEqual([40000]);
  });

  it('zero-pads short clips at the end to 16000 samples', () => {
    const corpus = SpeechCommandsCorpus.open(join(root, 'full'), { labels: LABELS });
    const clip = corpus.read(corpus.clips('train').find((c) => c.path === 'dog/aaa_nohash_0.wav')!);
    expect(clip.length).toBe(16000);
    expect(Array.from(clip.subarray(0, 4000))).toEqual(Array.from(ramp(4000, 30)));
    expect(clip.subarray(4000).every((v) => v === 0)).toBe(true);
  });

  it('resamples other rates to 16 kHz and refuses clips longer than 1 s', () => {
    const dir = join(root, 'rates');
    writeClip(dir, 'a.wav', new Float32Array(8000).fill(0.25), 8000); // 1 s at 8 kHz
    expect(readClip(join(dir, 'a.wav')).length).toBe(16000);
    writeClip(dir, 'b.wav', new Float32Array(16001));
    expect(() => readClip(join(dir, 'b.wav'))).toThrow(/16001 samples .* at most 1 s/);
  });

  it('streams batches (seeded shuffle) and loads a whole split', () => {
    const corpus = SpeechCommandsCorpus.open(join(root, 'full'), { labels: LABELS });
    const batches = [...corpus.batches('train', 3)];
    expect(batches.map((b) => b.labels.length)).toEqual([3, 1]);
    expect(batches[0].x.length).toBe(3 * 16000);
    const a = [...corpus.batches('train', 4, { shuffleSeed: 7 })][0].clips.map((c) => c.path);
    const b = [...corpus.batches('train', 4, { shuffleSeed: 7 })][0].clips.map((c) => c.path);
    expect(a).toEqual(b);
    const all = corpus.loadSplit('train');
    expect(all.x.length).toBe(4 * 16000);
    expect(Array.from(all.labels)).toEqual(all.clips.map((c) => c.label));
    expect(() => corpus.loadSplit('train', { maxBytes: 1000 })).toThrow(/over the .* limit/);
  });

  it('opens a folder that holds only a test split', () => {
    const dir = join(root, 'test-only');
    writeClip(dir, 'cat/x_nohash_0.wav', ramp(100, 1));
    writeClip(dir, 'dog/y_nohash_0.wav', ramp(100, 1));
    writeClip(dir, 'yes/z_nohash_0.wav', ramp(100, 1));
    writeFileSync(join(dir, 'testing_list.txt'), 'cat/x_nohash_0.wav\r\ndog/y_nohash_0.wav\nyes/z_nohash_0.wav\n\n');
    const corpus = SpeechCommandsCorpus.open(dir, { labels: LABELS });
    expect(corpus.counts()).toEqual({ train: 0, validation: 0, test: 3 });
    expect(() => trainingStats(corpus)).toThrow(/training split is empty/);
  });
});

describe('trainingStats', () => {
  it('is the mean and n−1 std over every sample of the padded training split', () => {
    const corpus = SpeechCommandsCorpus.open(join(root, 'full'), { labels: LABELS });
    const { x } = corpus.loadSplit('train');
    let sum = 0;
    for (const v of x) sum += v;
    const mean = sum / x.length;
    let ss = 0;
    for (const v of x) ss += (v - mean) ** 2;
    const std = Math.sqrt(ss / (x.length - 1));
    const stats = trainingStats(join(root, 'full'), { labels: LABELS });
    expect(stats.clips).toBe(4);
    expect(stats.samples).toBe(64000);
    expect(Math.abs(stats.mean - mean)).toBeLessThan(STATS_TOLERANCE);
    expect(Math.abs(stats.std - std)).toBeLessThan(STATS_TOLERANCE);
  });
});

describe('errors name the path', () => {
  it('missing folder', () => {
    const missing = join(root, 'nope');
    expect(() => SpeechCommandsCorpus.open(missing)).toThrow(DataError);
    expect(() => SpeechCommandsCorpus.open(missing)).toThrow(`${missing}: data folder not found`);
  });

  it('a listed file that does not exist', () => {
    const dir = join(root, 'listed-missing');
    makeCorpus(dir);
    writeFileSync(join(dir, 'testing_list.txt'), 'dog/ddd_nohash_1.wav\nyes/gone_nohash_0.wav\n');
    expect(() => SpeechCommandsCorpus.open(dir, { labels: LABELS })).toThrow(`${join(dir, 'yes/gone_nohash_0.wav')}: listed in testing_list.txt but missing`);
  });

  it('a corrupt wav, when read', () => {
    const dir = join(root, 'corrupt');
    makeCorpus(dir);
    writeFileSync(join(dir, 'cat/aaa_nohash_0.wav'), 'RIFF....WAVEjunk');
    const corpus = SpeechCommandsCorpus.open(dir, { labels: LABELS });
    expect(() => corpus.loadSplit('train')).toThrow(`${join(dir, 'cat/aaa_nohash_0.wav')}: corrupt WAV`);
    expect(() => trainingStats(corpus)).toThrow(DataError);
  });

  it('an unknown word folder, and a label list that does not match the folders', () => {
    const dir = join(root, 'unknown-word');
    makeCorpus(dir);
    writeClip(dir, 'bird/q_nohash_0.wav', ramp(10, 1));
    expect(() => SpeechCommandsCorpus.open(dir, { labels: LABELS })).toThrow(/word folder 'bird' is not one of the 3 labels/);
    expect(() => SpeechCommandsCorpus.open(join(root, 'full'), { labels: [...LABELS, 'zebra'] })).toThrow(/no folder for label\(s\) zebra/);
    expect(() => SpeechCommandsCorpus.open(join(root, 'full'))).toThrow(/word folder 'cat'|no folder for label/);
  });

  it('a clip listed in both validation and test', () => {
    const dir = join(root, 'both-lists');
    makeCorpus(dir);
    writeFileSync(join(dir, 'validation_list.txt'), 'yes/fff_nohash_0.wav\n');
    expect(() => SpeechCommandsCorpus.open(dir, { labels: LABELS })).toThrow(/listed in both/);
  });
});
