/**
 * Clips for the CLI from a .npy (float32/float64, shape [N, samples] or [samples]) or a .wav
 * (one clip, mixed to mono and resampled to the model's rate).
 */
import { readFileSync } from 'node:fs';
import { resample } from '../audio/resample.js';
import { decodeWav } from '../audio/wav.js';
import { InputError } from '../errors.js';
import type { Model } from '../model/model.js';
import { parseNpy } from '../model/npy.js';

export function readClips(path: string, model: Model): Float32Array[] {
  if (path.toLowerCase().endsWith('.wav')) {
    const samples = readWav(path, model.sampleRateHz);
    if (samples.length > model.clipSamples) {
      throw new InputError(`${path}: ${samples.length} samples at ${model.sampleRateHz} Hz, the model takes clips of at most ${model.clipSamples}; use 'sedge spot' for longer audio`);
    }
    return [samples];
  }
  const array = parseNpy(readInputFile(path), path);
  if (array.dtype !== '<f4' && array.dtype !== '<f8') {
    throw new InputError(`${path}: dtype '${array.dtype}', expected float32 ('<f4') or float64 ('<f8') samples`);
  }
  const { shape } = array;
  const n = model.clipSamples;
  if (shape.length === 1 && shape[0] === n) return [Float32Array.from(array.data as Float32Array)];
  if (shape.length === 2 && shape[1] === n) {
    return Array.from({ length: shape[0] }, (_, i) => Float32Array.from((array.data as Float32Array).subarray(i * n, (i + 1) * n)));
  }
  throw new InputError(`${path}: shape [${shape.join(',')}], expected [N,${n}] or [${n}]`);
}

/** A .wav file (any PCM/float format and rate), mixed to mono and resampled to `rateHz`. */
export function readWav(path: string, rateHz: number): Float32Array {
  const audio = decodeWav(readInputFile(path), path);
  return resample(audio.samples, audio.sampleRateHz, rateHz);
}

export function readInputFile(path: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (error) {
    throw new InputError(`${path}: cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
}
