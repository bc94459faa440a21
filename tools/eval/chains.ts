/**
 * Step-scale lists for the sweep (spec §5.4). The authors' test_sc.py searches all non-decreasing
 * multiplicative chains [s_0, s_0·k_1, s_0·k_1·k_2, …] with every entry ≤ 33: each layer runs at an
 * integer multiple of the previous layer's step (so the decimation schedules nest, spec §4.2).
 * Tiny (3 layers) has 309 such lists up to 33; 6-layer models have 1964.
 */
import { UsageError } from '../../src/errors.js';
import type { Model } from '../../src/model/model.js';

/** Every chain of `layers` positive integers with s_j | s_{j+1} and s_last ≤ maxScale, in lexicographic order. */
export function stepScaleChains(layers: number, maxScale = 33): number[][] {
  if (!Number.isInteger(layers) || layers < 1) throw new UsageError(`layers must be a positive integer, got ${layers}`);
  if (!Number.isInteger(maxScale) || maxScale < 1) throw new UsageError(`the largest step scale must be a positive integer, got ${maxScale}`);
  const chains: number[][] = [];
  const prefix: number[] = [];
  const extend = (previous: number) => {
    if (prefix.length === layers) {
      chains.push([...prefix]);
      return;
    }
    for (let s = previous; s <= maxScale; s += previous) {
      prefix.push(s);
      extend(s);
      prefix.pop();
    }
  };
  extend(1);
  return chains;
}

/** Positive integers, each dividing the next (spec §4.2). */
export function checkChain(list: readonly number[]): void {
  const shown = `[${list.join(',')}]`;
  if (list.length === 0 || list.some((s) => !Number.isInteger(s) || s < 1)) throw new UsageError(`step scales ${shown}: expected positive integers`);
  list.forEach((s, j) => {
    if (j > 0 && s % list[j - 1] !== 0) {
      throw new UsageError(`step scales ${shown} do not nest: ${s} (layer ${j}) is not a multiple of ${list[j - 1]} (layer ${j - 1})`);
    }
  });
}

/**
 * Why `model` cannot run at `stepScales`, or null if it can. A layer with continuous parameters
 * re-discretises to any step; one without (an exported model_dict.npy) only composes to integer
 * multiples of its exported step (src/model/rescale.ts).
 */
export function unreachableReason(model: Model, stepScales: readonly number[]): string | null {
  if (stepScales.length !== model.layers.length) return `${stepScales.length} step scales for ${model.layers.length} layers`;
  for (let j = 0; j < stepScales.length; j++) {
    const layer = model.layers[j];
    if (!layer.continuous && stepScales[j] % layer.stepScale !== 0) {
      return `layer ${j}: ${stepScales[j]} is not a multiple of the exported step scale ${layer.stepScale} (no continuous parameters)`;
    }
  }
  return null;
}
