/**
 * `sedge spot`: the keywords in longer recordings, with time stamps (src/engine/spotter.ts). Times
 * on the command line are in milliseconds and levels in dBFS; the Spotter takes samples and RMS.
 */
import { Network } from '../../engine/index.js';
import { DEFAULT_SPOTTER, Spotter, dbfsToRms, type Detection } from '../../engine/spotter.js';
import { InputError, UsageError } from '../../errors.js';
import type { Model } from '../../model/model.js';
import { readWav } from '../read-clips.js';

export interface SpotCommandOptions {
  hopMs?: number;
  threshold?: number;
  /** Per-word thresholds, e.g. { yes: 0.9 }. */
  thresholds?: Record<string, number>;
  smooth?: number;
  /** Decision period: report the best window among those ending this long after the first crossing. */
  peakMs?: number;
  suppressMs?: number;
  minDbfs?: number;
  /** Also score the windows still open at the end of each file, completed with zeros. */
  tail?: boolean;
}

export interface SpottedFile {
  file: string;
  seconds: number;
  detections: Detection[];
}

/** Spots each file in turn with one Spotter (reset between files). `note` gets remarks for stderr. */
export async function spotFiles(model: Model, files: string[], options: SpotCommandOptions = {}, note: (line: string) => void = () => {}): Promise<SpottedFile[]> {
  const rate = model.sampleRateHz, window = model.clipSamples;
  const samplesOf = (ms: number) => Math.round((ms * rate) / 1000);
  const { hopMs = 1000 * DEFAULT_SPOTTER.hopSeconds, peakMs = 1000 * DEFAULT_SPOTTER.peakSeconds, suppressMs = 1000 * DEFAULT_SPOTTER.suppressSeconds, minDbfs = DEFAULT_SPOTTER.minDbfs } = options;
  const hopSamples = samplesOf(hopMs);
  if (!(hopSamples >= 1 && hopSamples <= window)) {
    throw new UsageError(`--hop must be from ${1000 / rate} ms to the window, ${(1000 * window) / rate} ms (1 to ${window} samples at ${rate} Hz), got ${hopMs} ms`);
  }
  for (const word of Object.keys(options.thresholds ?? {})) {
    if (!model.labels.includes(word)) throw new UsageError(`--word-thresholds: '${word}' is not a word of this model; expected one of ${model.labels.join(', ')}`);
  }
  const audio = files.map((file) => readAudio(file, rate)); // every file is checked before any work
  const net = await Network.create(model);
  try {
    const spotter = new Spotter(net, {
      hopSamples,
      threshold: options.threshold,
      thresholds: options.thresholds,
      smoothWindows: options.smooth,
      peakSamples: samplesOf(peakMs),
      suppressSamples: samplesOf(suppressMs),
      minRms: dbfsToRms(minDbfs),
    });
    return files.map((file, i) => {
      const samples = audio[i];
      if (samples.length < window && !options.tail) {
        note(`${file}: ${(samples.length / rate).toFixed(2)} s, shorter than one window (${window / rate} s): nothing scored; --tail scores it zero-padded`);
      }
      const detections = [...spotter.push(samples), ...spotter.flush({ partial: !!options.tail })];
      return { file, seconds: samples.length / rate, detections };
    });
  } finally {
    net.dispose();
  }
}

function readAudio(path: string, rateHz: number): Float32Array {
  if (!path.toLowerCase().endsWith('.wav')) throw new InputError(`${path}: expected a .wav file`);
  return readWav(path, rateHz);
}

const percent = (p: number) => `${(100 * p).toFixed(1)} %`;

export const formatSpotted = (r: SpottedFile): string =>
  r.detections.length === 0
    ? `${r.file}: no keywords (${r.seconds.toFixed(2)} s)`
    : r.detections.map((d) => `${r.file}  ${d.startSeconds.toFixed(3)}–${d.endSeconds.toFixed(3)} s  ${d.label} ${percent(d.probability)}  ` +
      `(${d.top.slice(1).map((t) => `${t.label} ${percent(t.probability)}`).join(', ')})`).join('\n');
