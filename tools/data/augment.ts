/**
 * Training-time augmentation: the authors' "weak" and "strong" torch_audiomentations sets (spec §5.7)
 * as pure functions of (clip, options, rng), plus mixing in background-noise slices.
 *
 * The transforms, in torch_audiomentations' order, each applied with its own probability:
 *   PolarityInversion → Gain → PitchShift → Shift → AddColoredNoise (→ background noise).
 * Library defaults (the "strong" set): Gain −18…+6 dB, PitchShift ±4 semitones, Shift ±0.5 of the
 * clip, AddColoredNoise SNR 3…30 dB with f_decay −2…2, every p = 0.5. The weak set narrows Gain to
 * ±3 dB, PitchShift to ±2 st and Shift to ±0.1 (spec §5.7).
 *
 * Differences from the library, on purpose:
 * - Shift never rolls over (the library's default rolls over; a word wrapped around the clip end
 *   is not a sound anyone makes).
 * - PitchShift is resampling-based: the clip plays 2^(st/12) faster, so duration changes too (a
 *   speed perturbation). The result is centred back into the 16 000-sample window (cropped about its
 *   loudest part or zero-padded), so length is preserved.
 */
import { Rng } from './prng.js';
import { activeRange, addAtSnrInPlace, biquad, changeSpeed, colouredNoise, dbToGain, filterInPlace, shift, timeStretch } from './dsp.js';

export interface AugmentOptions {
  polarityP: number;
  gainP: number;
  gainDb: [number, number];
  pitchP: number;
  pitchSemitones: [number, number];
  shiftP: number;
  /** Fraction of the clip length, e.g. [−0.1, 0.1]. */
  shiftFraction: [number, number];
  noiseP: number;
  noiseSnrDb: [number, number];
  /** Spectral decay of the coloured noise: PSD ∝ 1/f^decay. */
  noiseDecay: [number, number];
  /** Probability of mixing in a slice of a background-noise clip (needs `background`). */
  backgroundP: number;
  backgroundSnrDb: [number, number];
}

const LIBRARY_DEFAULTS = {
  polarityP: 0.5,
  gainP: 0.5, gainDb: [-18, 6],
  pitchP: 0.5, pitchSemitones: [-4, 4],
  shiftP: 0.5, shiftFraction: [-0.5, 0.5],
  noiseP: 0.5, noiseSnrDb: [3, 30], noiseDecay: [-2, 2],
  backgroundP: 0, backgroundSnrDb: [0, 20],
} satisfies AugmentOptions;

export const STRONG: Readonly<AugmentOptions> = Object.freeze({ ...LIBRARY_DEFAULTS });
export const WEAK: Readonly<AugmentOptions> = Object.freeze({
  ...LIBRARY_DEFAULTS,
  gainDb: [-3, 3],
  pitchSemitones: [-2, 2],
  shiftFraction: [-0.1, 0.1],
} satisfies AugmentOptions);
export const AUGMENT_PRESETS = { none: null, weak: WEAK, strong: STRONG } as const;

/**
 * sedge's own transform, not one of the authors': a low and a high shelf with random corners and
 * gains, so the model cannot lean on a voice's spectral balance. Measured on the stage-10 model,
 * over the whole sets: a 300 Hz high-pass at inference raised the other synthesizers 63.7 → 68.2 %
 * (festival slt 45 → 66 %, Pico en-GB 58 → 70 %) and lowered the test split 79.2 → 76.8 %; +6 dB
 * above 2 kHz: other synthesizers 67.6 %, test 78.1 %; −6 dB: 58.8 % and 77.3 %. It had learnt the
 * tilt of its training voices (the corpus's own ±8 dB shelves were not enough to stop that).
 * The voices it fails on are F0-heavy: 40-68 % of their energy lies at 100-200 Hz (CMU Arctic slt in
 * festival and flite; Pico en-GB 28 %), against 9 % for espeak-ng, and little above 1 kHz. So the
 * low shelf mostly boosts (a first range of −24…+9 dB, mostly cuts, moved nothing in two epochs)
 * and the high shelf leans towards duller voices. Corners log-uniform in `hz`, gains uniform in `db`.
 */
export const SHELVES = Object.freeze({
  low: { hz: [150, 500], db: [-12, 18] },
  high: { hz: [1500, 4000], db: [-15, 6] },
} as const);

/** `x` through a random low shelf, then a random high shelf (SHELVES), as a new array. Draws exactly four values. */
export function randomShelves(x: Float32Array, rng: Rng, sampleRateHz = 16000): Float32Array {
  const y = x.slice();
  for (const kind of ['low', 'high'] as const) {
    const { hz: [lo, hi], db } = SHELVES[kind];
    const corner = rng.logUniform(lo, hi), gainDb = rng.uniform(db[0], db[1]);
    filterInPlace(y, biquad(`${kind}shelf`, corner, Math.SQRT1_2, gainDb, sampleRateHz));
  }
  return y;
}

/**
 * sedge's own too: slower speech at the same pitch. The other synthesizers' words run longer than
 * espeak-ng's (median span 1.14× the espeak-ng median of the same word at their normal rate, 1.36× at
 * duration stretch 1.2, where 32 % lie beyond espeak-ng's 90th percentile), and the stage-11 model
 * got their words less often right the slower they were spoken: 72.9 % at stretch 0.85, 68.9 % at 1,
 * 60.3 % at 1.2 (lowest at 1.2 for 9 of the 10 voices). People saying a single word speak slowly too.
 * Factor log-uniform; a training config may widen it below 1 (`stretch_range`) for faster speech too.
 */
export const STRETCH = Object.freeze({ factor: [1, 1.5] } as const);
/** The factors a training config's `stretch_range` and `--perturb stretch` may give (WSOLA's tested range). */
export const STRETCH_LIMITS = Object.freeze([0.5, 2] as const);

/** `x` played `factor` times longer at the same pitch (WSOLA), cropped about its spoken part or zero-padded to x's length. */
export function stretchClip(x: Float32Array, factor: number): Float32Array {
  return fitLength(timeStretch(x, factor), x.length);
}

/** `x` stretched by a random factor, log-uniform in `range` (default STRETCH), with stretchClip. Draws one value. */
export function randomStretch(x: Float32Array, rng: Rng, range: readonly [number, number] = STRETCH.factor): Float32Array {
  return stretchClip(x, rng.logUniform(range[0], range[1]));
}

export function invertPolarity(x: Float32Array): Float32Array {
  return x.map((v) => -v);
}

export function applyGain(x: Float32Array, db: number): Float32Array {
  const g = dbToGain(db);
  return x.map((v) => v * g);
}

/** Resampling pitch shift (see the file comment), same length as x. */
export function pitchShift(x: Float32Array, semitones: number): Float32Array {
  if (semitones === 0) return x.slice();
  const moved = changeSpeed(x, 2 ** (semitones / 12));
  return fitLength(moved, x.length);
}

/** Crops (keeping the spoken part in view) or zero-pads `x` to `length`, centring it. */
export function fitLength(x: Float32Array, length: number): Float32Array {
  const out = new Float32Array(length);
  if (x.length <= length) {
    out.set(x, Math.floor((length - x.length) / 2));
    return out;
  }
  const [start, end] = activeRange(x);
  const centre = Math.floor((start + end) / 2);
  const from = Math.max(0, Math.min(x.length - length, centre - Math.floor(length / 2)));
  out.set(x.subarray(from, from + length));
  return out;
}

export function timeShift(x: Float32Array, fraction: number): Float32Array {
  return shift(x, Math.round(fraction * x.length));
}

/**
 * Coloured noise for augmentation comes from a bank: per decay on a 1/8 grid, one 2^17-sample
 * (8 s) buffer made once from a fixed seed, read at a random offset and polarity. Synthesising
 * fresh noise costs an FFT per clip (~3 ms); a slice costs nothing, and a model cannot learn
 * 8 s of Gaussian noise by heart from random 1 s windows.
 */
const BANK_SAMPLES = 1 << 17;
const noiseBank = new Map<number, Float32Array>();
export function colouredNoiseSlice(length: number, decay: number, rng: Rng): Float32Array {
  if (length > BANK_SAMPLES / 2) return colouredNoise(length, decay, rng);
  const key = Math.round(decay * 8) / 8;
  let bank = noiseBank.get(key);
  if (!bank) {
    bank = colouredNoise(BANK_SAMPLES, key, Rng.derive(0x5eed, 'noise-bank', key));
    noiseBank.set(key, bank);
  }
  const from = rng.int(0, BANK_SAMPLES - length), sign = rng.chance(0.5) ? 1 : -1;
  const out = bank.slice(from, from + length);
  if (sign < 0) for (let i = 0; i < out.length; i++) out[i] = -out[i];
  return out;
}

export function addColouredNoise(x: Float32Array, snrDb: number, decay: number, rng: Rng): Float32Array {
  return addAtSnrInPlace(x.slice(), colouredNoiseSlice(x.length, decay, rng), snrDb);
}

/** Adds a random slice of one of the background clips (each ≥ x.length samples) at snrDb. */
export function addBackground(x: Float32Array, background: readonly Float32Array[], snrDb: number, rng: Rng): Float32Array {
  const usable = background.filter((b) => b.length >= x.length);
  if (usable.length === 0) throw new RangeError(`addBackground: no background clip has ${x.length} samples or more`);
  const clip = rng.pick(usable);
  const from = rng.int(0, clip.length - x.length);
  return addAtSnrInPlace(x.slice(), clip.subarray(from, from + x.length), snrDb);
}

/**
 * One augmented copy of `clip` (the input is not modified). Draws a fixed number of values per
 * transform whether or not it fires, so the draws for one transform do not depend on the others.
 */
export function augment(clip: Float32Array, options: Readonly<AugmentOptions>, rng: Rng, background: readonly Float32Array[] = []): Float32Array {
  const o = options;
  let x = clip;
  const fires = (p: number) => rng.chance(p);
  if (fires(o.polarityP)) x = invertPolarity(x);
  const gainOn = fires(o.gainP), gainDb = rng.uniform(...o.gainDb);
  if (gainOn) x = applyGain(x, gainDb);
  const pitchOn = fires(o.pitchP), semitones = rng.uniform(...o.pitchSemitones);
  if (pitchOn) x = pitchShift(x, semitones);
  const shiftOn = fires(o.shiftP), fraction = rng.uniform(...o.shiftFraction);
  if (shiftOn) x = timeShift(x, fraction);
  const noiseOn = fires(o.noiseP), snrDb = rng.uniform(...o.noiseSnrDb), decay = rng.uniform(...o.noiseDecay);
  const noiseRng = new Rng(rng.nextUint32()); // the noise samples get their own stream
  if (noiseOn) x = addColouredNoise(x, snrDb, decay, noiseRng);
  const backgroundOn = fires(o.backgroundP) && background.length > 0, backgroundSnrDb = rng.uniform(...o.backgroundSnrDb);
  const backgroundRng = new Rng(rng.nextUint32());
  if (backgroundOn) x = addBackground(x, background, backgroundSnrDb, backgroundRng);
  return x === clip ? clip.slice() : x;
}
