/**
 * What the fused S-Edge layer op (ssm.ts) asks of a backend: the discrete layer forward on a whole
 * batch, keeping what its backward needs, and that backward. Two implementations: ssm-js.ts (plain
 * loops in f64, the reference) and ssm-wasm.ts (f32 storage, wasm kernels, f64 recurrences).
 *
 * Discrete layer, per sequence (spec §1):  BU_t = B̄ u_t + b̄,  x_t = Ā ⊙ x_{t−1} + BU_t,
 * y_t = Re(C x_t + c), x_{−1} = 0.
 *
 * Backward, with complex gradients G_w = ∂L/∂Re w + i ∂L/∂Im w (golden README §3.6):
 *   G_{x_t}  = Cᴴ dy_t                                 (∂y/∂Re x = C_r, ∂y/∂Im x = −C_i)
 *   λ_t      = G_{x_t} + conj(Ā) ⊙ λ_{t+1}, λ_T = 0    (reverse-time adjoint; λ_t = G_{BU_t})
 *   G_Ā      = Σ_t conj(x_{t−1}) ⊙ λ_t
 *   G_b̄      = Σ_t λ_t,     G_B̄ = Σ_t λ_t u_tᵀ,     du_t = Re(B̄ᴴ λ_t)
 *   G_C      = Σ_t dy_t conj(x_t)ᵀ,   ∂L/∂Re c = Σ_t dy_t,   ∂L/∂Im c = 0
 * All sums run over batch and time.
 */
import type { Tensor } from './tensor.js';

export interface SsmDims {
  batch: number;
  steps: number; // T
  I: number;
  P: number;
  H: number;
}

/** The discrete layer, in f64 (complex as separate re/im arrays, row-major). */
export interface SsmWeights {
  aRe: Float64Array; // (P)
  aIm: Float64Array;
  bRe: Float64Array; // (P, I)
  bIm: Float64Array;
  biasRe: Float64Array; // (P)
  biasIm: Float64Array;
  cRe: Float64Array; // (H, P)
  cIm: Float64Array;
  cBias: Float64Array; // (H), the real part of c
}

/** Gradients of the discrete weights (real partials), in f64. */
export interface SsmGrads {
  dARe: Float64Array; // (P)
  dAIm: Float64Array;
  dBRe: Float64Array; // (P, I)
  dBIm: Float64Array;
  dBiasRe: Float64Array; // (P)
  dBiasIm: Float64Array;
  dCRe: Float64Array; // (H, P)
  dCIm: Float64Array;
  dCBias: Float64Array; // (H)
}

/**
 * A backend's forward pass: it has written y into the output tensor and kept what its backward
 * needs. `backward` reads ∂L/∂y from `y.grad`, adds ∂L/∂u into u's gradient when u requires one,
 * and returns the discrete-weight gradients. Call it at most once.
 */
export interface SsmForward {
  backward(y: Tensor): SsmGrads;
}

/** u: [batch, T, I] and the output y: [batch, T, H], both allocated by the caller. */
export type SsmBackend = (u: Tensor, y: Tensor, dims: SsmDims, w: SsmWeights) => SsmForward;

export function zeroGrads({ I, P, H }: SsmDims): SsmGrads {
  return {
    dARe: new Float64Array(P), dAIm: new Float64Array(P), dBRe: new Float64Array(P * I), dBIm: new Float64Array(P * I),
    dBiasRe: new Float64Array(P), dBiasIm: new Float64Array(P), dCRe: new Float64Array(H * P), dCIm: new Float64Array(H * P),
    dCBias: new Float64Array(H),
  };
}
