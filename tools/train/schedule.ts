/**
 * The authors' learning-rate schedule ([SE] `train_sc.py`: `CosineAnnealingWarmupRestarts` by
 * katsura-jp, patched for one max lr per group; spec §5.7), one cycle, stepped per batch:
 *
 *   factor(k) = k / W                                   for k < W (linear warm-up from 0)
 *             = (1 + cos(π·(k − W) / (N − W))) / 2      for W ≤ k < N (cosine down to 0)
 *
 * k = the optimizer step about to run (0-based), W = 100 warm-up steps, N = epochs × batches per
 * epoch. The torch scheduler sets the lr at construction (step_in_cycle 0 → lr 0) and is stepped
 * after each `optimizer.step()`, so step k runs at factor(k): the very first step has lr 0 (AdamW then
 * only fills its moments and decays nothing). Each group's lr is its maximum times the factor:
 * [lr, 4·lr] for the two S-Edge groups (optim.ts).
 */

export const WARMUP_STEPS = 100;

export interface Schedule {
  /** Optimizer steps in the whole run (epochs × batches per epoch). */
  totalSteps: number;
  warmupSteps: number;
}

export function makeSchedule(totalSteps: number, warmupSteps = WARMUP_STEPS): Schedule {
  if (!(Number.isInteger(totalSteps) && totalSteps > 0)) throw new RangeError(`schedule: totalSteps must be a positive integer, got ${totalSteps}`);
  if (!(Number.isInteger(warmupSteps) && warmupSteps >= 0)) throw new RangeError(`schedule: warmupSteps must be a non-negative integer, got ${warmupSteps}`);
  return { totalSteps, warmupSteps };
}

/** The multiplier of every group's maximum lr at optimizer step `step` (0-based). */
export function lrFactor(schedule: Schedule, step: number): number {
  const { totalSteps: N, warmupSteps: W } = schedule;
  if (step < W) return step / W;
  if (N <= W) return 1; // a run shorter than its warm-up never leaves it (torch would divide by zero)
  return (1 + Math.cos((Math.PI * (step - W)) / (N - W))) / 2;
}

/** Each group's lr at step `step`, from the groups' maximum lrs. */
export const groupLrs = (schedule: Schedule, maxLrs: readonly number[], step: number): number[] => {
  const f = lrFactor(schedule, step);
  return maxLrs.map((lr) => lr * f);
};
