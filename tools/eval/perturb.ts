/**
 * Conditions the model never trained on, put on every clip before it is scored (`sedge eval
 * --perturb`, `sedge sweep --perturb`): how much does accuracy depend on the spectral balance and the
 * speaking rate of the voices it was trained on? Steps run in the order given, on the raw samples
 * (before standardisation), each clip on its own:
 *
 *   highpass:HZ, lowpass:HZ            RBJ biquads with Q = 1/√2 (tools/data/dsp.ts), started from silence
 *   lowshelf:HZ:DB, highshelf:HZ:DB
 *   stretch:F                          F times longer at the same pitch (WSOLA), then cropped about the
 *                                      spoken part or zero-padded back to the clip's length
 *
 *   --perturb highpass:300
 *   --perturb lowshelf:300:+9,highshelf:2000:-6
 *   --perturb stretch:1.2
 */
import { InvalidArgumentError } from 'commander';
import { STRETCH_LIMITS, stretchClip } from '../data/augment.js';
import { biquad, filterInPlace } from '../data/dsp.js';

const FILTERS = ['highpass', 'lowpass', 'lowshelf', 'highshelf'] as const;
type FilterKind = (typeof FILTERS)[number];

export type PerturbStep = { kind: FilterKind; hz: number; db: number } | { kind: 'stretch'; factor: number };

const SAMPLE_RATE_HZ = 16000, MAX_SHELF_DB = 40;
const EXPECTED = 'expected comma-separated highpass:HZ, lowpass:HZ, lowshelf:HZ:DB, highshelf:HZ:DB or stretch:FACTOR ' +
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
  return steps.map((s) => (s.kind === 'stretch' ? `stretch:${s.factor}`
    : s.kind.endsWith('shelf') ? `${s.kind}:${s.hz}:${s.db >= 0 ? '+' : ''}${s.db}` : `${s.kind}:${s.hz}`)).join(',');
}

/** One clip (16 kHz) through the chain, as a new array of the same length. */
export function applyPerturb(clip: Float32Array, steps: readonly PerturbStep[]): Float32Array {
  let x: Float32Array = clip.slice();
  for (const s of steps) {
    if (s.kind === 'stretch') x = stretchClip(x, s.factor);
    else filterInPlace(x, biquad(s.kind, s.hz, Math.SQRT1_2, s.db, SAMPLE_RATE_HZ));
  }
  return x;
}
