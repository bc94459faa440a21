import { mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { encodeWav } from '../../src/audio/wav.js';
import { DataError, UsageError } from '../../src/errors.js';
import { registerDataset } from '../../src/node/dataset-command.js';
import { mergeCorpora } from '../../tools/data/merge.js';
import { SpeechCommandsCorpus } from '../../tools/data/speech-commands.js';

const labels = ['down', 'up'];
let root: string;
const dir = (name: string) => join(root, name);

/** A corpus folder: clips as 'word/speaker_nohash_n.wav' (each a tone of its own pitch), lists, background. */
function corpus(name: string, clips: string[], lists: { validation?: string[]; test?: string[] } = {}, background: string[] = []): string {
  const base = dir(name);
  clips.forEach((path, i) => {
    mkdirSync(join(base, path, '..'), { recursive: true });
    writeFileSync(join(base, path), encodeWav({ samples: Float32Array.from({ length: 1600 }, (_, t) => 0.1 * Math.sin(t * (i + 1) / 50)), sampleRateHz: 16000 }));
  });
  mkdirSync(base, { recursive: true });
  if (lists.validation) writeFileSync(join(base, 'validation_list.txt'), lists.validation.join('\n') + '\n');
  if (lists.test) writeFileSync(join(base, 'testing_list.txt'), lists.test.join('\n') + '\n');
  for (const file of background) {
    mkdirSync(join(base, '_background_noise_'), { recursive: true });
    writeFileSync(join(base, '_background_noise_', file), encodeWav({ samples: new Float32Array(16000), sampleRateHz: 16000 }));
  }
  return base;
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'sedge-merge-'));
  corpus('a', ['up/t1_nohash_0.wav', 'up/t1_nohash_1.wav', 'down/t2_nohash_0.wav', 'up/v1_nohash_0.wav', 'down/x1_nohash_0.wav'],
    { validation: ['up/v1_nohash_0.wav'], test: ['down/x1_nohash_0.wav'] }, ['hum.wav']);
  // A second rendering with the same training speaker names (as two seeds of `dataset synth` have).
  corpus('b', ['up/t1_nohash_0.wav', 'down/t3_nohash_0.wav'], {}, ['hum.wav', 'fan.wav']);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('mergeCorpora', () => {
  it('unites the splits, renumbers the second source, links the audio and keeps the first source\'s lists', () => {
    const manifest = mergeCorpora({ sources: [dir('a'), dir('b')], outDir: dir('ab'), labels });
    expect(manifest.counts).toEqual({ train: 5, validation: 1, test: 1, total: 7 });
    expect(manifest.sources.map((s) => s.clipNumberOffset)).toEqual([0, 1000]);
    const merged = SpeechCommandsCorpus.open(dir('ab'), { labels });
    expect(merged.clips('train').map((c) => c.path).sort()).toEqual([
      'down/t2_nohash_0.wav', 'down/t3_nohash_1000.wav', 'up/t1_nohash_0.wav', 'up/t1_nohash_1.wav', 'up/t1_nohash_1000.wav',
    ]);
    expect(merged.clips('validation').map((c) => c.path)).toEqual(['up/v1_nohash_0.wav']);
    expect(merged.clips('test').map((c) => c.path)).toEqual(['down/x1_nohash_0.wav']);
    expect(readlinkSync(join(dir('ab'), 'up/t1_nohash_1000.wav'))).toBe(join(dir('b'), 'up/t1_nohash_0.wav'));
    expect(merged.read(merged.clips('train').find((c) => c.path === 'up/t1_nohash_1000.wav')!))
      .toEqual(SpeechCommandsCorpus.open(dir('b'), { labels }).read({ path: 'up/t1_nohash_0.wav', word: 'up', label: 1, speaker: 't1' }));
    expect(merged.backgroundPaths().map((p) => p.split('/').pop())).toEqual(['fan.wav', 'hum-1.wav', 'hum.wav']);
    expect(JSON.parse(readFileSync(join(dir('ab'), 'corpus.json'), 'utf8')).generator).toBe('sedge dataset merge');
  });

  it('refuses a non-empty output folder unless forced, and then gives the same folder', () => {
    expect(() => mergeCorpora({ sources: [dir('a'), dir('b')], outDir: dir('ab'), labels })).toThrow(UsageError);
    const again = mergeCorpora({ sources: [dir('a'), dir('b')], outDir: dir('ab'), labels, force: true });
    expect(again.counts.total).toBe(7);
  });

  it('refuses a speaker that would be in training and held out, naming the file, before writing anything', () => {
    corpus('leak', ['up/v1_nohash_0.wav']); // speaker v1 is validation in 'a', training here
    expect(() => mergeCorpora({ sources: [dir('a'), dir('leak')], outDir: dir('out-leak'), labels }))
      .toThrow(/leak\/up\/v1_nohash_0\.wav: speaker 'v1' is in the train split here and held out in .*\/a: /);
    expect(() => readFileSync(join(dir('out-leak'), 'corpus.json'))).toThrow();
  });

  it('refuses clip numbers that collide after renumbering, and fewer than two sources', () => {
    corpus('big', ['up/t9_nohash_1000.wav']);
    corpus('small', ['up/t9_nohash_0.wav']);
    expect(() => mergeCorpora({ sources: [dir('big'), dir('small')], outDir: dir('out-big'), labels })).toThrow(DataError);
    expect(() => mergeCorpora({ sources: [dir('big'), dir('small')], outDir: dir('out-big'), labels }))
      .toThrow(/small\/up\/t9_nohash_0\.wav: would be up\/t9_nohash_1000\.wav in the merged folder, like .*big\/up\/t9_nohash_1000\.wav/);
    expect(() => mergeCorpora({ sources: [dir('a')], outDir: dir('out-one'), labels })).toThrow(/at least two/);
    expect(() => mergeCorpora({ sources: [dir('a'), dir('missing')], outDir: dir('out-missing'), labels })).toThrow(/missing: data folder not found/);
  });

  it('is wired as `sedge dataset merge --out DIR SRC SRC`', async () => {
    const program = registerDataset(new Command('sedge').exitOverride());
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      await program.parseAsync(['dataset', 'merge', '--out', dir('cli'), dir('a'), dir('b'), '--labels', 'down,up', '--json'], { from: 'user' });
      expect(JSON.parse(log.mock.calls[0][0] as string).counts.total).toBe(7);
    } finally {
      log.mockRestore();
    }
  });
});
