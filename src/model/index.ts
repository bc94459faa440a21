// The model layer of sedge: the Model hub type, its readers and writers, and validation. Browser-safe;
// reading from disk is `loadModel` in src/node/load-model.ts.
export { classCount, LEAKY_SLOPE, SPEECH_COMMANDS_LABELS, STANDARDISE_EPS, stepScalesOf } from './model.js';
export type { ContinuousParams, Decoder, Model, SsmLayer } from './model.js';
export { parseModel, type ParseModelOptions } from './parse.js';
export { modelFromModelDict, type ModelDictOptions } from './model-dict.js';
export { encodeSafetensors, modelFromSafetensors, type SafetensorsOptions } from './safetensors.js';
export { validateModel } from './validate.js';
export { encodeNpy, parseNpy, parseNpz, readNpyHeader, type NpyArray, type NpyData, type NpyHeader } from './npy.js';
export type { InflateRaw } from './zip.js';
