import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { encodeWav } from '../../src/audio/wav.js';
import { DataError, UsageError } from '../../src/errors.js';
import { hasProgram } from '../../tools/data/espeak.js';
import { datasetStatsCommand, datasetSynthCommand, registerDataset, type DatasetStats } from '../../src/node/dataset-command.js';

let root: string;
const tone = (n: number) => Float32Array.from({ length: n }, (_, i) => 0.1 * Math.sin(i / 5));

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'sedge-dataset-cmd-'));
  const clips = ['up/a_nohash_0.wav', 'up/b_nohash_0.wav', 'down/a_nohash_0.wav', 'down/c_nohash_0.wav'];
  for (const path of clips) {
    mkdirSync(join(root, 'corpus', path, '..'), { recursive: true });
    writeFileSync(join(root, 'corpus', path), encodeWav({ samples: tone(8000), sampleRateHz: 16000 }));
  }
  writeFileSync(join(root, 'corpus', 'testing_list.txt'), 'up/b_nohash_0.wav\ndown/c_nohash_0.wav\n');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('sedge dataset stats', () => {
  it('counts splits and speakers, flags speakers shared between splits, computes mean/std', async () => {
    const stats = await datasetStatsCommand(join(root, 'corpus'), { labels: ['down', 'up'], json: true }, () => {});
    expect(stats.counts).toEqual({ train: 2, validation: 0, test: 2 });
    expect(stats.perWord).toEqual({ down: { train: 1, validation: 0, test: 1 }, up: { train: 1, validation: 0, test: 1 } });
    expect(stats.speakers).toEqual({ train: 1, validation: 0, test: 2 });
    expect(stats.sharedSpeakers).toEqual([]);
    expect(stats.inputStats?.samples).toBe(32000);
  });

  it('is wired through registerDataset, with --json on stdout only', async () => {
    const program = registerDataset(new Command('sedge').exitOverride());
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      await program.parseAsync(['dataset', 'stats', join(root, 'corpus'), '--labels', 'down,up', '--no-audio', '--json'], { from: 'user' });
      const printed = JSON.parse(log.mock.calls[0][0] as string) as DatasetStats;
      expect(printed.counts.train).toBe(2);
      expect(printed.inputStats).toBeNull();
    } finally {
      log.mockRestore();
    }
  });

  it('names the path of a bad corpus', async () => {
    await expect(datasetStatsCommand(join(root, 'missing'), {}, () => {})).rejects.toThrow(DataError);
    await expect(datasetStatsCommand(join(root, 'corpus'), { labels: ['up'] }, () => {})).rejects.toThrow(/word folder 'down' is not one of the 1 labels/);
  });
});

describe('sedge dataset synth options', () => {
  it('refuses a bad seed or share with commander\'s usage error, not a stack trace', async () => {
    for (const [flag, value, message] of [['--seed', 'abc', /expected an integer seed/], ['--female-share', '2', /expected a probability in \[0, 1\]/], ['--mbrola-share', '', /expected a probability/]] as const) {
      const program = registerDataset(new Command('sedge').exitOverride().configureOutput({ writeErr: () => {} }));
      program.commands.forEach((c) => c.exitOverride().configureOutput({ writeErr: () => {} }));
      await expect(program.parseAsync(['dataset', 'synth', '--out', join(root, 'never'), flag, value], { from: 'user' })).rejects.toMatchObject({ code: 'commander.invalidArgument', message: expect.stringMatching(message) });
    }
  });
});

describe.skipIf(!hasProgram('espeak-ng'))('sedge dataset synth', () => {
  it('refuses a non-empty output folder before any work', async () => {
    await expect(datasetSynthCommand({ out: join(root, 'corpus'), perWord: 1 }, () => {})).rejects.toThrow(UsageError);
  });
});
