/**
 * A small seeded PRNG for the data tools. Determinism is the point: the same seed gives the same
 * corpus byte for byte and the same augmentation per clip, however the work is scheduled. So every
 * clip draws from its own stream, `Rng.derive(seed, ...keys)`, never from a shared one whose state
 * would depend on the order in which clips were finished.
 *
 * Generator: sfc32 (Chris Doty-Humphrey's "small fast chaotic" generator, PractRand-clean, 128-bit
 * state), seeded through splitmix32-style hashing of the keys.
 */

/** 32-bit hash of a string's UTF-16 code units (hashWords); used to turn keys into seeds. */
export function hashString(text: string): number {
  return hashWords(Uint16Array.from({ length: text.length }, (_, i) => text.charCodeAt(i)));
}

/** 32-bit hash (FNV-1a over whole words, then mixed) of integers below 2^32, e.g. a clip's sample bits. */
export function hashWords(words: ArrayLike<number>): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < words.length; i++) h = Math.imul(h ^ words[i], 0x01000193);
  return mix32(h);
}

/** A splitmix32-style finaliser: spreads every input bit over the output. */
export function mix32(x: number): number {
  x = (x + 0x9e3779b9) | 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spareNormal: number | null = null;

  constructor(seed: number) {
    const s = seed >>> 0;
    this.a = mix32(s);
    this.b = mix32(s ^ 0x6a09e667);
    this.c = mix32(s ^ 0xbb67ae85);
    this.d = 1;
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** An independent stream for (seed, key, key, …): e.g. `Rng.derive(seed, 'clip', 1234)`. */
  static derive(seed: number, ...keys: (string | number)[]): Rng {
    let h = mix32(seed >>> 0);
    for (const key of keys) h = mix32(h ^ hashString(String(key)));
    return new Rng(h);
  }

  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1), 32 bits of resolution. */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Log-uniform in [lo, hi] (lo, hi > 0): for ratios such as speed or cut-off frequencies. */
  logUniform(lo: number, hi: number): number {
    return Math.exp(this.uniform(Math.log(lo), Math.log(hi)));
  }

  /** Integer in [lo, hi] inclusive. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('Rng.pick: empty list');
    return items[Math.floor(this.next() * items.length)];
  }

  /** Standard normal (Marsaglia polar method; the spare value is kept for the next call). */
  normal(): number {
    if (this.spareNormal !== null) {
      const z = this.spareNormal;
      this.spareNormal = null;
      return z;
    }
    let u: number, v: number, s: number;
    do {
      u = 2 * this.next() - 1;
      v = 2 * this.next() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * Math.log(s)) / s);
    this.spareNormal = v * f;
    return u * f;
  }

  /** Fisher–Yates shuffle in place. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [items[i], items[j]] = [items[j], items[i]];
    }
    return items;
  }
}
