/**
 * Keyword spotting in continuous audio: a window of one clip (model.clipSamples) every hop, each
 * scored exactly as `net.classify` would score it (sliding-windows.ts), then a decision:
 *
 *   1. energy gate: a window whose raw RMS is below minRms is never a detection. The model has no
 *      silence or unknown class (35 words only), so without the gate silence would be named a word;
 *   2. smoothing: the mean of the posteriors of the last `smoothWindows` windows, quiet ones
 *      included (default 2);
 *   3. threshold: a window is a candidate if the top word of that mean has probability ≥ its
 *      threshold;
 *   4. peak picking: the first candidate opens a decision period of `peakSamples`; of the
 *      candidates among the windows ending within it, the most probable is reported (the earliest
 *      on a tie), once the last window of the period has closed. A window holding only part of a
 *      word can cross the threshold first, with a lower probability (or another word) than the
 *      window centred on the word a hop or two later;
 *   5. suppression: after a detection, no window ending less than `suppressSamples` after the
 *      reported window's end is a candidate.
 *
 * With peakSamples = 0 this is the policy of TF.js speech-commands' listen() (probabilityThreshold,
 * suppressionTimeMillis, overlapFactor = 1 − hop/window), computed incrementally and with
 * sample-exact time stamps. The decisions depend only on the window scores, so they are the same
 * whatever the chunking of the audio.
 */
import { UsageError } from '../errors.js';
import type { Network } from './network.js';
import { SlidingWindows, type WindowScore } from './sliding-windows.js';

export interface SpotterOptions {
  /** Samples between window starts, 1 … model.clipSamples. Default: 250 ms. */
  hopSamples?: number;
  /** Minimum probability of the top word, in [0, 1]. Default 0.7. */
  threshold?: number;
  /** Per-word thresholds overriding `threshold`, e.g. { yes: 0.9 }. */
  thresholds?: Readonly<Record<string, number>>;
  /**
   * Average the posteriors of this many consecutive windows (the last one included) before
   * deciding. Default 2: on long streams of test clips it found more words than 1 for as many
   * false detections (README), at the cost of one hop of latency. 1 turns smoothing off.
   */
  smoothWindows?: number;
  /**
   * Decision period, in samples: when a window crosses the threshold, the windows ending at most
   * peakSamples after it are awaited too, and the most probable of those over the threshold is
   * reported. This adds latency: a detection is reported floor(peakSamples/hop) hops after the
   * first window crossed (one hop, 250 ms, by default), or by flush() if the audio ends first.
   * 0 reports the first window over the threshold as soon as it closes. Default: 250 ms (README:
   * on long streams of test clips, as many words as 0 at the default threshold and far fewer
   * detections outside words at lower ones; longer periods found no more words).
   */
  peakSamples?: number;
  /** Refractory time after a detection, counted from the reported window's end, in samples, for every word. Default: 1 s. */
  suppressSamples?: number;
  /** Windows quieter than this RMS (raw samples, full scale 1) are never detections. Default −50 dBFS. */
  minRms?: number;
  /** Called for every scored window with the decision's inputs: for tuning thresholds and tests. */
  onWindow?: (window: WindowScore, decision: WindowDecision) => void;
}

export interface WindowDecision {
  /** Mean posteriors of the last smoothWindows windows (the window's own when smoothing is off). */
  readonly probabilities: Float64Array;
  readonly gated: boolean;
  readonly suppressed: boolean;
  /** Not gated, not suppressed and over the threshold: this window opened or joined a decision period. */
  readonly candidate: boolean;
  /** The detection reported as this window closed: the best window of a period that ended here (maybe an earlier window). */
  readonly detection: Detection | null;
}

export interface Detection {
  label: string;
  /** Index of the label in model.labels. */
  index: number;
  /** The (smoothed) probability that passed the threshold. */
  probability: number;
  /** The window that fired: [startSample, endSample) since the start or the last reset. */
  startSample: number;
  endSample: number;
  startSeconds: number;
  endSeconds: number;
  /** The window's RMS in dB relative to full scale (a full-scale sine is −3 dBFS). */
  rmsDbfs: number;
  /** The three most probable words, best first (the first is this detection's). */
  top: { label: string; probability: number }[];
}

export const DEFAULT_SPOTTER = Object.freeze({
  hopSeconds: 0.25,
  threshold: 0.7,
  smoothWindows: 2,
  peakSeconds: 0.25,
  suppressSeconds: 1,
  minDbfs: -50,
});

export const dbfsToRms = (dbfs: number): number => 10 ** (dbfs / 20);
export const rmsToDbfs = (rms: number): number => 20 * Math.log10(rms);

export class Spotter {
  readonly hopSamples: number;
  readonly threshold: number;
  readonly smoothWindows: number;
  readonly peakSamples: number;
  readonly suppressSamples: number;
  readonly minRms: number;
  private readonly windows: SlidingWindows;
  private readonly thresholdOf: Float64Array;
  private readonly labels: readonly string[];
  private readonly sampleRateHz: number;
  private readonly onWindow?: SpotterOptions['onWindow'];
  /** Posteriors of the last smoothWindows windows, oldest first. */
  private history: Float64Array[] = [];
  private lastDetectionEnd = -Infinity;
  /** The open decision period: the end of the window that opened it and its best window so far. */
  private pending: { openedAt: number; best: Detection } | null = null;

  /**
   * Allocates ceil(window/hop) streams in the network's wasm memory, which is never freed while the
   * Network lives: for a new recording, reset() this Spotter rather than making another.
   */
  constructor(network: Network, options: SpotterOptions = {}) {
    const { labels, sampleRateHz, clipSamples } = network.model;
    const {
      hopSamples = Math.round(DEFAULT_SPOTTER.hopSeconds * sampleRateHz),
      threshold = DEFAULT_SPOTTER.threshold,
      thresholds = {},
      smoothWindows = DEFAULT_SPOTTER.smoothWindows,
      peakSamples = Math.round(DEFAULT_SPOTTER.peakSeconds * sampleRateHz),
      suppressSamples = Math.round(DEFAULT_SPOTTER.suppressSeconds * sampleRateHz),
      minRms = dbfsToRms(DEFAULT_SPOTTER.minDbfs),
    } = options;
    checkProbability('threshold', threshold);
    if (!Number.isInteger(smoothWindows) || smoothWindows < 1) throw new UsageError(`smoothWindows must be a positive integer, got ${smoothWindows}`);
    if (!Number.isInteger(peakSamples) || peakSamples < 0) throw new UsageError(`peakSamples must be a non-negative integer, got ${peakSamples}`);
    if (!Number.isInteger(suppressSamples) || suppressSamples < 0) throw new UsageError(`suppressSamples must be a non-negative integer, got ${suppressSamples}`);
    if (!(Number.isFinite(minRms) && minRms >= 0)) throw new UsageError(`minRms must be a finite RMS ≥ 0 (full scale 1; −50 dBFS is ${dbfsToRms(-50).toPrecision(3)}), got ${minRms}`);
    if (!Number.isInteger(hopSamples) || hopSamples < 1 || hopSamples > clipSamples) {
      throw new UsageError(`hopSamples must be an integer from 1 to the window, model.clipSamples = ${clipSamples}, got ${hopSamples}`);
    }
    this.thresholdOf = new Float64Array(labels.length).fill(threshold);
    for (const [word, value] of Object.entries(thresholds)) {
      const k = labels.indexOf(word);
      if (k < 0) throw new UsageError(`thresholds: '${word}' is not a word of this model; expected one of ${labels.join(', ')}`);
      checkProbability(`thresholds.${word}`, value);
      this.thresholdOf[k] = value;
    }
    this.windows = new SlidingWindows(network, hopSamples);
    this.hopSamples = hopSamples;
    this.threshold = threshold;
    this.smoothWindows = smoothWindows;
    this.peakSamples = peakSamples;
    this.suppressSamples = suppressSamples;
    this.minRms = minRms;
    this.labels = labels;
    this.sampleRateHz = sampleRateHz;
    this.onWindow = options.onWindow;
  }

  /** Feeds raw audio at the model's rate, any chunk size; returns the detections of the windows that closed. */
  push(samples: ArrayLike<number>): Detection[] {
    return this.decideAll(this.windows.push(samples));
  }

  /**
   * Ends the audio. By default the last, incomplete windows are dropped; with `partial: true` they
   * are completed with zeros and scored (as `net.classify` zero-pads a short clip), so that audio
   * shorter than a window, or a word in its last hop, can still be reported. A decision period still
   * open is then closed early and its best window reported. Then resets.
   */
  flush(options: { partial?: boolean } = {}): Detection[] {
    const detections = this.decideAll(this.windows.flush(options));
    if (this.pending) detections.push(this.report());
    this.reset();
    return detections;
  }

  /** Back to sample 0: no open windows, no smoothing history, no pending decision, no suppression. */
  reset(): void {
    this.windows.reset();
    this.history = [];
    this.lastDetectionEnd = -Infinity;
    this.pending = null;
  }

  /** Samples pushed since the start or the last reset. */
  get sampleIndex(): number {
    return this.windows.sampleIndex;
  }

  private decideAll(scores: WindowScore[]): Detection[] {
    const detections: Detection[] = [];
    for (const score of scores) {
      const detection = this.decide(score);
      if (detection) detections.push(detection);
    }
    return detections;
  }

  private decide(score: WindowScore): Detection | null {
    this.history.push(score.classification.probabilities);
    if (this.history.length > this.smoothWindows) this.history.shift();
    const probabilities = meanOf(this.history);
    let best = 0;
    for (let k = 1; k < probabilities.length; k++) if (probabilities[k] > probabilities[best]) best = k;

    const gated = score.rms < this.minRms;
    const suppressed = score.endSample - this.lastDetectionEnd < this.suppressSamples;
    const candidate = !gated && !suppressed && probabilities[best] >= this.thresholdOf[best];
    if (candidate) {
      if (!this.pending) this.pending = { openedAt: score.endSample, best: this.detection(score, probabilities, best) };
      else if (probabilities[best] > this.pending.best.probability) this.pending.best = this.detection(score, probabilities, best);
    }
    // Windows end a hop apart, so the period is over once no window ending a hop later belongs to it.
    const detection = this.pending && score.endSample + this.hopSamples - this.pending.openedAt > this.peakSamples ? this.report() : null;
    this.onWindow?.(score, { probabilities, gated, suppressed, candidate, detection });
    return detection;
  }

  private report(): Detection {
    const { best } = this.pending!;
    this.pending = null;
    this.lastDetectionEnd = best.endSample;
    return best;
  }

  private detection(score: WindowScore, probabilities: Float64Array, best: number): Detection {
    const top = Array.from(probabilities, (probability, k) => ({ label: this.labels[k], probability }))
      .sort((a, b) => b.probability - a.probability)
      .slice(0, 3);
    return {
      label: this.labels[best],
      index: best,
      probability: probabilities[best],
      startSample: score.startSample,
      endSample: score.endSample,
      startSeconds: score.startSample / this.sampleRateHz,
      endSeconds: score.endSample / this.sampleRateHz,
      rmsDbfs: rmsToDbfs(score.rms),
      top,
    };
  }
}

function checkProbability(name: string, value: number): void {
  if (!(typeof value === 'number' && value >= 0 && value <= 1)) throw new UsageError(`${name} must be a probability in [0, 1], got ${value}`);
}

function meanOf(rows: Float64Array[]): Float64Array {
  if (rows.length === 1) return rows[0];
  const mean = new Float64Array(rows[0].length);
  for (const row of rows) for (let k = 0; k < row.length; k++) mean[k] += row[k] / rows.length;
  return mean;
}
