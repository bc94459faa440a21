/**
 * The ZOH discretisation and its closed-form gradient (tools/autograd/zoh.ts), across |ΛΔ| from
 * 1e-9 (where (Ā − 1)/Λ cancels without the expm1 guard) through the series/direct switch of ψ at
 * |z| = 1/2 to |z| ≈ 8, against central differences of L = ⟨G_Ā, Ā − 1⟩ + ⟨G_g, g⟩.
 */
import { describe, expect, it } from 'vitest';
import { zohBackward, zohForward } from '../../tools/autograd/zoh.js';

const FORWARD_TOL = 1e-14; // relative, against an independent evaluation
const GRAD_TOL = 1e-7; // relative to the largest entry, central differences in f64

/** Re/Im of Ā and g = (Ā − 1)/Λ, by a plain formula (fine where there is no cancellation). */
function direct(lr: number, li: number, delta: number): [number, number, number, number] {
  const zr = lr * delta, zi = li * delta;
  const ar = Math.exp(zr) * Math.cos(zi), ai = Math.exp(zr) * Math.sin(zi);
  const nr = ar - 1, ni = ai, d = lr * lr + li * li;
  return [ar, ai, (nr * lr + ni * li) / d, (ni * lr - nr * li) / d];
}

// [Re Λ, Im Λ, log Δ, step scale]: |z| = |Λ|·Δ·s from ~1e-9 to ~8.
const POINTS: Array<[number, number, number, number]> = [
  [-0.5, 0, Math.log(2e-9), 1], // real, tiny
  [-0.5, 1e-3, Math.log(1e-6), 1],
  [-0.4, 15.3, Math.log(1e-3), 1], // the golden models' regime
  [-0.5, 8, Math.log(0.0618), 1], // |z| ≈ 0.4985: series side of the switch
  [-0.5, 8, Math.log(0.0625), 1], // |z| ≈ 0.5039: direct side
  [-1.3, 25, Math.log(0.02), 16], // a coarse step scale
  [-0.05, 0.7, Math.log(0.1), 64],
];

describe('zohForward', () => {
  it('matches Ā = exp(ΛΔ), g = (Ā − 1)/Λ where that has no cancellation', () => {
    for (const [lr, li, logDelta, s] of POINTS.slice(2)) {
      const z = zohForward(Float64Array.of(lr, li), Float64Array.of(logDelta), s);
      const [ar, ai, gr, gi] = direct(lr, li, s * Math.exp(logDelta));
      const scale = Math.hypot(gr, gi);
      expect(Math.abs(z.aRe[0] - ar) + Math.abs(z.aIm[0] - ai)).toBeLessThan(FORWARD_TOL);
      expect((Math.abs(z.gRe[0] - gr) + Math.abs(z.gIm[0] - gi)) / scale).toBeLessThan(1e-12);
    }
  });

  it('keeps g = Δ·(1 + z/2 + …) accurate at tiny |z| (the expm1 guard)', () => {
    const delta = 2e-9, lr = -0.5;
    const z = zohForward(Float64Array.of(lr, 0), Float64Array.of(Math.log(delta)), 1);
    const zz = lr * delta;
    expect(Math.abs(z.gRe[0] - delta * (1 + zz / 2 + (zz * zz) / 6)) / delta).toBeLessThan(FORWARD_TOL);
  });
});

describe('zohBackward vs central differences', () => {
  it.each(POINTS.map((p) => [Math.hypot(p[0], p[1]) * Math.exp(p[2]) * p[3], p] as const))('|z| = %f', (_, [lr, li, logDelta, s]) => {
    const [gAr, gAi, gGr, gGi] = [0.7, -1.1, 0.3, 2.3];
    const loss = (params: [number, number, number]): number => {
      // ⟨G_Ā, Ā − 1⟩ with Ā − 1 = Λ·g (exact): the same gradient as ⟨G_Ā, Ā⟩, but without the
      // constant 1 that would drown the differences at tiny |z|.
      const z = zohForward(Float64Array.of(params[0], params[1]), Float64Array.of(params[2]), s);
      const [l0, l1] = params, g0 = z.gRe[0], g1 = z.gIm[0];
      return gAr * (l0 * g0 - l1 * g1) + gAi * (l0 * g1 + l1 * g0) + gGr * g0 + gGi * g1;
    };
    const z = zohForward(Float64Array.of(lr, li), Float64Array.of(logDelta), s);
    const dLambda = new Float64Array(2), dLogStep = new Float64Array(1);
    zohBackward(z, [gAr], [gAi], [gGr], [gGi], dLambda, dLogStep);
    const analytic = [dLambda[0], dLambda[1], dLogStep[0]];
    const base: [number, number, number] = [lr, li, logDelta];
    const numeric = base.map((v, k) => {
      const h = 1e-5 * Math.max(1e-3, Math.abs(v));
      const up = [...base] as [number, number, number], down = [...base] as [number, number, number];
      up[k] += h;
      down[k] -= h;
      return (loss(up) - loss(down)) / (2 * h);
    });
    const scale = Math.max(...analytic.map(Math.abs));
    analytic.forEach((a, k) => expect(Math.abs(a - numeric[k]) / scale, ['Re Λ', 'Im Λ', 'log Δ'][k]).toBeLessThan(GRAD_TOL));
  });
});
