/**
 * Data tools for training and evaluating keyword models: what a trainer imports.
 *
 *   const corpus = SpeechCommandsCorpus.open('data/synth');            // or a real Speech Commands v0.02 folder
 *   const { mean, std } = trainingStats(corpus);                        // → model inputMean / inputStd (spec §3.4)
 *   const train = corpus.loadSplit('train');                            // one Float32Array, N·16000
 *   const noise = corpus.backgroundNoise();
 *   const x = augment(train.x.subarray(0, 16000), WEAK, Rng.derive(seed, 'epoch', e, 'clip', i), noise);
 */
export {
  SpeechCommandsCorpus, trainingStats, readClip, readLongClip, SPLITS, CLIP_SAMPLES, SAMPLE_RATE_HZ,
  type ClipRef, type InputStats, type LoadedSplit, type OpenOptions, type Split,
} from './speech-commands.js';
export { augment, AUGMENT_PRESETS, WEAK, STRONG, type AugmentOptions } from './augment.js';
export { Rng } from './prng.js';
export { synthCorpus, GENERATOR_VERSION, DEFAULT_PER_WORD, type SynthOptions, type SynthResult, type CorpusManifest } from './synth.js';
export { synthOtherSet, type OtherSynthOptions, type OtherSynthResult } from './other-synth.js';
export { HELD_OUT, ESPEAK_ENGLISH_ACCENTS, MBROLA_ENGLISH_VOICES } from './voices.js';
