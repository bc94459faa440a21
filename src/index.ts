// The public API of `sedge`, for Node and browsers alike. File and CLI helpers: `sedge/node`.
export { Network, Stream, simdSupported, type Classification, type EngineChoice, type EngineKind, type NetworkOptions, type StreamSnapshot } from './engine/index.js';
export { Spotter, DEFAULT_SPOTTER, type Detection, type SpotterOptions, type WindowDecision } from './engine/spotter.js';
export { type WindowScore } from './engine/sliding-windows.js';
export { DataError, InputError, MissingToolError, ModelFormatError, SedgeError, ToolError, UsageError } from './errors.js';
export { SPEECH_COMMANDS_LABELS, stepScalesOf, type ContinuousParams, type Decoder, type Model, type SsmLayer } from './model/model.js';
export { parseModel } from './model/parse.js';
export { encodeSafetensors, modelFromSafetensors } from './model/safetensors.js';
export { modelFromModelDict } from './model/model-dict.js';
export { validateModel } from './model/validate.js';
export { flopsPerSecond, memoryBytes, parameterCount } from './model/stats.js';
export { referenceForward } from './reference/forward.js';
export { standardise } from './audio/standardise.js';
export { decodeWav, encodeWav, type Audio } from './audio/wav.js';
export { resample } from './audio/resample.js';
