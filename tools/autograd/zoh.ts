/**
 * Zero-order-hold discretisation and its gradient in closed form, per state, in f64 (spec §5.3):
 *
 *   Δ = s·exp(log_step),  z = ΛΔ,  Ā = e^z,  g = (Ā − 1)/Λ = Δ·φ(z),  φ(z) = expm1(z)/z
 *   B̄ = g ⊙_row B,  b̄ = g ⊙ b
 *
 * Derivatives (Ā and g are holomorphic in Λ; Δ is real):
 *   ∂Ā/∂Λ = ΔĀ,   ∂Ā/∂Δ = ΛĀ,   ∂g/∂Δ = Ā,
 *   ∂g/∂Λ = (ΔĀ − g)/Λ = Δ²ψ(z),  ψ(z) = (e^z − φ(z))/z = Σ_{n≥1} n zⁿ⁻¹/(n+1)! = 1/2 + z/3 + z²/8 + …
 * With real partials packed as complex gradients (G_w = ∂L/∂Re w + i ∂L/∂Im w; golden README §3.6),
 * a holomorphic w = h(Λ) passes G_Λ = conj(h′)·G_w, and a real Δ gets ∂L/∂Δ = Re(conj(∂w/∂Δ)·G_w):
 *   G_Λ = Δ·(conj(Ā)·G_Ā + Δ·conj(ψ)·G_g)
 *   ∂L/∂log_step = Δ·Re(conj(ΛĀ)·G_Ā + conj(Ā)·G_g)
 *
 * The expm1 guard: φ uses expm1(Re z)·cos(Im z) − 2sin²(Im z/2) for Re(e^z − 1), exact to rounding
 * for small |z| (the same formula as src/model/rescale.ts), and ψ switches to its series below
 * |z| = 1/2, where e^z − φ(z) would cancel.
 */
import type { Data } from './tensor.js';

export interface Zoh {
  P: number;
  delta: Float64Array; // Δ per state
  aRe: Float64Array; // Ā
  aIm: Float64Array;
  gRe: Float64Array; // g = (Ā − 1)/Λ, the factor on B and b
  gIm: Float64Array;
  lambdaRe: Float64Array; // Λ as used (the stored values)
  lambdaIm: Float64Array;
}

const SERIES_RADIUS = 0.5;
const SERIES_TERMS = 24; // |z|^24/25! < 1e-30 at |z| = 1/2

/** φ(z) = expm1(z)/z (1 at z = 0). */
function phi(zRe: number, zIm: number): [number, number] {
  const zz = zRe * zRe + zIm * zIm;
  if (zz === 0) return [1, 0];
  const s = Math.sin(zIm / 2);
  const emRe = Math.expm1(zRe) * Math.cos(zIm) - 2 * s * s;
  const emIm = Math.exp(zRe) * Math.sin(zIm);
  return [(emRe * zRe + emIm * zIm) / zz, (emIm * zRe - emRe * zIm) / zz];
}

/** ψ(z) = (e^z − φ(z))/z. */
function psi(zRe: number, zIm: number): [number, number] {
  const zz = zRe * zRe + zIm * zIm;
  if (zz < SERIES_RADIUS * SERIES_RADIUS) {
    // Σ_{n≥1} n/(n+1)! · z^{n−1}, summed from the smallest term up.
    const coef: number[] = [];
    let fact = 1; // (n+1)!
    for (let n = 1; n <= SERIES_TERMS; n++) {
      fact *= n + 1;
      coef.push(n / fact);
    }
    // Horner: ((c_N z + c_{N−1}) z + …) z + c_1
    let re = coef[SERIES_TERMS - 1], im = 0;
    for (let n = SERIES_TERMS - 2; n >= 0; n--) {
      [re, im] = [re * zRe - im * zIm + coef[n], re * zIm + im * zRe];
    }
    return [re, im];
  }
  const [fRe, fIm] = phi(zRe, zIm);
  const mag = Math.exp(zRe);
  const nRe = mag * Math.cos(zIm) - fRe, nIm = mag * Math.sin(zIm) - fIm;
  return [(nRe * zRe + nIm * zIm) / zz, (nIm * zRe - nRe * zIm) / zz];
}

/** lambda: (P, 2) as stored (re, im pairs); logStep: (P). */
export function zohForward(lambda: Data, logStep: Data, stepScale: number): Zoh {
  const P = logStep.length;
  const z: Zoh = {
    P, delta: new Float64Array(P), aRe: new Float64Array(P), aIm: new Float64Array(P),
    gRe: new Float64Array(P), gIm: new Float64Array(P), lambdaRe: new Float64Array(P), lambdaIm: new Float64Array(P),
  };
  for (let p = 0; p < P; p++) {
    const lr = lambda[2 * p], li = lambda[2 * p + 1];
    const delta = stepScale * Math.exp(logStep[p]);
    const zRe = lr * delta, zIm = li * delta;
    const mag = Math.exp(zRe);
    const [fRe, fIm] = phi(zRe, zIm);
    z.lambdaRe[p] = lr;
    z.lambdaIm[p] = li;
    z.delta[p] = delta;
    z.aRe[p] = mag * Math.cos(zIm);
    z.aIm[p] = mag * Math.sin(zIm);
    z.gRe[p] = delta * fRe;
    z.gIm[p] = delta * fIm;
  }
  return z;
}

/**
 * From G_Ā and G_g (complex, per state) to ∂L/∂Lambda (P, 2) and ∂L/∂log_step (P), added into
 * dLambda and dLogStep.
 */
export function zohBackward(z: Zoh, dARe: ArrayLike<number>, dAIm: ArrayLike<number>, dGRe: ArrayLike<number>, dGIm: ArrayLike<number>,
  dLambda: Data, dLogStep: Data): void {
  for (let p = 0; p < z.P; p++) {
    const delta = z.delta[p], aRe = z.aRe[p], aIm = z.aIm[p];
    const lr = z.lambdaRe[p], li = z.lambdaIm[p];
    const [sRe, sIm] = psi(lr * delta, li * delta);
    const gaRe = dARe[p], gaIm = dAIm[p], ggRe = dGRe[p], ggIm = dGIm[p];
    // conj(Ā)·G_Ā and conj(ψ)·G_g
    const t1Re = aRe * gaRe + aIm * gaIm, t1Im = aRe * gaIm - aIm * gaRe;
    const t2Re = sRe * ggRe + sIm * ggIm, t2Im = sRe * ggIm - sIm * ggRe;
    dLambda[2 * p] += delta * (t1Re + delta * t2Re);
    dLambda[2 * p + 1] += delta * (t1Im + delta * t2Im);
    // Re(conj(ΛĀ)·G_Ā) + Re(conj(Ā)·G_g)
    const laRe = lr * aRe - li * aIm, laIm = lr * aIm + li * aRe;
    const dDelta = laRe * gaRe + laIm * gaIm + aRe * ggRe + aIm * ggIm;
    dLogStep[p] += delta * dDelta;
  }
}
