/**
 * The trainer's forward pass (f64, eval mode) against the authors' torch model in float64: the
 * per-layer taps and layer means of golden README §3.4, computed from the same state dicts at the
 * exports' step scales. README §7 asks ≤ 1e-8 absolute for a float64 implementation from the state
 * dict; the f32 path is held to the float32 row (≤ 1e-4).
 */
import { describe, expect, it } from 'vitest';
import { goldenExport, loadGoldenInputs, loadGoldenTaps } from '../helpers/golden.js';
import { goldenModel } from './helpers.js';

const TAPS_F64_TOL = 1e-8; // absolute (README §7)
const TAPS_F32_TOL = 1e-4; // absolute (README §7)

describe.each([['tiny_1-1-1', 'f64'], ['tiny_1-9-54', 'f64'], ['tiny_3-12-48', 'f64'], ['small_1-2-4-16-32-64', 'f64'], ['tiny_1-9-54', 'f32']] as const)(
  'trainer forward vs torch float64 taps: %s (%s)', (name, dtype) => {
    it('matches every tapped output and every layer mean', async () => {
      const { config, stepScales } = goldenExport(name);
      const model = await goldenModel(config as 'tiny' | 'small', { dtype });
      const taps = loadGoldenTaps(name);
      const inputs = loadGoldenInputs();
      const worst = { tap: 0, mean: 0 };
      model.forward(inputs, {
        train: false, stepScales,
        onLayerOutput: (j, out) => {
          const { T, H, t, values, mean } = taps[j];
          expect(out.shape).toEqual([inputs.length, T, H]);
          const o = out.data;
          for (let b = 0; b < inputs.length; b++) {
            t.forEach((step, k) => {
              for (let h = 0; h < H; h++) worst.tap = Math.max(worst.tap, Math.abs(o[(b * T + step) * H + h] - values[(b * t.length + k) * H + h]));
            });
            for (let h = 0; h < H; h++) {
              let s = 0;
              for (let step = 0; step < T; step++) s += o[(b * T + step) * H + h];
              worst.mean = Math.max(worst.mean, Math.abs(s / T - mean[b * H + h]));
            }
          }
        },
      });
      const tol = dtype === 'f64' ? TAPS_F64_TOL : TAPS_F32_TOL;
      expect(worst.tap).toBeLessThan(tol);
      expect(worst.mean).toBeLessThan(tol);
    });
  });
