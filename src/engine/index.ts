export { Network, Stream, classification, type Classification, type NetworkOptions, type StreamSnapshot } from './network.js';
export { simdSupported, resolveEngine, type EngineChoice, type EngineKind } from './wasm.js';
