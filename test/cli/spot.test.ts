// `sedge spot`: the command prints the Spotter's detections, per file, with time stamps; bad options exit 2.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeWav } from '../../src/audio/wav.js';
import { Network } from '../../src/engine/index.js';
import { Spotter } from '../../src/engine/spotter.js';
import { UsageError } from '../../src/errors.js';
import { encodeSafetensors } from '../../src/model/safetensors.js';
import { spotFiles } from '../../src/node/commands/spot.js';
import { readWav } from '../../src/node/read-clips.js';
import { sedge } from '../helpers/cli.js';
import { concat, toneBurst, toneModel } from '../helpers/controlled-models.js';

const dir = mkdtempSync(join(tmpdir(), 'sedge-spot-'));
const model = toneModel({ yes: 500, no: 1100, up: 1700 }, 250); // see test/engine/spotter.test.ts
const modelPath = join(dir, 'tones.safetensors');
writeFileSync(modelPath, encodeSafetensors(model));
const wav = (name: string, samples: Float32Array) => {
  const path = join(dir, name);
  writeFileSync(path, encodeWav({ samples, sampleRateHz: 16000 }));
  return path;
};
// 16-bit WAVs: the spotter sees the rounded samples, as the command does.
const words = wav('words.wav', concat(1, toneBurst(500, 0.5, 0.3), 1, toneBurst(1100, 0.5, 0.3), 1, toneBurst(1700, 0.5, 0.3), 1));
const short = wav('short.wav', concat(0.1, toneBurst(1700, 0.5, 0.3), 0.2));

describe('sedge spot', () => {
  it('--json: the Spotter\'s detections with default options, per file', async () => {
    const r = sedge('spot', words, '--model', modelPath, '--json');
    expect(r.stderr).toBe('');
    const [result] = JSON.parse(r.stdout);
    expect(result.file).toBe(words);
    expect(result.seconds).toBe(5.5);
    const want = new Spotter(await Network.create(model)).push(readWav(words, 16000));
    expect(result.detections).toEqual(JSON.parse(JSON.stringify(want)));
    expect(result.detections.map((d: { label: string; startSeconds: number }) => `${d.label}@${d.startSeconds}`)).toEqual(['yes@1', 'no@2.5', 'up@4']);
  });

  it('--peak 0 reports the first window over the threshold', () => {
    const [result] = JSON.parse(sedge('spot', words, '--model', modelPath, '--peak', '0', '--json').stdout);
    expect(result.detections.map((d: { label: string; startSeconds: number }) => `${d.label}@${d.startSeconds}`)).toEqual(['yes@0.75', 'no@2.25', 'up@3.75']);
  });

  it('text: one line per detection with its window; options reach the spotter; a short file is noted', () => {
    const r = sedge('spot', words, short, '--model', modelPath, '--hop', '500', '--smooth', '1', '--threshold', '0.8');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(new RegExp(`^${words}  0\\.500–1\\.500 s  yes \\d+\\.\\d %  \\(\\w+ \\d+\\.\\d %, \\w+ \\d+\\.\\d %\\)$`));
    expect(lines[1]).toMatch(/ {2}2\.000–3\.000 s {2}no /);
    expect(lines[2]).toMatch(/ {2}3\.500–4\.500 s {2}up /);
    expect(lines[3]).toBe(`${short}: no keywords (0.80 s)`);
    expect(r.stderr).toContain(`${short}: 0.80 s, shorter than one window (1 s): nothing scored; --tail scores it zero-padded`);
  });

  it('--tail scores the zero-padded end', () => {
    const r = sedge('spot', short, '--model', modelPath, '--tail', '--smooth', '1', '--json');
    const [result] = JSON.parse(r.stdout);
    expect(result.detections.map((d: { label: string; startSeconds: number; endSeconds: number }) => [d.label, d.startSeconds, d.endSeconds])).toEqual([['up', 0, 0.8]]);
  });

  it('bad options exit 2 naming the option', () => {
    const r = sedge('spot', words, '--model', modelPath, '--hop', '0');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--hop must be from 0.0625 ms to the window, 1000 ms (1 to 16000 samples at 16000 Hz), got 0 ms');
  });

  it.each([
    [{ hopMs: 1001 }, /--hop .* got 1001 ms/],
    [{ thresholds: { yess: 0.9 } }, /--word-thresholds: 'yess' is not a word of this model/],
    [{ suppressMs: -1 }, /suppressSamples must be a non-negative integer, got -16/],
    [{ peakMs: -1 }, /peakSamples must be a non-negative integer, got -16/],
  ])('%j → UsageError before any work', async (options, message) => {
    await expect(spotFiles(model, [words], options)).rejects.toThrow(UsageError);
    await expect(spotFiles(model, [words], options)).rejects.toThrow(message);
  });

  it('a file that is not a .wav → InputError naming it', async () => {
    await expect(spotFiles(model, [modelPath])).rejects.toThrow(`${modelPath}: expected a .wav file`);
  });
});

