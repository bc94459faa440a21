/**
 * Seeded randomness for initialisation, dropout and RZOH. The generator is sfc32 (Chris Doty-
 * Humphrey's Small Fast Counter, as in PractRand), seeded through splitmix32; a run is reproducible
 * from its seed. It cannot reproduce torch's or Python's streams, and does not try to.
 */

/** Uniform in [0, 1) with 32 random bits. */
export type Rng = () => number;

export function createRng(seed: number): Rng {
  let s = seed >>> 0;
  const splitmix = (): number => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = splitmix(), b = splitmix(), c = splitmix(), d = splitmix();
  const next = (): number => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t;
  };
  for (let k = 0; k < 12; k++) next();
  return () => next() / 4294967296;
}

/** Standard normal by Box–Muller (one value per call; 1 − u keeps the log finite). */
export function normal(rng: Rng): number {
  const u = 1 - rng(), v = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

export const uniform = (rng: Rng, lo: number, hi: number): number => lo + (hi - lo) * rng();

/** Standard normal truncated to [lo, hi], by rejection (the bounds used here are ±2: 95 % accepted). */
export function truncatedNormal(rng: Rng, lo: number, hi: number): number {
  for (;;) {
    const x = normal(rng);
    if (x > lo && x < hi) return x;
  }
}
