// The shared polyphase resampler: tones survive rate changes, out-of-band content is removed.
import { describe, expect, it } from 'vitest';
import { FAST_RESAMPLE, resample } from '../../src/audio/resample.js';
import { UsageError } from '../../src/errors.js';

const tone = (hz: number, rate: number, seconds: number) =>
  Float32Array.from({ length: Math.round(rate * seconds) }, (_, i) => Math.sin((2 * Math.PI * hz * i) / rate));
const maxError = (got: Float32Array, hz: number, rate: number, margin: number) => {
  let err = 0;
  for (let i = margin; i < got.length - margin; i++) err = Math.max(err, Math.abs(got[i] - Math.sin((2 * Math.PI * hz * i) / rate)));
  return err;
};

describe('resample', () => {
  it.each([[48000, 16000], [44100, 16000], [22050, 16000], [8000, 16000]])('%i → %i Hz keeps a 1 kHz tone (−80 dB)', (from, to) => {
    const out = resample(tone(1000, from, 0.5), from, to);
    expect(out.length).toBe(Math.round((0.5 * from * to) / from));
    expect(maxError(out, 1000, to, 100)).toBeLessThan(1e-4);
  });

  it('removes content above the new Nyquist frequency', () => {
    const out = resample(tone(12000, 48000, 0.5), 48000, 16000); // 12 kHz would alias to 4 kHz
    let peak = 0;
    for (let i = 100; i < out.length - 100; i++) peak = Math.max(peak, Math.abs(out[i]));
    expect(peak).toBeLessThan(1e-3);
  });

  it('the fast kernel is within −50 dB of the default', () => {
    const x = tone(3000, 22050, 0.3);
    const a = resample(x, 22050, 16000), b = resample(x, 22050, 16000, FAST_RESAMPLE);
    let err = 0;
    for (let i = 50; i < a.length - 50; i++) err = Math.max(err, Math.abs(a[i] - b[i]));
    expect(err).toBeLessThan(3e-3);
  });

  it('same rate is a copy; bad rates are refused', () => {
    const x = tone(440, 16000, 0.1);
    const y = resample(x, 16000, 16000);
    expect(y).toEqual(x);
    expect(y).not.toBe(x);
    expect(() => resample(x, 0, 16000)).toThrow(UsageError);
  });
});
