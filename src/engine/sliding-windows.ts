/**
 * Scores a continuous signal in overlapping windows, each exactly as if it were a clip of its own.
 *
 * The model was trained on clips that start from a zero state and mean-pool over the whole clip, so
 * window k (samples [k·hop, k·hop + W), W = model.clipSamples) must start from zero state too: it
 * cannot share a state with the windows before it. Recomputing every window from scratch costs
 * W/hop times the audio at every hop; instead each window gets its own Stream that is fed each of
 * its samples once, as they arrive. At most ceil(W/hop) windows are open at any time, so a pool of
 * that many Streams suffices: window k uses stream k mod n, and window k + n starts no earlier than
 * window k ends (n·hop ≥ W), so a stream is reset and reused as its window closes. A Stream gives
 * the same logits whatever the chunking (README, "The schedule"), so every window's logits are
 * bit-identical to `net.classify(window)`. The cost is n = ceil(W/hop) times plain streaming.
 */
import { InputError, UsageError } from '../errors.js';
import { classification, type Classification, type Network, type Stream } from './network.js';

/** One scored window: the model's answer for samples [startSample, startSample + window). */
export interface WindowScore {
  /** k: window k starts at k·hop samples since the start (or the last reset). */
  readonly index: number;
  readonly startSample: number;
  /** Exclusive. For a zero-padded final window (flush), the end of the audio, not of the padding. */
  readonly endSample: number;
  /** Root mean square of the raw samples (before standardisation) over the full window length. */
  readonly rms: number;
  /** True for a final window completed with zeros by flush({ partial: true }). */
  readonly padded: boolean;
  readonly classification: Classification;
}

type Sliceable = ArrayLike<number> & { subarray(begin: number, end: number): ArrayLike<number> };

export class SlidingWindows {
  readonly windowSamples: number;
  readonly hopSamples: number;
  private readonly network: Network;
  private readonly streams: Stream[];
  /** Sum of squared raw samples of the window each stream currently holds. */
  private readonly sumSquares: Float64Array;
  /** Samples pushed since the start or the last reset. */
  private position = 0;
  /** The oldest window not yet scored. */
  private oldestOpen = 0;

  /** Allocates ceil(W/hop) streams in the network's wasm memory (never freed: reuse this with reset()). */
  constructor(network: Network, hopSamples: number) {
    const windowSamples = network.model.clipSamples;
    if (!Number.isInteger(hopSamples) || hopSamples < 1 || hopSamples > windowSamples) {
      throw new UsageError(`hopSamples must be an integer from 1 to the window, model.clipSamples = ${windowSamples}, got ${hopSamples}`);
    }
    this.network = network;
    this.windowSamples = windowSamples;
    this.hopSamples = hopSamples;
    const n = Math.ceil(windowSamples / hopSamples);
    this.streams = Array.from({ length: n }, () => network.stream());
    this.sumSquares = new Float64Array(n);
  }

  /** Samples pushed since the start or the last reset. */
  get sampleIndex(): number {
    return this.position;
  }

  /**
   * Feeds raw audio (any chunk size) and returns the windows that closed in it, oldest first.
   * A chunk with a non-finite sample is refused whole, before any window sees it.
   */
  push(samples: ArrayLike<number>): WindowScore[] {
    for (let i = 0; i < samples.length; i++) {
      if (!Number.isFinite(samples[i])) {
        throw new InputError(`sample ${i} of the chunk (sample ${this.position + i} of the stream) is ${samples[i]}; audio samples must be finite`);
      }
    }
    // Typed arrays are sliced in place; other array-likes are copied once.
    const view: Sliceable = typeof (samples as Partial<Sliceable>).subarray === 'function' ? samples as Sliceable : Float32Array.from(samples);
    const from = this.position, to = from + view.length;
    const { hopSamples: hop, windowSamples: W } = this;
    const closed: WindowScore[] = [];
    // Windows are independent, so each takes its whole part of the chunk in one push; in index
    // order, window k has closed (and freed its stream) before window k + n opens.
    for (let k = this.oldestOpen; k * hop < to; k++) {
      const start = k * hop;
      const a = Math.max(start, from), b = Math.min(start + W, to);
      const slot = k % this.streams.length;
      const part = view.subarray(a - from, b - from);
      this.streams[slot].push(part);
      let sum = this.sumSquares[slot];
      for (let i = 0; i < part.length; i++) sum += part[i] * part[i];
      this.sumSquares[slot] = sum;
      if (b === start + W) {
        closed.push(this.close(k, start + W, false));
        this.oldestOpen = k + 1;
      }
    }
    this.position = to;
    return closed;
  }

  /**
   * Ends the signal. By default the windows still open are dropped (they hold less than a window of
   * audio, unlike anything the model was trained on). With `partial`, each open window is completed
   * with zeros and scored, the same as `net.classify` of its shorter slice (which zero-pads, as the
   * training data does). Either way the windows then reset: the next push starts at sample 0.
   */
  flush(options: { partial?: boolean } = {}): WindowScore[] {
    const closed: WindowScore[] = [];
    if (options.partial) {
      const { hopSamples: hop, windowSamples: W } = this;
      for (let k = this.oldestOpen; k * hop < this.position; k++) {
        const slot = k % this.streams.length;
        this.streams[slot].push(new Float32Array(k * hop + W - this.position));
        closed.push(this.close(k, this.position, true));
      }
    }
    this.reset();
    return closed;
  }

  reset(): void {
    for (const stream of this.streams) stream.reset();
    this.sumSquares.fill(0);
    this.position = 0;
    this.oldestOpen = 0;
  }

  private close(k: number, endSample: number, padded: boolean): WindowScore {
    const slot = k % this.streams.length;
    const stream = this.streams[slot];
    const score: WindowScore = {
      index: k,
      startSample: k * this.hopSamples,
      endSample,
      rms: Math.sqrt(this.sumSquares[slot] / this.windowSamples),
      padded,
      classification: classification(this.network.model, stream.logits()),
    };
    stream.reset();
    this.sumSquares[slot] = 0;
    return score;
  }
}
