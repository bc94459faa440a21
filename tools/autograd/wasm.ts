/**
 * The kernels of the f32 path: the inference engine's module (assembly/index.ts, which also exports
 * assembly/train.ts), one instance per process, whose memory is the Device (device.ts) that holds
 * the large f32 tensors. Every pointer is a byte offset into that memory.
 */
import { instantiateKernels, resolveEngine, type EngineChoice, type Kernels } from '../../src/engine/wasm.js';

export interface TrainKernels extends Kernels {
  ssmScanBatchF32(bu: number, batch: number, rows: number, p: number, aRe: number, aIm: number, state: number): void;
  ssmAdjointScanBatchF32(g: number, x: number, batch: number, rows: number, p: number, aRe: number, aIm: number,
    dA: number, dBias: number, state: number): void;
  gemmAtBF64(a: number, lda: number, rows: number, m: number, b: number, ldb: number, n: number, out: number, ldo: number): void;
  addF32(a: number, b: number, n: number, out: number): void;
  leakyReluF32(x: number, n: number, out: number): void;
  leakyReluBackwardF32(x: number, g: number, n: number, dx: number): void;
  channelSquaresF64(x: number, rows: number, c: number, mean: number, out: number): void;
  channelDotF64(a: number, b: number, rows: number, c: number, out: number): void;
  channelAffineF32(x: number, rows: number, c: number, scale: number, shift: number, out: number): void;
  channelAffine2F32(g: number, x: number, rows: number, c: number, alpha: number, beta: number, gamma: number, out: number): void;
  copyRowsF32(src: number, lds: number, rows: number, n: number, dst: number, ldd: number): void;
}

const instances = new Map<string, Promise<TrainKernels>>();

/** The shared kernel instance ('auto': the SIMD build where the runtime validates it). */
export function loadTrainKernels(engine: EngineChoice = 'auto'): Promise<TrainKernels> {
  const kind = resolveEngine(engine);
  let instance = instances.get(kind);
  if (!instance) {
    instance = instantiateKernels(kind).then((k) => k as TrainKernels);
    instances.set(kind, instance);
  }
  return instance;
}

export const pad4 = (n: number): number => Math.ceil(n / 4) * 4;
