import { standardise } from '../../audio/standardise.js';
import { Network } from '../../engine/index.js';
import { UsageError } from '../../errors.js';
import type { Model } from '../../model/model.js';
import { referenceForward } from '../../reference/forward.js';

export interface LogitsOptions {
  engine: 'simd' | 'scalar' | 'reference';
  mode: 'batch' | 'stream';
  chunk: number;
}

/** One logit vector per clip, from the chosen engine, whole-clip or streamed in chunks. */
export async function computeLogits(model: Model, clips: Float32Array[], options: LogitsOptions): Promise<number[][]> {
  const { engine, mode, chunk } = options;
  if (!Number.isInteger(chunk) || chunk < 1) throw new UsageError(`--chunk must be a positive integer, got ${chunk}`);
  if (engine === 'reference') {
    if (mode === 'stream') throw new UsageError("--engine reference has no streaming mode; use --mode batch");
    return clips.map((clip) => Array.from(referenceForward(model, standardise(padded(clip, model.clipSamples), model)).logits));
  }
  const net = await Network.create(model, { engine });
  try {
    return clips.map((clip) => {
      if (mode === 'batch') return Array.from(net.logits(clip));
      const stream = net.stream();
      const full = padded(clip, model.clipSamples);
      for (let i = 0; i < full.length; i += chunk) stream.push(full.subarray(i, i + chunk));
      return Array.from(stream.logits());
    });
  } finally {
    net.dispose();
  }
}

function padded(clip: Float32Array, n: number): Float32Array {
  if (clip.length >= n) return clip;
  const out = new Float32Array(n);
  out.set(clip);
  return out;
}
