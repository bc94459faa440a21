/**
 * Band-limited resampling (windowed sinc, Kaiser window), so that 44.1/48 kHz recordings feed a
 * 16 kHz model correctly instead of being rejected or silently misread.
 */
import { UsageError } from '../errors.js';

const HALF_TAPS = 32; // zero crossings on each side: ~-80 dB stop band with β = 8.6
const KAISER_BETA = 8.6;

function besselI0(x: number): number {
  let sum = 1, term = 1;
  for (let k = 1; k < 50; k++) {
    term *= (x / (2 * k)) ** 2;
    sum += term;
    if (term < 1e-12 * sum) break;
  }
  return sum;
}

const WINDOW_POINTS = 8192;
let kaiser: Float64Array | undefined;
/** The Kaiser window on |w| ∈ [0, 1], tabulated once (the Bessel series is the slow part). */
function kaiserTable(): Float64Array {
  if (!kaiser) {
    const i0Beta = besselI0(KAISER_BETA);
    kaiser = Float64Array.from({ length: WINDOW_POINTS + 1 }, (_, i) => {
      const w = i / WINDOW_POINTS;
      return besselI0(KAISER_BETA * Math.sqrt(1 - w * w)) / i0Beta;
    });
  }
  return kaiser;
}

export function resample(samples: Float32Array, fromHz: number, toHz: number): Float32Array {
  if (!(fromHz > 0 && toHz > 0)) throw new UsageError(`sample rates must be positive, got ${fromHz} → ${toHz}`);
  if (fromHz === toHz) return samples.slice();
  const ratio = toHz / fromHz;
  const cutoff = Math.min(1, ratio); // of the input Nyquist: low-pass below the lower of the two rates
  const halfWidth = HALF_TAPS / cutoff; // in input samples
  const out = new Float32Array(Math.round(samples.length * ratio));
  const window = kaiserTable();
  for (let n = 0; n < out.length; n++) {
    const centre = n / ratio;
    const lo = Math.max(0, Math.ceil(centre - halfWidth)), hi = Math.min(samples.length - 1, Math.floor(centre + halfWidth));
    let acc = 0;
    for (let k = lo; k <= hi; k++) {
      const t = k - centre;
      const x = Math.PI * cutoff * t;
      const sinc = x === 0 ? 1 : Math.sin(x) / x;
      const w = t / halfWidth;
      acc += samples[k] * cutoff * sinc * window[Math.round(Math.abs(w) * WINDOW_POINTS)];
    }
    out[n] = acc;
  }
  return out;
}
