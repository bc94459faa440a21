/**
 * Hand-built one-layer models whose answers are known, for testing what is done with the answers
 * (spotting: timing, thresholds, suppression) rather than the answers themselves.
 *
 * - energyModel: one state with A = 0 (x_k = u_k) and outputs ±x, so o₀ + o₁ = 0.99·|u|; the word
 *   `word` gets logit gain·0.99·mean|u| over the window, every other word 0. Loud windows name it.
 * - toneModel: one resonator per word (pole r·e^{iω}, B = 1 − r: unit gain at ω, ~(1−r)·fs/2π Hz
 *   wide); its rectified real part is ≈ 0.16·amplitude for a tone at ω, so a window holding a
 *   tone of amplitude a for a fraction f of its length gives that word logit ≈ gain·0.16·a·f.
 */
import { SPEECH_COMMANDS_LABELS, type Model } from '../../src/model/model.js';

const SAMPLE_RATE_HZ = 16000;
const labels = [...SPEECH_COMMANDS_LABELS];

function oneLayerModel(layer: { aRe: number[]; aIm: number[]; b: number[]; c: number[][] }, decoderRows: Map<number, number[]>, description: string): Model {
  const P = layer.aRe.length, H = layer.c.length, K = labels.length;
  const weight = new Float32Array(K * H);
  for (const [k, row] of decoderRows) weight.set(row, k * H);
  return {
    layers: [{
      inputSize: 1, stateSize: P, outputSize: H, stepScale: 1,
      aRe: Float32Array.from(layer.aRe), aIm: Float32Array.from(layer.aIm),
      bRe: Float32Array.from(layer.b), bIm: new Float32Array(P),
      biasBRe: new Float32Array(P), biasBIm: new Float32Array(P),
      cRe: Float32Array.from(layer.c.flat()), cIm: new Float32Array(H * P),
      biasCRe: new Float32Array(H), biasCIm: new Float32Array(H),
      skip: new Float32Array(H),
    }],
    decoder: { weight, bias: new Float32Array(K) },
    labels,
    sampleRateHz: SAMPLE_RATE_HZ,
    clipSamples: SAMPLE_RATE_HZ,
    inputMean: null,
    inputStd: null,
    description,
  };
}

export function energyModel(word: string, gain: number): Model {
  return oneLayerModel({ aRe: [0], aIm: [0], b: [1], c: [[1], [-1]] }, new Map([[labels.indexOf(word), [gain, gain]]]), `energy → ${word}`);
}

export function toneModel(tonesHz: Record<string, number>, gain: number, radius = 0.995): Model {
  const words = Object.keys(tonesHz);
  const omega = words.map((w) => (2 * Math.PI * tonesHz[w]) / SAMPLE_RATE_HZ);
  const rows = new Map(words.map((w, h) => [labels.indexOf(w), words.map((_, i) => (i === h ? gain : 0))]));
  return oneLayerModel({
    aRe: omega.map((o) => radius * Math.cos(o)),
    aIm: omega.map((o) => radius * Math.sin(o)),
    b: omega.map(() => 1 - radius),
    c: words.map((_, h) => words.map((_, p) => (p === h ? 1 : 0))),
  }, rows, `tones ${JSON.stringify(tonesHz)}`);
}

/** A tone burst of `seconds` at `amplitude`, with 10 ms raised-cosine ramps. */
export function toneBurst(hz: number, seconds: number, amplitude: number): Float32Array {
  const n = Math.round(seconds * SAMPLE_RATE_HZ), ramp = 160;
  return Float32Array.from({ length: n }, (_, i) => {
    const edge = Math.min(1, i / ramp, (n - 1 - i) / ramp);
    return amplitude * 0.5 * (1 - Math.cos(Math.PI * edge)) * Math.sin((2 * Math.PI * hz * i) / SAMPLE_RATE_HZ);
  });
}

/** Concatenation of the parts; a number is that many seconds of silence. */
export function concat(...parts: (Float32Array | number)[]): Float32Array {
  const arrays = parts.map((p) => (typeof p === 'number' ? new Float32Array(Math.round(p * SAMPLE_RATE_HZ)) : p));
  const out = new Float32Array(arrays.reduce((n, a) => n + a.length, 0));
  let at = 0;
  for (const a of arrays) {
    out.set(a, at);
    at += a.length;
  }
  return out;
}
