/**
 * A channel the model never heard, put on every clip before it is scored (`sedge eval --eq`,
 * `sedge sweep --eq`): how much does accuracy depend on the spectral balance of the voices and
 * microphones it was trained on? Filters are RBJ biquads with Q = 1/√2 (tools/data/dsp.ts), run on
 * each clip from silence, in the order given, on the raw samples (before standardisation).
 *
 *   --eq highpass:300                     2nd-order high-pass at 300 Hz
 *   --eq lowshelf:300:+9,highshelf:2000:-6
 */
import { InvalidArgumentError } from 'commander';
import { biquad, filterInPlace } from '../data/dsp.js';

const KINDS = ['highpass', 'lowpass', 'lowshelf', 'highshelf'] as const;
type EqKind = (typeof KINDS)[number];

export interface EqFilter {
  kind: EqKind;
  hz: number;
  /** Shelf gain; 0 for the pass filters. */
  db: number;
}

const SAMPLE_RATE_HZ = 16000, MAX_SHELF_DB = 40;

/** `"lowshelf:300:+9,highpass:100"` → filters; a commander argument parser (its errors name the option's value). */
export function parseEq(value: string): EqFilter[] {
  const parts = value.split(',').map((s) => s.trim());
  return parts.map((part) => {
    const [kind, hzText, dbText, ...rest] = part.split(':');
    const expected = `expected KIND:HZ for highpass/lowpass or KIND:HZ:DB for lowshelf/highshelf, comma-separated (e.g. "highpass:300,highshelf:2000:-6")`;
    if (!KINDS.includes(kind as EqKind) || rest.length > 0) throw new InvalidArgumentError(`${expected}; '${part}' is not one`);
    const hz = Number(hzText);
    if (!(hz > 0 && hz < SAMPLE_RATE_HZ / 2)) throw new InvalidArgumentError(`'${part}': the frequency must be a number of Hz between 0 and ${SAMPLE_RATE_HZ / 2} (exclusive)`);
    const shelf = kind.endsWith('shelf');
    if (shelf !== (dbText !== undefined)) {
      throw new InvalidArgumentError(`'${part}': ${shelf ? `a shelf needs its gain in dB, e.g. ${kind}:${hzText}:+6` : `a ${kind} takes no gain`}`);
    }
    const db = shelf ? Number(dbText) : 0;
    if (!(Math.abs(db) <= MAX_SHELF_DB)) throw new InvalidArgumentError(`'${part}': the gain must be a number of dB within ±${MAX_SHELF_DB}`);
    return { kind: kind as EqKind, hz, db };
  });
}

/** The canonical text of a filter chain, as reports and checkpoints record it. */
export function describeEq(filters: readonly EqFilter[]): string {
  return filters.map((f) => (f.kind.endsWith('shelf') ? `${f.kind}:${f.hz}:${f.db >= 0 ? '+' : ''}${f.db}` : `${f.kind}:${f.hz}`)).join(',');
}

/** Filters one clip in place (16 kHz). */
export function applyEq(clip: Float32Array, filters: readonly EqFilter[]): void {
  for (const f of filters) filterInPlace(clip, biquad(f.kind, f.hz, Math.SQRT1_2, f.db, SAMPLE_RATE_HZ));
}
