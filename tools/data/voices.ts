/**
 * The voice inventory of the synthetic corpus and its voice-disjoint split.
 *
 * A "voice" is one espeak-ng accent crossed with one variant (`en-gb-x-rp+klatt3`; variant 'none' =
 * the accent's own voice), or one MBROLA diphone voice (`mb-us1`). Its speaker id, the part of the
 * file name before `_nohash_`, encodes it: `es.en-gb-x-rp.klatt3`, `mb.us1`.
 *
 * Held-out families. Validation and test must measure voices the model has never heard, so whole
 * families are held out, never single clips:
 * - an accent with every variant (validation: en-gb-scotland; test: en-us-nyc),
 * - groups of variants with every accent (a family = variants that share a base, e.g. iven…iven4),
 * - whole MBROLA voices (each is one recorded speaker's diphones: a different synthesis method).
 * A voice belongs to validation if its accent or variant family is a validation one, to test
 * likewise, and to training only if neither; the few voices that mix a validation accent with a
 * test family (or the reverse) are used by no split, so no voice is shared.
 * The held-out lists are fixed (not drawn from the seed) so that numbers from different seeds
 * measure the same voices.
 */

export type Split = 'train' | 'validation' | 'test';

export const ESPEAK_ENGLISH_ACCENTS = Object.freeze([
  'en-029', 'en-gb', 'en-gb-scotland', 'en-gb-x-gbclan', 'en-gb-x-gbcwmd', 'en-gb-x-rp', 'en-us', 'en-us-nyc',
]);

/** espeak-ng's MBROLA voice definitions that speak English (native, then English through other languages' diphones). */
export const MBROLA_ENGLISH_VOICES = Object.freeze([
  'mb-us1', 'mb-us2', 'mb-us3', 'mb-en1',
  'mb-af1-en', 'mb-de1-en', 'mb-de2-en', 'mb-de3-en', 'mb-de4-en', 'mb-de5-en', 'mb-de6-en', 'mb-fr1-en',
  'mb-fr4-en', 'mb-gr2-en', 'mb-hu1-en', 'mb-nl2-en', 'mb-pl1-en', 'mb-ro1-en', 'mb-sw1-en', 'mb-sw2-en',
]);

export const HELD_OUT = Object.freeze({
  validation: {
    accents: ['en-gb-scotland'],
    variantFamilies: ['iven', 'steph', 'gene', 'alicia', 'boris', 'grandma', 'lee', 'norbert', 'sandro', 'zac', 'm5', 'f4', 'caleb', 'mr serious'],
    mbrola: ['mb-us2', 'mb-sw2-en', 'mb-de6-en'],
  },
  test: {
    accents: ['en-us-nyc'],
    variantFamilies: ['ricishaymax', 'edward', 'annie', 'belinda', 'david', 'kaukovalta', 'linda', 'marcelo', 'michael', 'storm', 'travis', 'm7', 'f2', 'tweaky', 'quincy'],
    mbrola: ['mb-en1', 'mb-de4-en', 'mb-fr4-en'],
  },
});

/**
 * Family of a variant: lower case, trailing digits dropped except for the numbered m1…m8 / f1…f5
 * (distinct voices), and a few named pairs merged (whisper/whisperf, anika/anikaRobot, Andy/AnxiousAndy).
 */
export function variantFamily(variant: string): string {
  const name = variant.toLowerCase();
  if (/^[mf]\d$/.test(name)) return name;
  const merged: Record<string, string> = { whisperf: 'whisper', anikarobot: 'anika', anxiousandy: 'andy' };
  if (merged[name]) return merged[name];
  return name.replace(/\d+$/, '');
}

export interface Voice {
  /** Speaker id used in file names (no '_', no spaces). */
  id: string;
  engine: 'espeak' | 'mbrola';
  /** The espeak-ng -v argument. */
  espeakVoice: string;
  accent: string | null;
  variant: string | null;
  /** What is held out together: `accent:<a>`/`variant:<family>` for espeak voices, `mbrola:<voice>`. */
  family: string;
  split: Split | null;
  /** espeak-ng's definition of the voice says `gender female`: voiceInventory asks its `isFemale` (espeak.ts's isFemaleVoice). */
  female: boolean;
}

const safeId = (s: string) => s.replace(/[_\s]+/g, '-');

export function espeakVoice(accent: string, variant: string | null): Voice {
  const family = variant === null ? 'none' : variantFamily(variant);
  const inVal = HELD_OUT.validation.accents.includes(accent) || HELD_OUT.validation.variantFamilies.includes(family);
  const inTest = HELD_OUT.test.accents.includes(accent) || HELD_OUT.test.variantFamilies.includes(family);
  const split: Split | null = inVal && inTest ? null : inVal ? 'validation' : inTest ? 'test' : 'train';
  return {
    id: `es.${accent}.${safeId(variant ?? 'none')}`,
    engine: 'espeak',
    espeakVoice: variant === null ? accent : `${accent}+${variant}`,
    accent,
    variant,
    family: HELD_OUT.validation.accents.includes(accent) || HELD_OUT.test.accents.includes(accent) ? `accent:${accent}` : `variant:${family}`,
    split,
    female: false,
  };
}

export function mbrolaVoice(voice: string): Voice {
  const split: Split = HELD_OUT.validation.mbrola.includes(voice) ? 'validation' : HELD_OUT.test.mbrola.includes(voice) ? 'test' : 'train';
  return { id: `mb.${voice.replace(/^mb-/, '')}`, engine: 'mbrola', espeakVoice: voice, accent: null, variant: null, family: `mbrola:${voice}`, split, female: false };
}

/** Every voice from the given accents × (variants + none) and MBROLA voices, with its split and sex. */
export function voiceInventory(accents: readonly string[], variants: readonly string[], mbrola: readonly string[], includePlain = true,
  isFemale: (voice: Voice) => boolean = () => false): Voice[] {
  const voices: Voice[] = [];
  for (const accent of accents) {
    if (includePlain) voices.push(espeakVoice(accent, null));
    for (const variant of variants) voices.push(espeakVoice(accent, variant));
  }
  for (const v of mbrola) voices.push(mbrolaVoice(v));
  return voices.map((v) => ({ ...v, female: isFemale(v) }));
}

/**
 * Whose pronunciation rules a voice follows: an MBROLA voice its own (its diphone set maps espeak-ng's
 * phonemes onto the sounds of its language: mb-fr4-en says "three" as "t R i", like "tree"), an
 * espeak-ng voice its accent's (a variant changes how the voice sounds, not which phonemes it says).
 */
export function pronouncerOf(voice: Voice): string {
  return voice.engine === 'mbrola' ? voice.espeakVoice : voice.accent!;
}

/** The voice a speaker id names, given the inventory (used to check that splits share no voice). */
export function voicesBySplit(voices: readonly Voice[]): Record<Split, Voice[]> {
  const out: Record<Split, Voice[]> = { train: [], validation: [], test: [] };
  for (const v of voices) if (v.split) out[v.split].push(v);
  return out;
}
