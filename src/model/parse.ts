/**
 * One entry for model bytes of either kind: the authors' model_dict.npy (magic \x93NUMPY) or
 * sedge's .safetensors (8-byte header length, then a JSON object). Browser-safe.
 */
import { ModelFormatError } from '../errors.js';
import type { Model } from './model.js';
import { modelFromModelDict } from './model-dict.js';
import { hasNpyMagic } from './npy.js';
import { safetensorsHeaderBytes } from './safetensors-container.js';
import { modelFromSafetensors } from './safetensors.js';

export interface ParseModelOptions {
  /**
   * One label per class. Needed for a model_dict whose decoder does not have the 35 Speech Commands
   * classes; for a .safetensors it replaces the stored labels.
   */
  labels?: readonly string[];
  /** Sample rate the model runs at; default 16000 for a model_dict, the stored value for a .safetensors. */
  sampleRateHz?: number;
}

/** Parses and validates a model file's bytes. `name` (usually the path) prefixes every error. */
export function parseModel(bytes: Uint8Array, name: string, options: ParseModelOptions = {}): Model {
  if (hasNpyMagic(bytes)) return modelFromModelDict(bytes, { name, ...options });
  if (safetensorsHeaderBytes(bytes) !== null) return modelFromSafetensors(bytes, name, options);
  throw new ModelFormatError(`${name}: not a model_dict.npy or .safetensors file`);
}
