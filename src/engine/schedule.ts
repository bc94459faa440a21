/**
 * The step-scale scheduler (spec §4.2): which layer ticks at which sample. Layer j updates its
 * state at absolute samples i ≡ 0 (mod s_j) and computes its output only at i ≡ 0 (mod s_{j+1}),
 * where the next layer consumes it (the last layer feeds the mean pool at its own ticks). A block of
 * samples [n0, n0 + m) is run layer by layer; the kernels never see the schedule, only row counts,
 * offsets and strides.
 */
import type { Arena, LayerPlan, NetworkPlan } from './plan.js';
import { EPILOGUE, type Kernels } from './wasm.js';

export interface StreamState {
  layers: { state: number; length: number }[]; // per layer: x (2·Pp f32) between blocks
  pooledSum: number; // (Hp_last) f64: Σ of the last layer's outputs so far
  pooledLength: number;
  pooledCount: number;
  sampleIndex: number; // absolute index of the next sample
}

/** Receives layer j's output rows (each H_j wide) in time order, when tapping. */
export type TapSink = (layer: number, rows: Float32Array) => void;

/** First multiple of `step` at or after `n`. */
const firstTick = (n: number, step: number): number => Math.ceil(n / step) * step;
/** Number of multiples of `step` in [from, end), given `from` is one. */
const tickCount = (from: number, end: number, step: number): number => (from < end ? Math.floor((end - 1 - from) / step) + 1 : 0);

/**
 * Where a layer's input rows are: tick τ's row starts at `base + (τ − first)/spacing · rowStride`
 * floats (`first`, `spacing`: the producer's first tick in this block and its tick spacing).
 */
interface Rows {
  base: number; // byte offset of the row of tick `first`
  first: number;
  spacing: number;
  rowStride: number; // floats between consecutive producer rows
}

const rowsAt = (rows: Rows, tick: number, step: number) => ({
  ptr: rows.base + ((tick - rows.first) / rows.spacing) * rows.rowStride * 4,
  stride: (step / rows.spacing) * rows.rowStride,
});

export function runBlock(kernels: Kernels, arena: Arena, plan: NetworkPlan, state: StreamState, m: number, sink?: TapSink): void {
  const n0 = state.sampleIndex, end = n0 + m;
  // Layer 0 reads the raw samples: the producer "ticks" every sample.
  let input: Rows = { base: plan.input, first: n0, spacing: 1, rowStride: 1 };
  const lastIndex = plan.layers.length - 1;
  for (let j = 0; j <= lastIndex; j++) {
    const layer = plan.layers[j];
    const s = layer.stepScale;
    const t0 = firstTick(n0, s), ticks = tickCount(t0, end, s);
    if (ticks === 0) break; // later layers tick on a subset of these samples
    const twoP = 2 * layer.statePadded, Hp = layer.outputPadded;
    const u = rowsAt(input, t0, s);
    kernels.gemmF32(u.ptr, u.stride, ticks, layer.inputSize, layer.bPacked, twoP, layer.bBias, layer.scan, twoP, EPILOGUE.store);
    kernels.ssmScanF32(layer.scan, ticks, layer.statePadded, layer.aRe, layer.aIm, state.layers[j].state);

    const outStep = sink ? s : layer.outputStep;
    const o0 = firstTick(n0, outStep), outTicks = tickCount(o0, end, outStep);
    if (outTicks > 0) {
      const x = rowsAt({ base: layer.scan, first: t0, spacing: s, rowStride: twoP }, o0, outStep);
      kernels.gemmF32(x.ptr, x.stride, outTicks, twoP, layer.cPacked, Hp, layer.cBias, layer.out, Hp, EPILOGUE.leaky);
      addSkip(kernels, layer, rowsAt(input, o0, outStep), outTicks);
      if (sink) sink(j, copyRows(arena, layer, outTicks));
      if (j === lastIndex) {
        kernels.accumulateRowsF64(layer.out, Hp, outTicks, layer.outputSize, state.pooledSum);
        state.pooledCount += outTicks;
      }
    }
    input = { base: layer.out, first: o0, spacing: outStep, rowStride: Hp };
  }
  state.sampleIndex = end;
}

function addSkip(kernels: Kernels, layer: LayerPlan, u: { ptr: number; stride: number }, rows: number): void {
  const Hp = layer.outputPadded;
  if (layer.skipKind === 'matrix') {
    kernels.gemmF32(u.ptr, u.stride, rows, layer.inputSize, layer.skipPacked, Hp, 0, layer.out, Hp, EPILOGUE.accumulate);
  } else if (layer.skipKind === 'identity') {
    kernels.addRowsF32(u.ptr, u.stride, rows, layer.outputSize, layer.out, Hp);
  } else {
    kernels.addBroadcastF32(u.ptr, u.stride, rows, layer.outputSize, layer.out, Hp);
  }
}

function copyRows(arena: Arena, layer: LayerPlan, rows: number): Float32Array {
  const Hp = layer.outputPadded, H = layer.outputSize;
  const padded = arena.f32(layer.out, rows * Hp);
  const out = new Float32Array(rows * H);
  for (let r = 0; r < rows; r++) out.set(padded.subarray(r * Hp, r * Hp + H), r * H);
  return out;
}
