/**
 * Turns one synthesiser utterance into a 1 s, 16 kHz corpus clip, the "voice and room" half of the
 * generator: everything that a different synthesiser, speaker or microphone could change and that
 * espeak-ng's own parameters do not reach.
 *
 *   decode → 16 kHz → trim silence → vocal-tract-length/speed perturbation → timbre (tilt, peaking
 *   EQ, band limits, mild saturation) → place at a random offset in the 1 s window → room reverb →
 *   level → noise floor (75 %) + noise at a random SNR (75 %: white/pink/brown/coloured/background slices)
 *
 * Each stage draws from the clip's own Rng, so a clip depends only on (seed, clip key).
 * SNRs are relative to the speech RMS over the spoken part, which is what a listener hears
 * (the whole-clip RMS would count the silence around the word).
 */
import { decodeWav } from '../../src/audio/wav.js';
import { InputError } from '../../src/errors.js';
import { Rng } from './prng.js';
import {
  activeRange, addScaledInPlace, biquad, changeSpeed, colouredNoise, convolve, dbToGain, filterInPlace, peak,
  resampleFast, rms, roomImpulse, scaleInPlace, softClipInPlace, speechRms, type BiquadKind,
} from './dsp.js';

export const RATE_HZ = 16000;
export const CLIP_SAMPLES = 16000;
/** Longest spoken part we place in the window; longer utterances are sped up to fit. */
const MAX_SPOKEN = Math.round(0.97 * CLIP_SAMPLES);

export interface RenderOptions {
  /** Long noise recordings at 16 kHz to take slices from (the corpus's _background_noise_). */
  background: readonly Float32Array[];
  /** Probability of each perturbation family; 0 turns it off (tests use plain clips). */
  perturb: boolean;
}

/** A short record of what was done, for the per-clip log. */
export interface RenderInfo {
  speed: number;
  eq: string[];
  reverb: number | null;
  levelDb: number;
  noise: string | null;
  snrDb: number | null;
  offset: number;
}

export function decodeTo16k(bytes: Uint8Array, name: string): Float32Array {
  const { samples, sampleRateHz } = decodeWav(bytes, name);
  return to16k(samples, sampleRateHz);
}

export function to16k(samples: Float32Array, rateHz: number): Float32Array {
  return rateHz === RATE_HZ ? samples : resampleFast(samples, rateHz, RATE_HZ);
}

/** The spoken part with 10 ms of margin each side; throws if the synthesiser produced silence. */
export function trimSilence(x: Float32Array, name: string): Float32Array {
  if (peak(x) < 1e-4) throw new InputError(`${name}: synthesiser output is silent`);
  const [start, end] = activeRange(x, -45);
  const margin = Math.round(0.01 * RATE_HZ);
  return x.slice(Math.max(0, start - margin), Math.min(x.length, end + margin));
}

function applyTimbre(x: Float32Array, rng: Rng, eq: string[]): void {
  const filt = (kind: BiquadKind, hz: number, q: number, db: number) => {
    filterInPlace(x, biquad(kind, hz, q, db, RATE_HZ));
    eq.push(`${kind}@${Math.round(hz)}${db ? `${db > 0 ? '+' : ''}${db.toFixed(1)}dB` : ''}`);
  };
  if (rng.chance(0.5)) filt(rng.chance(0.5) ? 'lowshelf' : 'highshelf', rng.logUniform(200, 4000), 0.7, rng.uniform(-8, 8));
  const peaks = rng.int(0, 3);
  for (let i = 0; i < peaks; i++) filt('peaking', rng.logUniform(150, 6500), rng.uniform(0.7, 4), rng.uniform(-10, 10));
  const band = rng.next();
  if (band < 0.06) {
    filt('highpass', rng.uniform(250, 400), 0.707, 0); // telephone-like band
    filt('lowpass', rng.uniform(3000, 3800), 0.707, 0);
  } else {
    if (rng.chance(0.3)) filt('lowpass', rng.logUniform(2500, 7500), rng.uniform(0.5, 1), 0);
    if (rng.chance(0.3)) filt('highpass', rng.logUniform(60, 400), 0.707, 0);
  }
  if (rng.chance(0.08)) {
    const g = 0.7 / Math.max(peak(x), 1e-9); // saturate relative to the clip's own peak
    scaleInPlace(x, g);
    softClipInPlace(x, rng.uniform(1.5, 4));
    scaleInPlace(x, 1 / g);
    eq.push('saturate');
  }
}

/**
 * One clip from one synthesised utterance (`speech` at `rateHz`); `rng` is the clip's own stream.
 * Returns 16000 samples in [-1, 1].
 */
export function renderClip(speech: Float32Array, rateHz: number, rng: Rng, options: RenderOptions, name = 'utterance'): { clip: Float32Array; info: RenderInfo } {
  let x = trimSilence(to16k(speech, rateHz), name);
  const info: RenderInfo = { speed: 1, eq: [], reverb: null, levelDb: 0, noise: null, snrDb: null, offset: 0 };
  const p = options.perturb;

  // Vocal-tract length + speed: resampling moves every formant (and F0) by the factor. espeak's own
  // -p draws F0 independently, so formant/F0 combinations beyond any one voice appear.
  if (p && rng.chance(0.85)) info.speed = rng.logUniform(0.86, 1.16);
  if (x.length / info.speed > MAX_SPOKEN) info.speed = x.length / MAX_SPOKEN;
  if (info.speed !== 1) x = changeSpeed(x, info.speed);
  if (p) applyTimbre(x, rng, info.eq);

  // Place the word: anywhere it fits (Speech Commands words are rarely centred).
  const clip = new Float32Array(CLIP_SAMPLES);
  const spoken = Math.min(x.length, CLIP_SAMPLES);
  info.offset = p ? rng.int(0, CLIP_SAMPLES - spoken) : Math.floor((CLIP_SAMPLES - spoken) / 2);
  clip.set(x.subarray(0, spoken), info.offset);
  let y: Float32Array = clip;

  if (p && rng.chance(0.45)) {
    const rt60 = rng.logUniform(0.08, 0.7);
    info.reverb = Math.round(rt60 * 1000) / 1000;
    y = convolve(clip, roomImpulse(rt60, rng.uniform(-18, -2), new Rng(rng.nextUint32())));
  }

  // Level: speech RMS between −42 and −14 dBFS (quiet to loud recordings), peak kept below 0.98.
  info.levelDb = p ? rng.uniform(-42, -14) : -20;
  let gain = dbToGain(info.levelDb) / Math.max(speechRms(y), 1e-9);
  const pk = peak(y) * gain;
  if (pk > 0.98) { gain *= 0.98 / pk; info.levelDb -= 20 * Math.log10(pk / 0.98); }
  scaleInPlace(y, gain);
  const level = dbToGain(info.levelDb);

  if (p) {
    // A recording is never digitally silent, but a synthesiser's output is, and the other
    // synthesisers a model is judged on speak into exact zeros. So both: a faint floor on 75 % of
    // clips, none on the rest (with the noise below, ~19 % of clips stay clean). Measured with a
    // log-mel proxy classifier: a corpus whose every clip had a floor lost ~15 points on clean clips
    // from flite/festival/Pico until those clips got a −70 dB floor too.
    const floorOn = rng.chance(0.75), floorDb = rng.uniform(-80, -58), floorDecay = rng.uniform(0, 2), floorRng = new Rng(rng.nextUint32());
    if (floorOn) addScaledInPlace(y, colouredNoise(CLIP_SAMPLES, floorDecay, floorRng), dbToGain(floorDb));
    if (rng.chance(0.75)) {
      const kinds = ['white', 'pink', 'brown', 'coloured', 'background', 'background'] as const;
      const kind = options.background.length > 0 ? rng.pick(kinds) : rng.pick(kinds.slice(0, 4));
      const snrDb = rng.uniform(0, 40);
      const noiseRng = new Rng(rng.nextUint32());
      let noise: Float32Array;
      if (kind === 'background') {
        const source = rng.pick(options.background);
        const from = rng.int(0, Math.max(0, source.length - CLIP_SAMPLES));
        noise = source.slice(from, from + CLIP_SAMPLES);
      } else {
        const decay = kind === 'white' ? 0 : kind === 'pink' ? 1 : kind === 'brown' ? 2 : rng.uniform(-1, 2.5);
        noise = colouredNoise(CLIP_SAMPLES, decay, noiseRng);
      }
      const noiseRms = rms(noise);
      if (noiseRms > 0) addScaledInPlace(y, noise, level / dbToGain(snrDb) / noiseRms);
      info.noise = kind;
      info.snrDb = Math.round(snrDb * 10) / 10;
    }
  }
  // Loud noise can push peaks past full scale: turn the whole clip down instead of clipping it.
  const finalPeak = peak(y);
  if (finalPeak > 0.99) scaleInPlace(y, 0.99 / finalPeak);
  return { clip: y, info };
}
