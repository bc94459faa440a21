// Spotter: window scores are net.classify of the same slices; the decision policy on models whose
// answers are known (test/helpers/controlled-models.ts); options validation.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeWav } from '../../src/audio/wav.js';
import { Network } from '../../src/engine/index.js';
import { SlidingWindows, type WindowScore } from '../../src/engine/sliding-windows.js';
import { Spotter, type Detection, type SpotterOptions } from '../../src/engine/spotter.js';
import { InputError, UsageError } from '../../src/errors.js';
import { loadModel } from '../../src/node/load-model.js';
import { defaultModelPath } from '../../src/node/package-root.js';
import { concat, energyModel, toneBurst, toneModel } from '../helpers/controlled-models.js';
import { seededRandom, syntheticModel } from '../helpers/synthetic-model.js';

const W = 16000;
const rand = seededRandom(11);
const noise = (seconds: number, dbfs: number) => {
  const amplitude = Math.sqrt(3) * 10 ** (dbfs / 20); // uniform noise: rms = amplitude/√3
  return Float32Array.from({ length: Math.round(seconds * W) }, () => amplitude * (2 * rand() - 1));
};
const example = (name: string) => decodeWav(new Uint8Array(readFileSync(new URL(`../../examples/${name}`, import.meta.url))), name).samples;

// Two layers with a coarser second clock (so a window that starts off the 4-sample grid must start
// its own schedule) and an input standardisation (applied per window, like classify does).
const model = { ...syntheticModel({ P: [6, 5], H: [4, 8] }, [1, 4], 5), inputMean: 0.01, inputStd: 0.3 };
const signal = Float32Array.from({ length: 2.3 * W }, (_, i) => 0.3 * Math.sin(i / 37) * (2 * rand() - 1));

function allWindows(windows: SlidingWindows, audio: Float32Array, chunk: number): WindowScore[] {
  const out: WindowScore[] = [];
  for (let at = 0; at < audio.length; at += chunk) out.push(...windows.push(audio.subarray(at, at + chunk)));
  return out;
}

describe('window scores', () => {
  it.each([16000, 4000, 3001, 160])('hop %i: every window has the logits of net.classify on its slice, bit for bit', async (hop) => {
    const net = await Network.create(model);
    const scores = allWindows(new SlidingWindows(net, hop), signal, 1000);
    expect(scores.map((s) => s.startSample)).toEqual(Array.from({ length: Math.floor((signal.length - W) / hop) + 1 }, (_, k) => k * hop));
    for (const s of scores) {
      const slice = signal.subarray(s.startSample, s.startSample + W);
      expect(s.endSample).toBe(s.startSample + W);
      expect(Array.from(s.classification.logits)).toEqual(Array.from(net.classify(slice).logits));
      const rms = Math.sqrt(slice.reduce((sum, v) => sum + v * v, 0) / W);
      expect(Math.abs(s.rms - rms)).toBeLessThan(1e-12);
    }
  });

  it('flush({ partial: true }) scores the open windows zero-padded, like classify of the shorter slice', async () => {
    const net = await Network.create(model);
    const windows = new SlidingWindows(net, 4000);
    const full = windows.push(signal);
    const tail = windows.flush({ partial: true });
    // 36 800 samples: windows 0..5 are full; 6..9 (from 24 000, 28 000, 32 000, 36 000) are open.
    expect(full).toHaveLength(6);
    expect(tail.map((s) => [s.startSample, s.endSample, s.padded])).toEqual([24000, 28000, 32000, 36000].map((start) => [start, 36800, true]));
    for (const s of tail) expect(Array.from(s.classification.logits)).toEqual(Array.from(net.classify(signal.subarray(s.startSample)).logits));
    // flush resets: the next push starts at sample 0 again.
    expect(windows.sampleIndex).toBe(0);
    expect(windows.push(signal.subarray(0, W)).map((s) => s.startSample)).toEqual([0]);
  });

  it('flush() without partial drops the open windows', async () => {
    const windows = new SlidingWindows(await Network.create(model), 4000);
    windows.push(signal);
    expect(windows.flush()).toEqual([]);
    expect(windows.sampleIndex).toBe(0);
  });
});

// Three "words" (tones) the tone model names: 'yes' 500 Hz, 'no' 1100 Hz, 'up' 1700 Hz. A window
// holding a whole 0.5-s burst gives that word p ≈ 0.91, half of it (a quarter of the window) p ≈ 0.31
// (see the helper), so with hop 250 ms only windows holding whole bursts pass the threshold 0.7.
const tones = { yes: 500, no: 1100, up: 1700 };
const toneNet = Network.create(toneModel(tones, 250));
const burst = (word: keyof typeof tones) => toneBurst(tones[word], 0.5, 0.3);
const spot = async (audio: Float32Array, options: SpotterOptions = {}, chunk = audio.length): Promise<Detection[]> => {
  const spotter = new Spotter(await toneNet, options);
  const out: Detection[] = [];
  for (let at = 0; at < audio.length; at += chunk) out.push(...spotter.push(audio.subarray(at, at + chunk)));
  return out;
};
const summary = (ds: Detection[]) => ds.map((d) => `${d.label}@${d.startSeconds}-${d.endSeconds}`);

describe('detections', () => {
  // Bursts at 1.0, 2.5 and 4.0 s, in -60 dBFS noise.
  const words = concat(1, burst('yes'), 1, burst('no'), 1, burst('up'), 1);
  const hiss = noise(words.length / W, -60);
  const noisy = words.map((v, i) => v + hiss[i]);

  it('each word once, with its label, in a window holding the whole word', async () => {
    const detections = await spot(noisy);
    // Smoothing over 2 windows: the first window holding the whole burst (p ≈ 0.91) averages with
    // one holding half of it (p ≈ 0.31); the next one crosses the threshold and opens a decision
    // period of 250 ms. The window after it, which starts with the burst, wins: like the one before
    // it, it holds the burst's ring-down, which the window ending with the burst does not.
    expect(summary(detections)).toEqual(['yes@1-2', 'no@2.5-3.5', 'up@4-5']);
    // Without the decision period, the first window over the threshold is reported.
    expect(summary(await spot(noisy, { peakSamples: 0 }))).toEqual(['yes@0.75-1.75', 'no@2.25-3.25', 'up@3.75-4.75']);
    for (const d of detections) {
      expect(d.probability).toBeGreaterThan(0.85);
      expect(d.top.map((t) => t.label)[0]).toBe(d.label);
      expect(d.top).toHaveLength(3);
      expect(d.rmsDbfs).toBeCloseTo(20 * Math.log10(0.3 / 2), 0); // half a window of a 0.3 sine
    }
  });

  it('the same detections whatever the chunk size', async () => {
    const whole = await spot(noisy);
    for (const chunk of [1, 7, 1000]) expect(await spot(noisy, {}, chunk)).toEqual(whole);
  });

  it('without smoothing or decision period, the first window over the threshold fires (one hop earlier here)', async () => {
    expect(summary(await spot(noisy, { smoothWindows: 1, peakSamples: 0 }))).toEqual(['yes@0.5-1.5', 'no@2-3', 'up@3.5-4.5']);
  });

  it('per-word thresholds: a word at threshold 1 is never reported, another at 0.2 fires on half a burst', async () => {
    const detections = await spot(noisy, { thresholds: { no: 1, up: 0.2 }, smoothWindows: 1, peakSamples: 0, suppressSamples: 24000 });
    expect(summary(detections)).toEqual(['yes@0.5-1.5', 'up@3.25-4.25']);
  });

  it('suppression (first-window policy, peakSamples 0): within suppressSamples of a detection no word is reported, after it any is', async () => {
    const close = concat(0.5, burst('yes'), 0.25, burst('no'), 1.5);
    const all: Detection[] = [];
    await spot(close, { suppressSamples: 0, smoothWindows: 1, peakSamples: 0, onWindow: (_, d) => d.detection && all.push(d.detection) });
    // Without suppression every window over the threshold is a detection.
    expect(summary(all)).toEqual(['yes@0-1', 'yes@0.25-1.25', 'yes@0.5-1.5', 'no@0.75-1.75', 'no@1-2', 'no@1.25-2.25']);
    expect(summary(await spot(close, { smoothWindows: 1, peakSamples: 0 }))).toEqual(['yes@0-1', 'no@1-2']);
    expect(summary(await spot(close, { smoothWindows: 1, peakSamples: 0, suppressSamples: 8000 }))).toEqual(['yes@0-1', 'yes@0.5-1.5', 'no@1-2']);
    expect(summary(await spot(close, { smoothWindows: 1, peakSamples: 0, suppressSamples: 24000 }))).toEqual(['yes@0-1']);
    // The rule: keep a detection if its window ends at least suppressSamples after the last kept one.
    for (const suppressSamples of [0, 4000, 8000, 16000, 24000]) {
      let last = -Infinity;
      const kept = all.filter((d) => d.endSample - last >= suppressSamples && ((last = d.endSample), true));
      expect(await spot(close, { smoothWindows: 1, peakSamples: 0, suppressSamples })).toEqual(kept);
    }
  });

  it('silence and quiet noise are never detections, even at threshold 0; the energy gate is what stops them', async () => {
    const quiet = concat(new Float32Array(3 * W), noise(3, -55));
    expect(await spot(quiet, { threshold: 0 })).toEqual([]);
    // Without the gate the model (no silence class) names a word for silence.
    const ungated = await spot(new Float32Array(2 * W), { threshold: 0, minRms: 0 });
    expect(ungated.length).toBeGreaterThan(0);
    expect(ungated[0].probability).toBeCloseTo(1 / 35, 6);
  });

  it('flush({ partial: true }) reports a word in audio shorter than a window; flush() does not', async () => {
    const short = concat(0.1, burst('up'), 0.2);
    const spotter = new Spotter(await toneNet, { smoothWindows: 1 });
    expect(spotter.push(short)).toEqual([]);
    expect(summary(spotter.flush({ partial: true }))).toEqual(['up@0-0.8']);
    expect(spotter.push(short)).toEqual([]);
    expect(spotter.flush()).toEqual([]);
  });
});

// A word whose onset sounds like another: 250 ms of 'up', then 500 ms of 'no', at 1.0 s. At threshold
// 0.25 without smoothing, the window ending with the onset (0.25–1.25 s: 'up' over a quarter of it,
// p ≈ 0.31) crosses first, with the wrong word; the windows holding both parts name 'no' with
// p ≈ 0.88, and the one centred on 'no' alone (1.25–2.25 s) with p ≈ 0.92.
describe('decision period (peakSamples)', () => {
  const onset = concat(1, toneBurst(tones.up, 0.25, 0.3), burst('no'), 1.25);
  const options: SpotterOptions = { threshold: 0.25, smoothWindows: 1 };

  it('the most probable window of the period is reported, not the first over the threshold', async () => {
    // peakSamples 0: the onset window is reported as 'up', and once its suppression is over the
    // centred window is reported again as 'no': two detections for one word, the first wrong.
    expect(summary(await spot(onset, { ...options, peakSamples: 0 }))).toEqual(['up@0.25-1.25', 'no@1.25-2.25']);
    // 500 ms: windows ending by 1.75 s compete; the best holds all of 'no' (and the onset).
    expect(summary(await spot(onset, { ...options, peakSamples: 8000 }))).toEqual(['no@0.75-1.75']);
    // 1 s: the centred window is in the period, and wins.
    const detections = await spot(onset, { ...options, peakSamples: 16000 });
    expect(summary(detections)).toEqual(['no@1.25-2.25']);
    expect(detections[0].probability).toBeGreaterThan(0.9);
  });

  it('the detection comes when the last window of the period closes: latency = the period', async () => {
    const decisions: [number, boolean, string, Detection | null][] = [];
    const spotter = new Spotter(await toneNet, { ...options, peakSamples: 16000, onWindow: (w, d) => decisions.push([w.startSample / W, d.candidate, w.classification.label, d.detection]) });
    // The onset window (ending at 1.25 s) opens the period; its last window ends at 2.25 s.
    expect(spotter.push(onset.subarray(0, 2.25 * W - 1))).toEqual([]);
    expect(decisions.find(([start]) => start === 0.25)?.slice(0, 4)).toEqual([0.25, true, 'up', null]);
    const [detection] = spotter.push(onset.subarray(2.25 * W - 1, 2.25 * W));
    expect(summary([detection])).toEqual(['no@1.25-2.25']);
    expect(decisions.at(-1)?.[3]).toBe(detection);
  });

  it('flush() reports a pending decision: the best window so far, or of the zero-padded ones too with partial', async () => {
    const cut = onset.subarray(0, 2 * W); // ends 0.25 s after 'no', before the period's last window
    const spotter = new Spotter(await toneNet, { ...options, peakSamples: 16000 });
    expect(spotter.push(cut)).toEqual([]);
    // Windows from 0.25 to 1.0 s: the last holds all of 'no' with its ring-down, the one before does not.
    expect(summary(spotter.flush())).toEqual(['no@1-2']);
    expect(spotter.push(cut)).toEqual([]);
    // The zero-padded window from 1.25 s holds 'no' alone.
    expect(summary(spotter.flush({ partial: true }))).toEqual(['no@1.25-2']);
  });

  it('the same detections whatever the chunk size, flush included', async () => {
    const run = async (chunk: number) => {
      const spotter = new Spotter(await toneNet, { ...options, peakSamples: 12000 });
      const out: Detection[] = [];
      for (let at = 0; at < onset.length; at += chunk) out.push(...spotter.push(onset.subarray(at, at + chunk)));
      return [...out, ...spotter.flush({ partial: true })];
    };
    const whole = await run(onset.length);
    expect(whole.length).toBeGreaterThan(0);
    for (const chunk of [1, 7, 1000]) expect(await run(chunk)).toEqual(whole);
  });
});

describe('spoken words (examples/*.wav) with an energy-detector model', () => {
  // Each clip scaled to mean |u| = 0.02 over its second; the model's word logit is 0.99·gain·mean|u|
  // of the window, so with gain 5.5/(0.99·0.02) a window holding all of a clip gives p ≈ 0.88 and the
  // threshold 0.7 needs about 80 % of a clip's |u|.
  const clips = ['yes.pico-en-US.wav', 'stop.festival-slt.wav', 'seven.espeak-en-029-linda.wav'].map((name) => {
    const clip = example(name);
    const scale = 0.02 / (clip.reduce((s, v) => s + Math.abs(v), 0) / clip.length);
    return clip.map((v) => v * scale);
  });
  const audio = concat(0.5, clips[0], 0.5, clips[1], 0.5, clips[2], 0.5);
  const starts = [0.5, 2, 3.5].map((s) => s * W);

  it('one detection per word, each in a window holding most of that word', async () => {
    const net = await Network.create(energyModel('marvin', 5.5 / (0.99 * 0.02)));
    const detections = new Spotter(net).push(audio);
    expect(detections).toHaveLength(3);
    detections.forEach((d, i) => {
      const clip = clips[i];
      const held = clip.reduce((s, v, j) => s + (starts[i] + j >= d.startSample && starts[i] + j < d.endSample ? Math.abs(v) : 0), 0);
      expect(held / clip.reduce((s, v) => s + Math.abs(v), 0)).toBeGreaterThan(0.75);
    });
  });
});

const trainedPath = process.env.SEDGE_TRAINED_MODEL ?? defaultModelPath();
describe.skipIf(!existsSync(trainedPath))(`the trained model (${trainedPath}; skipped while it does not exist: labels need a trained model)`, () => {
  it('names the example words it knows alone where they are, and nothing in 1.5-s gaps of -45 dBFS noise', async () => {
    const net = await Network.create(await loadModel(trainedPath));
    const names = ['yes.pico-en-US.wav', 'no.flite-slt.wav', 'up.festival-kal.wav', 'down.pico-en-GB.wav', 'marvin.espeak-en-029-belinda.wav', 'seven.espeak-en-029-linda.wav'];
    const clips = names.map(example);
    const words = concat(1.5, ...clips.flatMap((clip) => [clip, 1.5]));
    const hiss = noise(words.length / W, -45);
    const audio = words.map((v, i) => v + hiss[i]);
    const starts = clips.map((_, i) => (1.5 + 2.5 * i) * W);
    const detections = new Spotter(net).push(audio);
    const overlap = (d: Detection, i: number) => Math.min(d.endSample, starts[i] + W) - Math.max(d.startSample, starts[i]);
    for (const d of detections) expect(starts.some((_, i) => overlap(d, i) >= W / 4), `${d.label} at ${d.startSeconds} s is in a gap`).toBe(true);
    const known = clips.map((clip, i) => ({ i, word: names[i].split('.')[0], alone: net.classify(clip) }))
      .filter(({ word, alone }) => alone.label === word && alone.probabilities[alone.index] >= 0.8);
    const found = known.filter(({ i, word }) => detections.some((d) => d.label === word && overlap(d, i) >= W / 2));
    expect(found.map((k) => k.word)).toEqual(known.map((k) => k.word));
  });
});

describe('options and input are checked', () => {
  const cases: [string, SpotterOptions, RegExp][] = [
    ['hop 0', { hopSamples: 0 }, /hopSamples must be an integer from 1 to the window, model.clipSamples = 16000, got 0/],
    ['hop > window', { hopSamples: 16001 }, /hopSamples .* got 16001/],
    ['fractional hop', { hopSamples: 100.5 }, /hopSamples .* got 100.5/],
    ['threshold > 1', { threshold: 1.5 }, /threshold must be a probability in \[0, 1\], got 1.5/],
    ['threshold NaN', { threshold: NaN }, /threshold must be a probability in \[0, 1\], got NaN/],
    ['unknown word', { thresholds: { yess: 0.5 } }, /thresholds: 'yess' is not a word of this model; expected one of backward, bed, .* zero/],
    ['per-word threshold < 0', { thresholds: { yes: -0.1 } }, /thresholds.yes must be a probability in \[0, 1\], got -0.1/],
    ['smoothing 0', { smoothWindows: 0 }, /smoothWindows must be a positive integer, got 0/],
    ['negative suppression', { suppressSamples: -1 }, /suppressSamples must be a non-negative integer, got -1/],
    ['negative peak', { peakSamples: -1 }, /peakSamples must be a non-negative integer, got -1/],
    ['fractional peak', { peakSamples: 0.5 }, /peakSamples must be a non-negative integer, got 0.5/],
    ['negative minRms', { minRms: -1 }, /minRms must be a finite RMS ≥ 0 .* got -1/],
  ];
  it.each(cases)('%s → UsageError', async (_, options, message) => {
    const net = await toneNet;
    expect(() => new Spotter(net, options)).toThrow(UsageError);
    expect(() => new Spotter(net, options)).toThrow(message);
  });

  it('a chunk with a non-finite sample is refused whole, naming the sample', async () => {
    const spotter = new Spotter(await toneNet);
    spotter.push(new Float32Array(100));
    const bad = new Float32Array(10);
    bad[3] = NaN;
    expect(() => spotter.push(bad)).toThrow(InputError);
    expect(() => spotter.push(bad)).toThrow('sample 3 of the chunk (sample 103 of the stream) is NaN');
    expect(spotter.sampleIndex).toBe(100);
  });
});
