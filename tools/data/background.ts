/**
 * The corpus's `_background_noise_` folder. Speech Commands ships six ~1 min recordings (dishes, a
 * cat, an exercise bike, a tap, white and pink noise); those cannot be downloaded here, so we make
 * stand-ins of the same kinds: stationary coloured noise, mains hum, a machine with a rotating part,
 * running water, and babble (several espeak-ng voices talking at once, with no keyword in the text).
 * All from the seed; the babble uses training voices only.
 */
import { UsageError } from '../../src/errors.js';
import { Rng } from './prng.js';
import {
  addScaledInPlace, biquad, colouredNoise, dbToGain, filterInPlace, peak, rms, scaleInPlace,
} from './dsp.js';
import { decodeTo16k } from './render.js';
import { batchSsml, runEspeak } from './espeak.js';
import type { Voice } from './voices.js';

const RATE = 16000;

export const BACKGROUND_KINDS = ['white_noise', 'pink_noise', 'brown_noise', 'mains_hum', 'machine', 'running_water', 'babble'] as const;
export type BackgroundKind = (typeof BACKGROUND_KINDS)[number];

/** Sentences for babble. None contains a keyword (checked by `assertNoKeywords`). */
const BABBLE_TEXT = [
  'the weather was rather warm and the garden looked lovely in the evening light',
  'she said that the meeting would have to be moved to the afternoon',
  'we walked along the river and talked about the old days at school',
  'can you pass me the salt and pepper please',
  'the train was late again so I missed the beginning of the film',
  'my brother bought a small boat last summer and sails it every weekend',
  'they painted the kitchen a bright colour and hung new curtains',
  'the children were laughing and playing in the park all afternoon',
  'I think we should ask the manager about the new schedule',
  'there is a little cafe around the corner that makes excellent bread',
  'the radio was playing quietly while everybody was working',
  'he forgot his keys at the office and had to call his neighbour',
];

export function assertNoKeywords(labels: readonly string[]): void {
  const words = new Set(labels.map((w) => w.toLowerCase()));
  for (const sentence of BABBLE_TEXT) {
    const hit = sentence.toLowerCase().split(/[^a-z']+/).find((w) => words.has(w));
    if (hit) throw new UsageError(`babble sentence contains the keyword '${hit}': ${sentence}`);
  }
}

function normalise(x: Float32Array, rmsDb: number): Float32Array {
  const r = rms(x);
  if (r > 0) scaleInPlace(x, dbToGain(rmsDb) / r);
  const pk = peak(x);
  if (pk > 0.98) scaleInPlace(x, 0.98 / pk);
  return x;
}

function mainsHum(samples: number, rng: Rng): Float32Array {
  const f0 = rng.pick([50, 60]);
  const x = new Float32Array(samples);
  const harmonics = Array.from({ length: 12 }, (_, h) => ({ amp: rng.uniform(0.1, 1) / (h + 1), phase: rng.uniform(0, 2 * Math.PI) }));
  let drift = 0;
  for (let i = 0; i < samples; i++) {
    drift += 1e-5 * rng.normal(); // slow frequency wander
    const t = i / RATE;
    let v = 0;
    for (let h = 0; h < harmonics.length; h++) v += harmonics[h].amp * Math.sin(2 * Math.PI * f0 * (1 + drift * 1e-2) * (h + 1) * t + harmonics[h].phase);
    x[i] = v;
  }
  return addScaledInPlace(normalise(x, -26), colouredNoise(samples, 1, rng), dbToGain(-45));
}

/** Broadband noise amplitude-modulated at a rotation rate, plus its tonal whine (fan, bike, dishwasher). */
function machine(samples: number, rng: Rng): Float32Array {
  const x = colouredNoise(samples, 1.5, rng);
  const rotationHz = rng.uniform(0.8, 3), whineHz = rng.uniform(90, 300);
  for (let i = 0; i < samples; i++) {
    const t = i / RATE;
    const mod = 0.6 + 0.4 * Math.sin(2 * Math.PI * rotationHz * t) ** 2;
    x[i] = x[i] * mod + 0.3 * Math.sin(2 * Math.PI * whineHz * t) * mod + 0.1 * Math.sin(4 * Math.PI * whineHz * t);
  }
  filterInPlace(x, biquad('peaking', rng.uniform(500, 2000), 1, 6, RATE));
  return normalise(x, -24);
}

/** Band-passed hiss with droplets: short decaying tones at random pitches. */
function runningWater(samples: number, rng: Rng): Float32Array {
  const x = colouredNoise(samples, 0.3, rng);
  filterInPlace(x, biquad('highpass', 700, 0.7, 0, RATE));
  filterInPlace(x, biquad('lowpass', 6000, 0.7, 0, RATE));
  scaleInPlace(x, 0.5);
  const drops = Math.round((samples / RATE) * rng.uniform(20, 60));
  for (let d = 0; d < drops; d++) {
    const at = rng.int(0, samples - 1), hz = rng.logUniform(600, 4000), tau = rng.uniform(0.004, 0.03) * RATE, amp = rng.uniform(0.5, 3);
    const sweep = rng.uniform(1, 2.5); // droplets chirp upwards
    for (let k = 0; k < 5 * tau && at + k < samples; k++) {
      x[at + k] += amp * Math.exp(-k / tau) * Math.sin((2 * Math.PI * hz * k * (1 + (sweep - 1) * (k / (5 * tau)))) / RATE);
    }
  }
  return normalise(x, -25);
}

async function babble(samples: number, rng: Rng, voices: readonly Voice[]): Promise<Float32Array> {
  const x = new Float32Array(samples);
  const talkers = 6;
  for (let t = 0; t < talkers; t++) {
    let at = rng.int(0, RATE);
    while (at < samples) {
      const voice = rng.pick(voices);
      const utterance = { text: rng.pick(BABBLE_TEXT), ratePercent: rng.uniform(80, 125), pitchPercent: rng.uniform(-30, 40), rangePercent: rng.uniform(50, 150) };
      const bytes = await runEspeak(voice.espeakVoice, batchSsml([utterance]));
      const speech = decodeTo16k(bytes, `babble ${voice.id}`);
      normalise(speech, rng.uniform(-30, -22));
      addScaledInPlace(x, speech.subarray(0, Math.max(0, samples - at)), 1, at);
      at += speech.length + rng.int(0, RATE / 2);
    }
  }
  filterInPlace(x, biquad('lowpass', 5000, 0.7, 0, RATE)); // babble reaches us through a room: dull it
  return normalise(x, -24);
}

/** One background recording of `seconds`, deterministic in (seed, kind). */
export async function makeBackground(kind: BackgroundKind, seconds: number, seed: number, babbleVoices: readonly Voice[]): Promise<Float32Array> {
  const rng = Rng.derive(seed, 'background', kind);
  const samples = Math.round(seconds * RATE);
  switch (kind) {
    case 'white_noise': return normalise(colouredNoise(samples, 0, rng), -22);
    case 'pink_noise': return normalise(colouredNoise(samples, 1, rng), -22);
    case 'brown_noise': return normalise(colouredNoise(samples, 2, rng), -22);
    case 'mains_hum': return mainsHum(samples, rng);
    case 'machine': return machine(samples, rng);
    case 'running_water': return runningWater(samples, rng);
    case 'babble': return babble(samples, rng, babbleVoices);
  }
}
