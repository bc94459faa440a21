// `sedge/node`: everything in `sedge`, plus reading models and audio from files.
export * from '../index.js';
export { loadModel } from './load-model.js';
export { readClips } from './read-clips.js';
