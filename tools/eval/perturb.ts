/**
 * Conditions the model never trained on, put on every clip before it is scored (`sedge eval
 * --perturb`, `sedge sweep --perturb`): how much does accuracy depend on the spectral balance, the
 * speaking rate and the noise level of the voices it was trained on? Steps run in the order given, on the
 * raw samples (before standardisation), each clip on its own:
 *
 *   highpass:HZ, lowpass:HZ            RBJ biquads with Q = 1/√2 (tools/data/dsp.ts), started from silence
 *   lowshelf:HZ:DB, highshelf:HZ:DB
 *   stretch:F                          F times longer at the same pitch (WSOLA), then cropped about the
 *                                      spoken part or zero-padded back to the clip's length
 *   noise:COLOUR:SNR                   white, pink or brown Gaussian noise at SNR dB below the speech's RMS
 *                                      (dsp.ts speechRms, as the corpus generator measures it); seeded from the clip's samples, so a clip
 *                                      gets the same noise in every run, job count and order
 *
 *   --perturb highpass:300
 *   --perturb lowshelf:300:+9,highshelf:2000:-6
 *   --perturb stretch:1.2
 *   --perturb noise:white:20
 */
import { InvalidArgumentError } from 'commander';
import { STRETCH_LIMITS, stretchClip } from '../data/augment.js';
import { addScaledInPlace, biquad, colouredNoise, dbToGain, filterInPlace, rms, speechRms } from '../data/dsp.js';
import { hashWords, Rng } from '../data/prng.js';

const FILTERS = ['highpass', 'lowpass', 'lowshelf', 'highshelf'] as const;
type FilterKind = (typeof FILTERS)[number];

/** Spectral slope of each noise colour: power ∝ 1/f^decay (tools/data/dsp.ts colouredNoise). */
const NOISE_DECAY = { white: 0, pink: 1, brown: 2 } as const;
type NoiseColour = keyof typeof NOISE_DECAY;

export type PerturbStep = { kind: FilterKind; hz: number; db: number } | { kind: 'stretch'; factor: number } | { kind: 'noise'; colour: NoiseColour; snrDb: number };

const SAMPLE_RATE_HZ = 16000, MAX_SHELF_DB = 40, SNR_DB_RANGE = [-20, 80] as const;
const EXPECTED = 'expected comma-separated highpass:HZ, lowpass:HZ, lowshelf:HZ:DB, highshelf:HZ:DB, stretch:FACTOR or noise:COLOUR:SNR ' +
  '(e.g. "highpass:300,highshelf:2000:-6")';

/** `"lowshelf:300:+9,stretch:1.2"` → steps; a commander argument parser (its errors name the option's value). */
export function parsePerturb(value: string): PerturbStep[] {
  return value.split(',').map((s) => s.trim()).map((part): PerturbStep => {
    const [kind, a, b, ...rest] = part.split(':');
    if (kind === 'stretch') {
      const factor = Number(a);
      if (b !== undefined || !(factor >= STRETCH_LIMITS[0] && factor <= STRETCH_LIMITS[1])) {
        throw new InvalidArgumentError(`'${part}': stretch takes one factor in [${STRETCH_LIMITS.join(', ')}] (>1 slower), e.g. stretch:1.2`);
      }
      return { kind, factor };
    }
    if (kind === 'noise') {
      const snrDb = Number(b);
      if (!Object.hasOwn(NOISE_DECAY, a) || rest.length > 0 || b === undefined || b.trim() === '' || !(snrDb >= SNR_DB_RANGE[0] && snrDb <= SNR_DB_RANGE[1])) {
        throw new InvalidArgumentError(`'${part}': noise takes a colour (${Object.keys(NOISE_DECAY).join(', ')}) and an SNR in dB within [${SNR_DB_RANGE.join(', ')}], e.g. noise:white:20`);
      }
      return { kind, colour: a as NoiseColour, snrDb };
    }
    if (!FILTERS.includes(kind as FilterKind) || rest.length > 0) throw new InvalidArgumentError(`${EXPECTED}; '${part}' is not one`);
    const hz = Number(a);
    if (!(hz > 0 && hz < SAMPLE_RATE_HZ / 2)) throw new InvalidArgumentError(`'${part}': the frequency must be a number of Hz between 0 and ${SAMPLE_RATE_HZ / 2} (exclusive)`);
    const shelf = kind.endsWith('shelf');
    if (shelf !== (b !== undefined)) {
      throw new InvalidArgumentError(`'${part}': ${shelf ? `a shelf needs its gain in dB, e.g. ${kind}:${a}:+6` : `a ${kind} takes no gain`}`);
    }
    const db = shelf ? Number(b) : 0;
    if (!(Math.abs(db) <= MAX_SHELF_DB)) throw new InvalidArgumentError(`'${part}': the gain must be a number of dB within ±${MAX_SHELF_DB}`);
    return { kind: kind as FilterKind, hz, db };
  });
}

/** The canonical text of a chain, as reports and checkpoints record it. */
export function describePerturb(steps: readonly PerturbStep[]): string {
  return steps.map((s) => (s.kind === 'stretch' ? `stretch:${s.factor}` : s.kind === 'noise' ? `noise:${s.colour}:${s.snrDb}`
    : s.kind.endsWith('shelf') ? `${s.kind}:${s.hz}:${s.db >= 0 ? '+' : ''}${s.db}` : `${s.kind}:${s.hz}`)).join(',');
}

/** One clip (16 kHz) through the chain, as a new array of the same length. */
export function applyPerturb(clip: Float32Array, steps: readonly PerturbStep[]): Float32Array {
  let x: Float32Array = clip.slice();
  for (const s of steps) {
    if (s.kind === 'stretch') x = stretchClip(x, s.factor);
    else if (s.kind === 'noise') addNoiseInPlace(x, s.colour, s.snrDb);
    else filterInPlace(x, biquad(s.kind, s.hz, Math.SQRT1_2, s.db, SAMPLE_RATE_HZ));
  }
  return x;
}

function addNoiseInPlace(x: Float32Array, colour: NoiseColour, snrDb: number): void {
  const speech = speechRms(x);
  if (speech === 0) return; // digital silence: no speech to measure an SNR against
  // seeded from the clip's sample bits: the same clip always draws the same noise, whatever order clips are scored in
  const noise = colouredNoise(x.length, NOISE_DECAY[colour], new Rng(hashWords(new Uint32Array(x.buffer, x.byteOffset, x.length))));
  addScaledInPlace(x, noise, speech / dbToGain(snrDb) / rms(noise));
}
