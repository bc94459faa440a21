/** Reads a model file from disk (Node only) and parses it with parseModel. */
import { readFile } from 'node:fs/promises';
import { ModelFormatError } from '../errors.js';
import type { Model } from '../model/model.js';
import { parseModel, type ParseModelOptions } from '../model/parse.js';

/** A model_dict.npy or .safetensors at `path`, parsed and validated; errors name the path. */
export async function loadModel(path: string, options: ParseModelOptions = {}): Promise<Model> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (code ?? String(err));
    throw new ModelFormatError(`${path}: cannot read the model file (${why})`);
  }
  return parseModel(bytes, path, options);
}
