import { describe, expect, it } from 'vitest';
import { resample } from '../../src/audio/resample.js';
import {
  SHELVES, STRETCH, STRONG, WEAK, addBackground, addColouredNoise, applyGain, augment, invertPolarity, pitchShift, randomShelves,
  randomStretch, timeShift,
} from '../../tools/data/augment.js';
import { colouredNoise, convolve, fftInPlace, resampleFast, rms, timeStretch } from '../../tools/data/dsp.js';
import { Rng } from '../../tools/data/prng.js';

const SNR_TOLERANCE_DB = 0.5;
const GAIN_TOLERANCE_DB = 1e-4;

/** A word-like test clip: a 300 Hz tone with a 0.4 s envelope in the middle of 1 s, plus a ramp. */
function clip(): Float32Array {
  return Float32Array.from({ length: 16000 }, (_, i) => {
    const env = i > 6000 && i < 12400 ? Math.sin((Math.PI * (i - 6000)) / 6400) : 0;
    return 0.3 * env * Math.sin((2 * Math.PI * 300 * i) / 16000);
  });
}
const db = (ratio: number) => 20 * Math.log10(ratio);
/** Bitwise equality of two float arrays (toEqual on 16 000-element typed arrays is slow). */
const sameBits = (a: Float32Array, b: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

describe('Rng', () => {
  it('is deterministic per seed and key, and uniform enough', () => {
    const a = Rng.derive(5, 'clip', 3), b = Rng.derive(5, 'clip', 3), c = Rng.derive(5, 'clip', 4);
    const xs = Array.from({ length: 1000 }, () => a.next());
    expect(Array.from({ length: 1000 }, () => b.next())).toEqual(xs);
    expect(c.next()).not.toBe(xs[0]);
    const mean = xs.reduce((s, v) => s + v, 0) / xs.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.05);
    const normals = Array.from({ length: 20000 }, () => a.normal());
    const m = normals.reduce((s, v) => s + v, 0) / normals.length;
    const sd = Math.sqrt(normals.reduce((s, v) => s + (v - m) ** 2, 0) / normals.length);
    expect(Math.abs(m)).toBeLessThan(0.03);
    expect(Math.abs(sd - 1)).toBeLessThan(0.03);
  });
});

describe('augmentation transforms', () => {
  it('polarity inversion and gain in dB are exact', () => {
    const x = clip();
    expect(Array.from(invertPolarity(x))).toEqual(Array.from(x, (v) => -v));
    for (const g of [-18, -3, 2.5, 6]) {
      const y = applyGain(x, g);
      expect(Math.abs(db(rms(y) / rms(x)) - g)).toBeLessThan(GAIN_TOLERANCE_DB);
    }
  });

  it('time shift moves the clip without rollover', () => {
    const x = clip();
    const right = timeShift(x, 0.1), left = timeShift(x, -0.1);
    expect(right.length).toBe(16000);
    expect(right.subarray(0, 1600).every((v) => v === 0)).toBe(true);
    expect(Array.from(right.subarray(1600))).toEqual(Array.from(x.subarray(0, 14400)));
    expect(left.subarray(14400).every((v) => v === 0)).toBe(true);
    expect(Array.from(left.subarray(0, 14400))).toEqual(Array.from(x.subarray(1600)));
  });

  it('pitch shift keeps the length and moves the frequency by 2^(st/12)', () => {
    const x = Float32Array.from({ length: 16000 }, (_, i) => Math.sin((2 * Math.PI * 500 * i) / 16000));
    const y = pitchShift(x, 4);
    expect(y.length).toBe(16000);
    // Count zero crossings in the middle (the shifted clip is shorter, centred, zero-padded).
    const crossings = (s: Float32Array, from: number, to: number) => {
      let n = 0;
      for (let i = from + 1; i < to; i++) if ((s[i - 1] < 0) !== (s[i] < 0)) n++;
      return n;
    };
    const ratio = crossings(y, 4000, 12000) / crossings(x, 4000, 12000);
    expect(Math.abs(ratio - 2 ** (4 / 12))).toBeLessThan(0.01);
  });

  it('adds coloured noise and background slices at the requested SNR (±0.5 dB)', () => {
    const x = clip();
    for (const [snr, decay] of [[3, 0], [10, 1], [20, 2], [30, -1]]) {
      const y = addColouredNoise(x, snr, decay, new Rng(snr));
      const noise = y.map((v, i) => v - x[i]);
      expect(Math.abs(db(rms(x) / rms(noise)) - snr)).toBeLessThan(SNR_TOLERANCE_DB);
    }
    const background = [colouredNoise(48000, 1, new Rng(1)), colouredNoise(20000, 2, new Rng(2))];
    const y = addBackground(x, background, 5, new Rng(3));
    const noise = y.map((v, i) => v - x[i]);
    expect(Math.abs(db(rms(x) / rms(noise)) - 5)).toBeLessThan(SNR_TOLERANCE_DB);
  });

  it('coloured noise has the requested spectral slope', () => {
    // Mean PSD in 250–500 Hz vs 2–4 kHz, 3 octaves apart: PSD ∝ 1/f^decay gives 3.01·decay dB per octave.
    for (const decay of [0, 1, 2]) {
      const x = colouredNoise(65536, decay, new Rng(decay + 10));
      const re = Float64Array.from(x), im = new Float64Array(x.length);
      fftInPlace(re, im);
      const band = (lo: number, hi: number) => { // mean power spectral density over the band
        const k0 = Math.round((lo * 65536) / 16000), k1 = Math.round((hi * 65536) / 16000);
        let p = 0;
        for (let k = k0; k < k1; k++) p += re[k] ** 2 + im[k] ** 2;
        return p / (k1 - k0);
      };
      const slopeDbPerOctave = db(Math.sqrt(band(250, 500) / band(2000, 4000))) / 3;
      expect(Math.abs(slopeDbPerOctave - 3 * decay)).toBeLessThan(0.6);
    }
  });

  it('random shelves: move the bands below and above the corners by their gains, deterministic', () => {
    // 100 Hz (below every low corner) and 7 kHz (above every high corner), measured apart by projection.
    const tone = (hz: number) => Float32Array.from({ length: 16000 }, (_, i) => Math.sin((2 * Math.PI * hz * i) / 16000));
    const low = tone(100), high = tone(7000), x = low.map((v, i) => 0.1 * v + 0.1 * high[i]);
    /** Amplitude of the hz component over the last 0.75 s (past the filters' start-up; whole periods). */
    const amplitude = (y: Float32Array, hz: number) => {
      let s = 0, c = 0;
      for (let i = 4000; i < 16000; i++) {
        s += y[i] * Math.sin((2 * Math.PI * hz * i) / 16000);
        c += y[i] * Math.cos((2 * Math.PI * hz * i) / 16000);
      }
      return Math.hypot(s, c) / 6000;
    };
    const copy = x.slice();
    const lowDb: number[] = [], highDb: number[] = [];
    for (let seed = 0; seed < 40; seed++) {
      const y = randomShelves(x, new Rng(seed));
      expect(sameBits(y, randomShelves(x, new Rng(seed)))).toBe(true);
      expect(y.length).toBe(x.length);
      lowDb.push(db(amplitude(y, 100) / 0.1));
      highDb.push(db(amplitude(y, 7000) / 0.1));
    }
    expect(sameBits(x, copy)).toBe(true);
    // Each tone takes most of its own shelf's drawn gain and little of the other's: the spreads cover the ranges.
    for (const [gains, { db: [min, max] }] of [[lowDb, SHELVES.low], [highDb, SHELVES.high]] as const) {
      expect(Math.min(...gains)).toBeLessThan(min + 8);
      expect(Math.max(...gains)).toBeGreaterThan(max - 4);
      expect(gains.every((g) => g > min - 1 && g < max + 1)).toBe(true);
    }
    expect(lowDb.map((g, k) => g - highDb[k]).some((d) => Math.abs(d) > 10)).toBe(true); // drawn apart
  });

  it('time stretch (WSOLA): the word lasts `factor` times longer at the same pitch and level', () => {
    const x = clip(), copy = x.slice();
    /** Samples whose envelope is over a tenth of the peak (the tone's own zeros are bridged by a 2 ms maximum). */
    const span = (y: Float32Array) => {
      const top = Math.max(...y.map(Math.abs));
      let on = 0;
      for (let i = 0; i < y.length; i++) if (Math.max(...y.subarray(Math.max(0, i - 16), i + 16).map(Math.abs)) > 0.1 * top) on++;
      return on;
    };
    /** Zero crossings per second over 0.1 s about the clip's middle. */
    const crossingsPerSecond = (y: Float32Array) => {
      const mid = Math.floor(y.length / 2);
      let n = 0;
      for (let i = mid - 800; i < mid + 800; i++) if ((y[i] < 0) !== (y[i + 1] < 0)) n++;
      return n * 10;
    };
    for (const factor of [1.2, 1.5]) {
      const y = timeStretch(x, factor);
      expect(y.length).toBe(Math.round(16000 * factor));
      expect(span(y) / span(x)).toBeCloseTo(factor, 1);
      expect(Math.abs(crossingsPerSecond(y) - 600)).toBeLessThanOrEqual(20); // 300 Hz; resampling would give 600 / factor
      expect(Math.max(...y.map(Math.abs)) / 0.3).toBeGreaterThan(0.95); // frames add in phase: no dips from misalignment
      expect(Math.max(...y.map(Math.abs)) / 0.3).toBeLessThan(1.05);
    }
    expect(sameBits(timeStretch(x, 1), x)).toBe(true);
    expect(sameBits(x, copy)).toBe(true);
  });

  it('random stretch: slows by a factor within STRETCH, keeps the length and the word, deterministic', () => {
    const x = clip(), copy = x.slice();
    const energy = (y: Float32Array) => y.reduce((s, v) => s + v * v, 0);
    const ratios: number[] = [];
    for (let seed = 0; seed < 20; seed++) {
      const y = randomStretch(x, new Rng(seed));
      expect(sameBits(y, randomStretch(x, new Rng(seed)))).toBe(true);
      expect(y.length).toBe(16000);
      ratios.push(energy(y) / energy(x)); // the whole word stays in the window, so energy grows with its duration
    }
    expect(sameBits(x, copy)).toBe(true);
    expect(ratios.every((r) => r > STRETCH.factor[0] * 0.97 && r < STRETCH.factor[1] * 1.03)).toBe(true);
    expect(Math.min(...ratios)).toBeLessThan(1.15);
    expect(Math.max(...ratios)).toBeGreaterThan(1.35);
  });

  it('random stretch over a given range speeds up too, and the default range draws as before', () => {
    const x = clip();
    const energy = (y: Float32Array) => y.reduce((s, v) => s + v * v, 0);
    const ratios = Array.from({ length: 20 }, (_, seed) => energy(randomStretch(x, new Rng(seed), [0.8, 1.5])) / energy(x));
    expect(ratios.every((r) => r > 0.8 * 0.97 && r < 1.5 * 1.03)).toBe(true);
    expect(Math.min(...ratios)).toBeLessThan(0.9);
    expect(sameBits(randomStretch(x, new Rng(3), STRETCH.factor), randomStretch(x, new Rng(3)))).toBe(true);
  });

  it('augment is deterministic per seed, keeps the length and does not touch its input', () => {
    const x = clip(), copy = x.slice();
    const background = [colouredNoise(32000, 1, new Rng(9))];
    for (const preset of [WEAK, STRONG]) {
      const options = { ...preset, backgroundP: 0.5 };
      for (let seed = 0; seed < 20; seed++) {
        const a = augment(x, options, new Rng(seed), background), b = augment(x, options, new Rng(seed), background);
        expect(a.length).toBe(16000);
        expect(sameBits(a, b)).toBe(true);
        expect(a.every(Number.isFinite)).toBe(true);
      }
    }
    expect(sameBits(x, copy)).toBe(true);
    expect(sameBits(augment(x, WEAK, new Rng(1)), augment(x, WEAK, new Rng(2)))).toBe(false);
  });
});

describe('dsp', () => {
  it('resampleFast matches src/audio/resample within its shorter kernel', () => {
    const x = Float32Array.from({ length: 4000 }, (_, i) => Math.sin((2 * Math.PI * 440 * i) / 22050) + 0.3 * Math.sin((2 * Math.PI * 3000 * i) / 22050));
    const a = resampleFast(x, 22050, 16000), b = resample(x, 22050, 16000);
    expect(a.length).toBe(b.length);
    let err = 0;
    for (let i = 100; i < a.length - 100; i++) err = Math.max(err, Math.abs(a[i] - b[i]));
    expect(err).toBeLessThan(2e-3);
  });

  it('convolve equals direct convolution', () => {
    const rng = new Rng(4);
    const x = Float32Array.from({ length: 300 }, () => rng.normal()), h = Float32Array.from({ length: 50 }, () => rng.normal());
    const y = convolve(x, h);
    for (const i of [0, 7, 49, 150, 299]) {
      let direct = 0;
      for (let k = 0; k < h.length && k <= i; k++) direct += h[k] * x[i - k];
      expect(Math.abs(y[i] - direct)).toBeLessThan(1e-4);
    }
  });
});
