// `--perturb`: the parser (every malformed value refused with what was expected), the filters'
// measured gains on tones, the stretch's duration and pitch, the noise's SNR, colour and seeding,
// and checkpoints: one made under one chain is never resumed under another.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCheckpoint, writeCheckpoint } from '../../tools/eval/checkpoint.js';
import { applyPerturb, describePerturb, parsePerturb } from '../../tools/eval/perturb.js';

const tone = (hz: number) => Float32Array.from({ length: 16000 }, (_, i) => Math.sin((2 * Math.PI * hz * i) / 16000));
/** RMS gain of the filter chain on a tone, measured after the first 0.25 s (the filter's start-up). */
function gain(hz: number, steps: string): number {
  const x = tone(hz), y = applyPerturb(x, parsePerturb(steps));
  const rms = (v: Float32Array) => Math.sqrt(v.subarray(4000).reduce((s, a) => s + a * a, 0) / (v.length - 4000));
  return rms(y) / rms(x);
}
const db = (g: number) => 20 * Math.log10(g);

describe('parsePerturb', () => {
  it('reads a chain in order and writes it back canonically', () => {
    const steps = parsePerturb('highpass:300, lowshelf:150:9,highshelf:2000:-6.5,stretch:1.2,noise:pink:20');
    expect(steps).toEqual([
      { kind: 'highpass', hz: 300, db: 0 }, { kind: 'lowshelf', hz: 150, db: 9 }, { kind: 'highshelf', hz: 2000, db: -6.5 }, { kind: 'stretch', factor: 1.2 },
      { kind: 'noise', colour: 'pink', snrDb: 20 },
    ]);
    expect(describePerturb(steps)).toBe('highpass:300,lowshelf:150:+9,highshelf:2000:-6.5,stretch:1.2,noise:pink:20');
  });

  it.each([
    ['bandpass:300', /expected comma-separated highpass:HZ, .* 'bandpass:300' is not one/],
    ['highpass', /frequency must be a number of Hz between 0 and 8000/],
    ['highpass:8000', /between 0 and 8000/],
    ['lowpass:abc', /between 0 and 8000/],
    ['lowshelf:300', /a shelf needs its gain in dB, e.g. lowshelf:300:\+6/],
    ['highpass:300:6', /a highpass takes no gain/],
    ['highshelf:2000:loud', /gain must be a number of dB within ±40/],
    ['highshelf:2000:60', /within ±40/],
    ['highpass:300:1:2', /is not one/],
    ['', /is not one/],
    ['stretch', /stretch takes one factor in \[0.5, 2\]/],
    ['stretch:3', /one factor in \[0.5, 2\]/],
    ['stretch:1.2:1', /one factor/],
    ['noise', /noise takes a colour \(white, pink, brown\) and an SNR in dB within \[-20, 80\], e.g. noise:white:20/],
    ['noise:white', /noise takes a colour/],
    ['noise:white:', /noise takes a colour/],
    ['noise:grey:20', /noise takes a colour/],
    ['noise:white:loud', /noise takes a colour/],
    ['noise:white:100', /within \[-20, 80\]/],
    ['noise:white:20:1', /noise takes a colour/],
    ['noise:toString:20', /noise takes a colour/],
  ])('refuses %j', (value, message) => {
    expect(() => parsePerturb(value)).toThrow(InvalidArgumentError);
    expect(() => parsePerturb(value)).toThrow(message);
  });
});

describe('applyPerturb', () => {
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

  it('runs the chain in order and leaves its input alone', () => {
    const x = tone(100);
    expect(db(gain(100, 'lowshelf:300:12,lowshelf:300:-12'))).toBeCloseTo(0, 2);
    applyPerturb(x, parsePerturb('highpass:1000'));
    expect(x).toEqual(tone(100));
  });

  it('stretch: a word lasts longer (or shorter) at the same pitch, in a clip of the same length', () => {
    // 0.3 s of 250 Hz in the middle of 1 s
    const word = Float32Array.from({ length: 16000 }, (_, i) => (i >= 5600 && i < 10400 ? 0.5 * Math.sin((2 * Math.PI * 250 * i) / 16000) : 0));
    const voiced = (y: Float32Array) => y.reduce((n, v) => n + (Math.abs(v) > 0.05 ? 1 : 0), 0);
    for (const factor of [0.8, 1.25]) {
      const y = applyPerturb(word, parsePerturb(`stretch:${factor}`));
      expect(y.length).toBe(16000);
      expect(voiced(y) / voiced(word)).toBeCloseTo(factor, 1);
      let crossings = 0;
      for (let i = 7000; i < 9000; i++) if ((y[i] < 0) !== (y[i + 1] < 0)) crossings++;
      expect(Math.abs(crossings - 62.5)).toBeLessThanOrEqual(3); // 250 Hz over 0.125 s
    }
  });
});

describe('applyPerturb noise', () => {
  // 0.4 s of 300 Hz in the middle of 1 s, silence around it
  const word = Float32Array.from({ length: 16000 }, (_, i) => (i >= 4800 && i < 11200 ? 0.3 * Math.sin((2 * Math.PI * 300 * i) / 16000) : 0));
  const rmsOf = (v: Float32Array, from = 0, to = v.length) => Math.sqrt(v.subarray(from, to).reduce((s, a) => s + a * a, 0) / (to - from));
  const added = (y: Float32Array) => y.map((v, i) => v - word[i]);

  it('adds noise at the SNR below the speech, measured over the spoken part', () => {
    for (const snr of [0, 20, 40]) {
      const y = applyPerturb(word, parsePerturb(`noise:white:${snr}`));
      expect(y.length).toBe(16000);
      expect(db(rmsOf(word, 4800, 11200) / rmsOf(added(y)))).toBeCloseTo(snr, 2); // the spoken part starts a sample late (a zero crossing)
    }
  });

  it('colours: pink and brown put more of their power at low frequencies than white', () => {
    // RMS of the first difference (a high-pass) over the RMS: the steeper the slope, the smaller the high-frequency share
    const highShare = (colour: string) => { const n = added(applyPerturb(word, parsePerturb(`noise:${colour}:0`))); const d = n.subarray(1).map((v, i) => v - n[i]); return rmsOf(d) / rmsOf(n); };
    expect(highShare('white')).toBeGreaterThan(1.3); // first difference of white noise: √2 × its RMS
    expect(highShare('pink')).toBeLessThan(highShare('white') / 2);
    expect(highShare('brown')).toBeLessThan(highShare('pink') / 2);
  });

  it('the same clip always draws the same noise; another clip draws other noise; silence stays silent', () => {
    const a = applyPerturb(word, parsePerturb('noise:white:10')), b = applyPerturb(word, parsePerturb('noise:white:10'));
    expect(b).toEqual(a);
    const louder = word.map((v) => 2 * v);
    const c = applyPerturb(louder, parsePerturb('noise:white:10'));
    expect(c.map((v, i) => v - louder[i]).slice(0, 100)).not.toEqual(added(a).map((v) => 2 * v).slice(0, 100));
    expect(applyPerturb(new Float32Array(16000), parsePerturb('noise:white:10'))).toEqual(new Float32Array(16000));
  });
});

describe('checkpoints of perturbed evals', () => {
  let root: string;
  beforeAll(() => { root = mkdtempSync(join(tmpdir(), 'sedge-perturb-')); });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('are not resumed under another chain; one written before --perturb existed resumes as unperturbed', () => {
    const file = join(root, 'eval.partial.json');
    writeCheckpoint(file, { modelSha256: 'abc', perturb: 'highpass:300' }, Int32Array.from([1, -1]));
    expect(() => readCheckpoint(file, { modelSha256: 'abc', perturb: null }, 2)).toThrow(/another experiment: perturb was "highpass:300", now null/);
    expect(readCheckpoint(file, { modelSha256: 'abc', perturb: 'highpass:300' }, 2)).toEqual(Int32Array.from([1, -1]));
    writeCheckpoint(file, { modelSha256: 'abc' }, Int32Array.from([1, -1]));
    expect(readCheckpoint(file, { modelSha256: 'abc', perturb: null }, 2)).toEqual(Int32Array.from([1, -1]));
  });
});
