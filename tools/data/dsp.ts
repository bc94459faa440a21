/**
 * Signal processing for the data tools: the corpus generator's voice and room perturbations and the
 * training-time augmentation share these. Everything works on mono Float32Array at one sample rate
 * and allocates its output, except the `…InPlace` functions.
 */
import type { Rng } from './prng.js';
import { FAST_RESAMPLE, resample } from '../../src/audio/resample.js';

export function rms(x: ArrayLike<number>, from = 0, to = x.length): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += x[i] * x[i];
  return to > from ? Math.sqrt(sum / (to - from)) : 0;
}

export function peak(x: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]));
  return m;
}

export const dbToGain = (db: number): number => 10 ** (db / 20);
export const gainToDb = (gain: number): number => 20 * Math.log10(gain);

export function scaleInPlace(x: Float32Array, gain: number): Float32Array {
  for (let i = 0; i < x.length; i++) x[i] *= gain;
  return x;
}

/** x += gain·noise over the overlap (noise may be shorter). */
export function addScaledInPlace(x: Float32Array, noise: ArrayLike<number>, gain: number, offset = 0): Float32Array {
  const n = Math.min(x.length - offset, noise.length);
  for (let i = 0; i < n; i++) x[offset + i] += gain * noise[i];
  return x;
}

// ---------------------------------------------------------------------------------------------
// FFT (iterative radix-2, in place on split re/im arrays). Sizes are powers of two.

const twiddleCache = new Map<number, { cos: Float64Array; sin: Float64Array; rev: Uint32Array }>();

function twiddles(n: number) {
  let t = twiddleCache.get(n);
  if (!t) {
    const cos = new Float64Array(n / 2), sin = new Float64Array(n / 2), rev = new Uint32Array(n);
    for (let i = 0; i < n / 2; i++) {
      cos[i] = Math.cos((2 * Math.PI * i) / n);
      sin[i] = Math.sin((2 * Math.PI * i) / n);
    }
    const bits = Math.log2(n);
    for (let i = 0; i < n; i++) {
      let r = 0;
      for (let b = 0; b < bits; b++) r |= ((i >>> b) & 1) << (bits - 1 - b);
      rev[i] = r;
    }
    t = { cos, sin, rev };
    twiddleCache.set(n, t);
  }
  return t;
}

export function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/** In-place complex FFT; `inverse` computes the unnormalised inverse (divide by n yourself). */
export function fftInPlace(re: Float64Array, im: Float64Array, inverse = false): void {
  const n = re.length;
  if (n & (n - 1)) throw new RangeError(`fft size ${n} is not a power of two`);
  const { cos, sin, rev } = twiddles(n);
  for (let i = 0; i < n; i++) {
    const j = rev[i];
    if (j > i) {
      let t = re[i]; re[i] = re[j]; re[j] = t;
      t = im[i]; im[i] = im[j]; im[j] = t;
    }
  }
  const sign = inverse ? 1 : -1;
  for (let size = 2; size <= n; size *= 2) {
    const half = size / 2, step = n / size;
    for (let start = 0; start < n; start += size) {
      for (let k = 0; k < half; k++) {
        const wr = cos[k * step], wi = sign * sin[k * step];
        const a = start + k, b = a + half;
        const xr = re[b] * wr - im[b] * wi, xi = re[b] * wi + im[b] * wr;
        re[b] = re[a] - xr; im[b] = im[a] - xi;
        re[a] += xr; im[a] += xi;
      }
    }
  }
}

/**
 * Linear convolution via FFT, truncated to x's length (a reverb tail is cut at the clip end).
 * Both inputs are real, so they share one forward FFT as z = x + i·h, and X·H is read off z's
 * spectrum: X[k] = (Z[k] + Z*[N−k])/2, H[k] = (Z[k] − Z*[N−k])/(2i). Two FFTs instead of three.
 */
export function convolve(x: Float32Array, h: Float32Array): Float32Array {
  const n = nextPow2(x.length + h.length - 1);
  const re = new Float64Array(n), im = new Float64Array(n);
  re.set(x);
  im.set(h);
  fftInPlace(re, im);
  const yr = new Float64Array(n), yi = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const j = (n - k) & (n - 1);
    const xr = (re[k] + re[j]) / 2, xi = (im[k] - im[j]) / 2; // X[k]
    const hr = (im[k] + im[j]) / 2, hi = (re[j] - re[k]) / 2; // H[k]
    yr[k] = xr * hr - xi * hi;
    yi[k] = xr * hi + xi * hr;
  }
  fftInPlace(yr, yi, true);
  const out = new Float32Array(x.length);
  for (let i = 0; i < out.length; i++) out[i] = yr[i] / n;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Noise

/**
 * Gaussian noise with power spectral density ∝ 1/f^decay (0 white, 1 pink, 2 brown; negative values
 * tilt towards high frequencies), unit RMS. Shaped in the frequency domain like torch_audiomentations'
 * AddColoredNoise (`f_decay`), so any real decay works, not only the three named colours.
 */
export function colouredNoise(length: number, decay: number, rng: Rng, sampleRateHz = 16000): Float32Array {
  const out = new Float32Array(length);
  if (decay === 0) {
    for (let i = 0; i < length; i++) out[i] = rng.normal();
  } else {
    // Spectral synthesis: white Gaussian noise has an i.i.d. complex Gaussian spectrum, so draw the
    // shaped spectrum directly (Hermitian, so the signal is real) and take one inverse FFT.
    const n = nextPow2(length);
    const re = new Float64Array(n), im = new Float64Array(n);
    const lowestHz = 20; // hold the gain below 20 Hz so brown noise does not turn into DC drift
    for (let k = 1; k <= n / 2; k++) {
      const hz = Math.max(lowestHz, (k * sampleRateHz) / n);
      const g = (hz / 1000) ** (-decay / 2);
      re[k] = g * rng.normal();
      im[k] = k === n / 2 ? 0 : g * rng.normal();
      if (k < n / 2) { re[n - k] = re[k]; im[n - k] = -im[k]; }
    }
    fftInPlace(re, im, true);
    for (let i = 0; i < length; i++) out[i] = re[i];
  }
  const r = rms(out);
  return r > 0 ? scaleInPlace(out, 1 / r) : out;
}

/**
 * Adds `noise` to `x` so that 20·log10(rms(x)/rms(added)) = snrDb exactly (RMS over the whole clip,
 * as torch_audiomentations does). A silent x gets nothing added. Returns x.
 */
export function addAtSnrInPlace(x: Float32Array, noise: ArrayLike<number>, snrDb: number): Float32Array {
  const signal = rms(x), noiseRms = rms(noise, 0, Math.min(noise.length, x.length));
  if (signal === 0 || noiseRms === 0) return x;
  return addScaledInPlace(x, noise, signal / noiseRms / dbToGain(snrDb));
}

// ---------------------------------------------------------------------------------------------
// Filters: RBJ Audio-EQ-Cookbook biquads (Robert Bristow-Johnson), direct form I in float64.

export type BiquadKind = 'lowpass' | 'highpass' | 'bandpass' | 'peaking' | 'lowshelf' | 'highshelf';

export interface Biquad { b0: number; b1: number; b2: number; a1: number; a2: number }

export function biquad(kind: BiquadKind, freqHz: number, q: number, gainDb: number, sampleRateHz: number): Biquad {
  const w0 = (2 * Math.PI * Math.min(freqHz, 0.49 * sampleRateHz)) / sampleRateHz;
  const cosW = Math.cos(w0), alpha = Math.sin(w0) / (2 * q), A = 10 ** (gainDb / 40);
  let b0: number, b1: number, b2: number, a0: number, a1: number, a2: number;
  switch (kind) {
    case 'lowpass': b0 = (1 - cosW) / 2; b1 = 1 - cosW; b2 = b0; a0 = 1 + alpha; a1 = -2 * cosW; a2 = 1 - alpha; break;
    case 'highpass': b0 = (1 + cosW) / 2; b1 = -(1 + cosW); b2 = b0; a0 = 1 + alpha; a1 = -2 * cosW; a2 = 1 - alpha; break;
    case 'bandpass': b0 = alpha; b1 = 0; b2 = -alpha; a0 = 1 + alpha; a1 = -2 * cosW; a2 = 1 - alpha; break;
    case 'peaking': b0 = 1 + alpha * A; b1 = -2 * cosW; b2 = 1 - alpha * A; a0 = 1 + alpha / A; a1 = -2 * cosW; a2 = 1 - alpha / A; break;
    case 'lowshelf': {
      const s = 2 * Math.sqrt(A) * alpha;
      b0 = A * (A + 1 - (A - 1) * cosW + s); b1 = 2 * A * (A - 1 - (A + 1) * cosW); b2 = A * (A + 1 - (A - 1) * cosW - s);
      a0 = A + 1 + (A - 1) * cosW + s; a1 = -2 * (A - 1 + (A + 1) * cosW); a2 = A + 1 + (A - 1) * cosW - s;
      break;
    }
    case 'highshelf': {
      const s = 2 * Math.sqrt(A) * alpha;
      b0 = A * (A + 1 + (A - 1) * cosW + s); b1 = -2 * A * (A - 1 + (A + 1) * cosW); b2 = A * (A + 1 + (A - 1) * cosW - s);
      a0 = A + 1 - (A - 1) * cosW + s; a1 = 2 * (A - 1 - (A + 1) * cosW); a2 = A + 1 - (A - 1) * cosW - s;
      break;
    }
  }
  return { b0: b0 / a0, b1: b1 / a0, b2: b2 / a0, a1: a1 / a0, a2: a2 / a0 };
}

export function filterInPlace(x: Float32Array, f: Biquad): Float32Array {
  let x1 = 0, x2 = 0, y1 = 0, y2 = 0;
  for (let i = 0; i < x.length; i++) {
    const x0 = x[i];
    const y0 = f.b0 * x0 + f.b1 * x1 + f.b2 * x2 - f.a1 * y1 - f.a2 * y2;
    x2 = x1; x1 = x0; y2 = y1; y1 = y0;
    x[i] = y0;
  }
  return x;
}

// ---------------------------------------------------------------------------------------------
// Resampling

/** The shared resampler (src/audio/resample.ts) with its short kernel: it runs per clip per epoch. */
export const resampleFast = (samples: Float32Array, fromHz: number, toHz: number): Float32Array =>
  resample(samples, fromHz, toHz, FAST_RESAMPLE);

/**
 * Speed/pitch perturbation by resampling: the clip plays `factor` times faster, so pitch and all
 * formants move up by `factor` and the duration shrinks by 1/factor (Kaldi-style speed perturbation).
 */
export function changeSpeed(x: Float32Array, factor: number): Float32Array {
  return factor === 1 ? x.slice() : resampleFast(x, 16000 * factor, 16000);
}

/**
 * Pitch-preserving time stretch by WSOLA (Verhelst & Roelands 1993): 24 ms Hann frames are written
 * every 12 ms; each is read near its nominal input position (output time / factor), moved by up to
 * ±4 ms to where the input best continues the frame before it (cross-correlation), so pitch periods
 * line up and the pitch stays. `factor` > 1 makes the clip longer (slower speech);
 * round(x.length · factor) samples.
 */
export function timeStretch(x: Float32Array, factor: number, sampleRateHz = 16000): Float32Array {
  if (factor === 1) return x.slice();
  const hop = Math.round(0.012 * sampleRateHz), frame = 2 * hop, tolerance = Math.round(0.004 * sampleRateHz);
  const length = Math.round(x.length * factor);
  // x with room on both sides, so that every frame and search offset reads in bounds (zeros outside)
  const pad = frame + tolerance, padded = new Float32Array(x.length + 2 * pad + frame);
  padded.set(x, pad);
  const window = Float64Array.from({ length: frame }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * (i + 0.5)) / frame));
  const out = new Float64Array(length + frame), weight = new Float64Array(length + frame);
  let previous = 0; // input position of the frame written last
  for (let at = 0; at < length; at += hop) {
    const nominal = Math.min(Math.round(at / factor), x.length);
    let from = nominal;
    if (at > 0) {
      const next = pad + previous + hop; // where the previous frame's waveform naturally goes on
      // every 2nd sample and every 2nd offset, then the two neighbours of the best: plenty to align periods, 4× cheaper
      const similarity = (d: number) => {
        let c = 0;
        for (let i = 0, start = pad + nominal + d; i < frame; i += 2) c += padded[next + i] * padded[start + i];
        return c;
      };
      let bestD = 0, best = -Infinity;
      for (let d = -tolerance; d <= tolerance; d += 2) {
        const c = similarity(d);
        if (c > best) { best = c; bestD = d; }
      }
      for (const d of [bestD - 1, bestD + 1]) {
        const c = similarity(d);
        if (c > best) { best = c; bestD = d; }
      }
      from = nominal + bestD;
    }
    for (let i = 0; i < frame; i++) {
      out[at + i] += window[i] * padded[pad + from + i];
      weight[at + i] += window[i];
    }
    previous = from;
  }
  return Float32Array.from({ length }, (_, i) => out[i] / weight[i]);
}

// ---------------------------------------------------------------------------------------------
// Clip-level helpers

/** RMS of the spoken part: the part within 40 dB of the peak (activeRange). The corpus's level and SNR are relative to it. */
export function speechRms(x: Float32Array): number {
  const [from, to] = activeRange(x, -40);
  return rms(x, from, to);
}

/** [start, end) of the part of x above `thresholdDb` relative to its peak (whole clip if silent). */
export function activeRange(x: Float32Array, thresholdDb = -40): [number, number] {
  const level = peak(x) * dbToGain(thresholdDb);
  if (level === 0) return [0, x.length];
  let start = 0, end = x.length;
  while (start < end && Math.abs(x[start]) < level) start++;
  while (end > start && Math.abs(x[end - 1]) < level) end--;
  return [start, end];
}

/** Shifts right by `samples` (left if negative), zero-filled, no wrap-around. */
export function shift(x: Float32Array, samples: number): Float32Array {
  const out = new Float32Array(x.length);
  if (samples >= 0) out.set(x.subarray(0, Math.max(0, x.length - samples)), samples);
  else out.set(x.subarray(-samples));
  return out;
}

/**
 * A synthetic room impulse response: a unit direct path, then exponentially decaying Gaussian noise
 * (decay −60 dB at rt60Sec) starting after a short pre-delay, with the high frequencies dying faster
 * (a one-pole low-pass whose cut-off falls over time, as air and walls absorb treble first).
 */
export function roomImpulse(rt60Sec: number, wetDb: number, rng: Rng, sampleRateHz = 16000): Float32Array {
  const length = Math.max(1, Math.round(Math.min(rt60Sec, 1) * sampleRateHz));
  const h = new Float32Array(length);
  const preDelay = Math.round(rng.uniform(0.002, 0.02) * sampleRateHz);
  const decayPerSample = Math.log(1000) / (rt60Sec * sampleRateHz);
  let lp = 0, tailEnergy = 0;
  for (let i = preDelay; i < length; i++) {
    const t = (i - preDelay) / length;
    const smooth = 0.1 + 0.8 * t; // more smoothing later in the tail
    lp = (1 - smooth) * rng.normal() + smooth * lp;
    h[i] = lp * Math.exp(-decayPerSample * (i - preDelay));
    tailEnergy += h[i] * h[i];
  }
  // Scale the tail so that its energy is wetDb relative to the direct path.
  const g = tailEnergy > 0 ? dbToGain(wetDb) / Math.sqrt(tailEnergy) : 0;
  for (let i = 0; i < length; i++) h[i] *= g;
  h[0] = 1;
  return h;
}

/** Soft saturation y = tanh(drive·x)/tanh(drive), a cheap stand-in for an overdriven input stage. */
export function softClipInPlace(x: Float32Array, drive: number): Float32Array {
  const norm = 1 / Math.tanh(drive);
  for (let i = 0; i < x.length; i++) x[i] = Math.tanh(drive * x[i]) * norm;
  return x;
}
