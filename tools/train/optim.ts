/**
 * AdamW as torch 1.13 implements it (`torch.optim.AdamW`, no amsgrad), and the authors' two
 * parameter groups ([SE] `train_sc.py`, spec §5.7, golden README §3.7). Per parameter with a
 * gradient, at its step t:
 *   p ← p·(1 − lr·wd);  m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²
 *   p ← p − lr/(1 − β1^t) · m / (√v/√(1 − β2^t) + eps)
 * Parameters without a gradient are skipped, weight decay included (torch does the same).
 */
import type { Tensor } from '../autograd/tensor.js';
import type { NamedTensor } from './model.js';

export interface ParamGroup {
  params: NamedTensor[];
  /** Mutable: a schedule sets it before each step. */
  lr: number;
  weightDecay: number;
}

export interface AdamWOptions {
  betas?: [number, number];
  eps?: number;
}

/** One parameter's AdamW state: its step count and first and second moments. */
export interface Moments {
  step: number;
  m: Float64Array;
  v: Float64Array;
}

export class AdamW {
  readonly betas: [number, number];
  readonly eps: number;
  private readonly state = new Map<Tensor, Moments>();

  constructor(readonly groups: ParamGroup[], options: AdamWOptions = {}) {
    this.betas = options.betas ?? [0.9, 0.999];
    this.eps = options.eps ?? 1e-8;
  }

  step(): void {
    const [b1, b2] = this.betas;
    for (const { params, lr, weightDecay } of this.groups) {
      for (const { tensor } of params) {
        const g = tensor.grad;
        if (!g) continue;
        let s = this.state.get(tensor);
        if (!s) this.state.set(tensor, (s = { step: 0, m: new Float64Array(tensor.size), v: new Float64Array(tensor.size) }));
        s.step += 1;
        const p = tensor.data;
        const stepSize = lr / (1 - b1 ** s.step);
        const sqrtCorrection2 = Math.sqrt(1 - b2 ** s.step);
        const decay = 1 - lr * weightDecay;
        for (let k = 0; k < p.length; k++) {
          s.m[k] = b1 * s.m[k] + (1 - b1) * g[k];
          s.v[k] = b2 * s.v[k] + (1 - b2) * g[k] * g[k];
          p[k] = p[k] * decay - (stepSize * s.m[k]) / (Math.sqrt(s.v[k]) / sqrtCorrection2 + this.eps);
        }
      }
    }
  }

  zeroGrad(): void {
    for (const { params } of this.groups) for (const { tensor } of params) tensor.zeroGrad();
  }

  /** A parameter's state (for checkpoints); undefined before its first step. */
  stateOf(tensor: Tensor): Readonly<Moments> | undefined {
    return this.state.get(tensor);
  }

  /** Restores a parameter's state (from a checkpoint), or clears it with null. */
  setState(tensor: Tensor, moments: Moments | null): void {
    if (!moments) {
      this.state.delete(tensor);
      return;
    }
    if (moments.m.length !== tensor.size || moments.v.length !== tensor.size) {
      throw new RangeError(`AdamW.setState: ${tensor.name || 'tensor'} has ${tensor.size} values, moments have ${moments.m.length}/${moments.v.length}`);
    }
    this.state.set(tensor, { step: moments.step, m: Float64Array.from(moments.m), v: Float64Array.from(moments.v) });
  }
}

/** Names containing B, C, Lambda or log_step: the SSM group (case-sensitive, as the authors match). */
export const isSsmParameter = (name: string): boolean =>
  name.includes('B') || name.includes('C') || name.includes('Lambda') || name.includes('log_step');

/**
 * The authors' groups: SSM parameters (Lambda, log_step, B, B_bias, C, C_bias) at lr with no weight
 * decay; everything else (skip, BatchNorm affine, decoder) at 4·lr with weight decay `weightDecay`.
 */
export function sedgeParamGroups(params: NamedTensor[], lr: number, weightDecay = 0.04): ParamGroup[] {
  return [
    { params: params.filter((p) => isSsmParameter(p.name)), lr, weightDecay: 0 },
    { params: params.filter((p) => !isSsmParameter(p.name)), lr: 4 * lr, weightDecay },
  ];
}
