/**
 * The memory plan of a Network: every weight is packed once into the kernels' layouts, every
 * scratch buffer is sized for the largest block, all at fixed offsets in one wasm memory.
 */
import type { Model, SsmLayer } from '../model/model.js';
import type { Kernels } from './wasm.js';

const PAGE_BYTES = 65536;
const roundUp = (n: number, m: number): number => Math.ceil(n / m) * m;

/** A bump allocator over the instance's memory; it grows the memory as needed. */
export class Arena {
  private top: number;
  constructor(private readonly kernels: Kernels) {
    this.top = kernels.heapBase();
  }
  alloc(bytes: number): number {
    const ptr = roundUp(this.top, 16);
    this.top = ptr + roundUp(bytes, 16);
    const have = this.kernels.memory.buffer.byteLength;
    if (this.top > have) this.kernels.memory.grow(Math.ceil((this.top - have) / PAGE_BYTES));
    return ptr;
  }
  f32(ptr: number, length: number): Float32Array {
    return new Float32Array(this.kernels.memory.buffer, ptr, length);
  }
  f64(ptr: number, length: number): Float64Array {
    return new Float64Array(this.kernels.memory.buffer, ptr, length);
  }
  allocF32(values: Float32Array): number {
    const ptr = this.alloc(values.byteLength);
    this.f32(ptr, values.length).set(values);
    return ptr;
  }
  get bytesUsed(): number {
    return this.top - this.kernels.heapBase();
  }
}

/**
 * Packs a row-major (k × n) matrix given by `at(row, col)` into the gemm's column panels of 8 floats
 * (the last panel 4 wide when n ≡ 4 mod 8): see assembly/dense.ts.
 */
export function packPanels(k: number, n: number, at: (row: number, col: number) => number): Float32Array {
  const packed = new Float32Array(k * n);
  let o = 0;
  for (let col = 0; col < n; col += 8) {
    const width = Math.min(8, n - col);
    for (let row = 0; row < k; row++) for (let c = 0; c < width; c++) packed[o++] = at(row, col + c);
  }
  return packed;
}

export type SkipKind = 'matrix' | 'identity' | 'broadcast';

/** One layer's packed weights and scratch, with its padded sizes. */
export interface LayerPlan {
  inputSize: number; // I
  outputSize: number; // H
  statePadded: number; // Pp = P rounded up to 4
  outputPadded: number; // Hp = H rounded up to 4
  stepScale: number;
  /** Step of the ticks at which this layer's output is needed: the next layer's step scale. */
  outputStep: number;
  skipKind: SkipKind;
  bPacked: number; // (I × 2Pp) panels: columns [Re B̄ᵀ | Im B̄ᵀ]
  bBias: number; // (2Pp) [Re b̄ | Im b̄]
  aRe: number; // (Pp)
  aIm: number;
  cPacked: number; // (2Pp × Hp) panels: rows [Re Cᵀ ; −Im Cᵀ], so Re(C x) is one real product
  cBias: number; // (Hp) Re c
  skipPacked: number; // (I × Hp) panels, or 0
  scan: number; // (maxTicks × 2Pp) BU, then x
  out: number; // (maxOutTicks × Hp)
  maxTicks: number;
}

/** Most ticks of step `step` inside any window of `block` consecutive samples. */
const maxTicksIn = (block: number, step: number): number => Math.ceil(block / step);

export function planLayer(arena: Arena, layer: SsmLayer, outputStep: number, blockSamples: number, allOutputs: boolean): LayerPlan {
  const { inputSize: I, stateSize: P, outputSize: H } = layer;
  const Pp = roundUp(P, 4), Hp = roundUp(H, 4);
  const skipKind: SkipKind = layer.skip ? 'matrix' : I === 1 ? 'broadcast' : 'identity';
  const bPacked = packPanels(I, 2 * Pp, (i, c) => {
    if (c < Pp) return c < P ? layer.bRe[c * I + i] : 0;
    const p = c - Pp;
    return p < P ? layer.bIm[p * I + i] : 0;
  });
  const bBias = new Float32Array(2 * Pp);
  bBias.set(layer.biasBRe, 0);
  bBias.set(layer.biasBIm, Pp);
  const aRe = new Float32Array(Pp), aIm = new Float32Array(Pp);
  aRe.set(layer.aRe);
  aIm.set(layer.aIm);
  const cPacked = packPanels(2 * Pp, Hp, (q, h) => {
    if (h >= H) return 0;
    if (q < Pp) return q < P ? layer.cRe[h * P + q] : 0;
    const p = q - Pp;
    return p < P ? -layer.cIm[h * P + p] : 0;
  });
  const cBias = new Float32Array(Hp);
  cBias.set(layer.biasCRe);
  const skip = layer.skip;
  const maxTicks = maxTicksIn(blockSamples, layer.stepScale);
  const maxOutTicks = maxTicksIn(blockSamples, allOutputs ? layer.stepScale : outputStep);
  return {
    inputSize: I, outputSize: H, statePadded: Pp, outputPadded: Hp, stepScale: layer.stepScale, outputStep,
    skipKind,
    bPacked: arena.allocF32(bPacked),
    bBias: arena.allocF32(bBias),
    aRe: arena.allocF32(aRe),
    aIm: arena.allocF32(aIm),
    cPacked: arena.allocF32(cPacked),
    cBias: arena.allocF32(cBias),
    skipPacked: skip ? arena.allocF32(packPanels(I, Hp, (i, h) => (h < H ? skip[h * I + i] : 0))) : 0,
    scan: arena.alloc(maxTicks * 2 * Pp * 4),
    out: arena.alloc(maxOutTicks * Hp * 4),
    maxTicks,
  };
}

export interface NetworkPlan {
  layers: LayerPlan[];
  input: number; // (blockSamples) f32
  blockSamples: number;
  decoderWeight: number; // (K × H_last) f32
  decoderBias: number; // (K)
  classes: number;
  logits: number; // (K) f64
}

export function planNetwork(arena: Arena, model: Model, blockSamples: number, allOutputs: boolean): NetworkPlan {
  const L = model.layers.length;
  const layers = model.layers.map((layer, j) =>
    planLayer(arena, layer, model.layers[Math.min(j + 1, L - 1)].stepScale, blockSamples, allOutputs));
  const classes = model.decoder.bias.length;
  return {
    layers,
    input: arena.alloc(blockSamples * 4),
    blockSamples,
    decoderWeight: arena.allocF32(model.decoder.weight),
    decoderBias: arena.allocF32(model.decoder.bias),
    classes,
    logits: arena.alloc(classes * 8),
  };
}
