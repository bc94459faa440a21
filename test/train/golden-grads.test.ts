/**
 * Gradients of the authors' loss against their PyTorch code (golden README §3.6): the golden Tiny
 * and S state dicts in eval mode at step scale 1, inputs rows 0 and 1, labels [3, 17], loss = mean
 * CE + 0.1·√(mean((WWᵀ⊙(1−I))²)). Per tensor, max|ours − theirs| / max|theirs|:
 *   f64 path vs grads_f64.npz ≤ F64_TOL,  f32 (wasm) path vs grads_f64.npz ≤ F32_TOL (the issue's 1e-4).
 * Against the float32 torch run (grads.npz) the difference is torch's own float32 error: up to
 * 3e-3 (README §5: torch f32 vs f64), so that file is checked at TORCH32_TOL only.
 */
import { describe, expect, it } from 'vitest';
import { sedgeLoss } from '../../tools/autograd/loss.js';
import type { SedgeModel } from '../../tools/train/model.js';
import { GOLDEN_LOSS_F64, GRAD_BATCH, goldenModel, goldenNpz, gradBatchClips, relMaxDiff } from './helpers.js';

const F64_TOL = 1e-7; // observed ≤ 1.1e-10 (tiny 1.3e-11)
const F32_TOL = 1e-4; // observed ≤ 2.1e-5 (tiny seq.0.attn_norm.weight)
const TORCH32_TOL = 5e-3; // README §7: torch float32 itself is ≤ 3e-3 from float64
const LOSS_F64_TOL = 1e-9; // relative
const LOSS_F32_TOL = 1e-5; // relative

function gradients(model: SedgeModel): { loss: number; grads: Map<string, Float32Array | Float64Array> } {
  model.zeroGrad();
  const logits = model.forward(gradBatchClips(), { train: false });
  const { loss } = sedgeLoss(logits, GRAD_BATCH.labels, model.decoderWeight);
  loss.backward();
  return { loss: loss.item(), grads: new Map(model.parameters().map(({ name, tensor }) => [name, tensor.grad!])) };
}

describe.each(['tiny', 'small'] as const)('golden gradients: %s', (config) => {
  const f64Ref = goldenNpz(`${config}.grads_f64.npz`);
  const f32Ref = goldenNpz(`${config}.grads.npz`);

  it('has a gradient for exactly the tensors the authors\' model has', async () => {
    const model = await goldenModel(config, { dtype: 'f64' });
    expect(model.parameters().map((p) => p.name).sort()).toEqual([...f64Ref.keys()].sort());
  });

  for (const dtype of ['f64', 'f32'] as const) {
    it(`${dtype} path: loss and every gradient tensor`, async () => {
      const model = await goldenModel(config, { dtype });
      const { loss, grads } = gradients(model);
      expect(Math.abs(loss - GOLDEN_LOSS_F64[config]) / GOLDEN_LOSS_F64[config]).toBeLessThan(dtype === 'f64' ? LOSS_F64_TOL : LOSS_F32_TOL);
      const tol = dtype === 'f64' ? F64_TOL : F32_TOL;
      const worst: Array<[string, number]> = [];
      for (const [name, ref] of f64Ref) {
        const ours = grads.get(name)!;
        expect(ours.length).toBe(ref.data.length);
        worst.push([name, relMaxDiff(ours, ref.data as Float64Array)]);
        expect(relMaxDiff(ours, f32Ref.get(name)!.data as Float32Array), `${name} vs torch float32`).toBeLessThan(TORCH32_TOL);
      }
      for (const [name, dev] of worst) expect(dev, `${name} vs grads_f64`).toBeLessThan(tol);
    });
  }
});
