// `--eq`: the filter-chain parser (every malformed value refused with what was expected), the
// filters' measured gains on tones, and a filtered eval end to end: recorded in the report, and a
// checkpoint of one channel never resumed under another.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCheckpoint, writeCheckpoint } from '../../tools/eval/checkpoint.js';
import { applyEq, describeEq, parseEq } from '../../tools/eval/eq.js';

const tone = (hz: number) => Float32Array.from({ length: 16000 }, (_, i) => Math.sin((2 * Math.PI * hz * i) / 16000));
/** RMS gain of the filter chain on a tone, measured after the first 0.25 s (the filter's start-up). */
function gain(hz: number, eq: string): number {
  const x = tone(hz), y = x.slice();
  applyEq(y, parseEq(eq));
  const rms = (v: Float32Array) => Math.sqrt(v.subarray(4000).reduce((s, a) => s + a * a, 0) / (v.length - 4000));
  return rms(y) / rms(x);
}
const db = (g: number) => 20 * Math.log10(g);

describe('parseEq', () => {
  it('reads a chain in order and writes it back canonically', () => {
    const filters = parseEq('highpass:300, lowshelf:150:9,highshelf:2000:-6.5');
    expect(filters).toEqual([{ kind: 'highpass', hz: 300, db: 0 }, { kind: 'lowshelf', hz: 150, db: 9 }, { kind: 'highshelf', hz: 2000, db: -6.5 }]);
    expect(describeEq(filters)).toBe('highpass:300,lowshelf:150:+9,highshelf:2000:-6.5');
  });

  it.each([
    ['bandpass:300', /expected KIND:HZ .* 'bandpass:300' is not one/],
    ['highpass', /frequency must be a number of Hz between 0 and 8000/],
    ['highpass:8000', /between 0 and 8000/],
    ['lowpass:abc', /between 0 and 8000/],
    ['lowshelf:300', /a shelf needs its gain in dB, e.g. lowshelf:300:\+6/],
    ['highpass:300:6', /a highpass takes no gain/],
    ['highshelf:2000:loud', /gain must be a number of dB within ±40/],
    ['highshelf:2000:60', /within ±40/],
    ['highpass:300:1:2', /is not one/],
    ['', /is not one/],
  ])('refuses %j', (value, message) => {
    expect(() => parseEq(value)).toThrow(InvalidArgumentError);
    expect(() => parseEq(value)).toThrow(message);
  });
});

describe('applyEq', () => {
  it('a high-pass keeps what is above its corner and cuts 12 dB per octave below', () => {
    expect(db(gain(4000, 'highpass:300'))).toBeCloseTo(0, 1);
    expect(db(gain(75, 'highpass:300'))).toBeCloseTo(-24, 0); // two octaves down
  });

  it('shelves move their band by the gain and leave the other end alone', () => {
    expect(db(gain(40, 'lowshelf:300:9'))).toBeCloseTo(9, 0);
    expect(db(gain(5000, 'lowshelf:300:9'))).toBeCloseTo(0, 1);
    expect(db(gain(7000, 'highshelf:1000:-6'))).toBeCloseTo(-6, 0);
    expect(db(gain(100, 'highshelf:1000:-6'))).toBeCloseTo(0, 1);
  });

  it('runs the chain in order on the clip it is given', () => {
    const x = tone(100);
    applyEq(x, parseEq('lowshelf:300:12,lowshelf:300:-12'));
    expect(db(gain(100, 'lowshelf:300:12,lowshelf:300:-12'))).toBeCloseTo(0, 2);
    expect(x).not.toEqual(tone(100)); // filtered in place
  });
});

describe('checkpoints of filtered evals', () => {
  let root: string;
  beforeAll(() => { root = mkdtempSync(join(tmpdir(), 'sedge-eq-')); });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('are not resumed under another channel; one written before --eq existed resumes as unfiltered', () => {
    const file = join(root, 'eval.partial.json');
    writeCheckpoint(file, { modelSha256: 'abc', eq: 'highpass:300' }, Int32Array.from([1, -1]));
    expect(() => readCheckpoint(file, { modelSha256: 'abc', eq: null }, 2)).toThrow(/another experiment: eq was "highpass:300", now null/);
    expect(readCheckpoint(file, { modelSha256: 'abc', eq: 'highpass:300' }, 2)).toEqual(Int32Array.from([1, -1]));
    writeCheckpoint(file, { modelSha256: 'abc' }, Int32Array.from([1, -1]));
    expect(readCheckpoint(file, { modelSha256: 'abc', eq: null }, 2)).toEqual(Int32Array.from([1, -1]));
  });
});
