/**
 * Loading the kernel modules: one compiled WebAssembly.Module per build, shared by every Network;
 * one instance (and so one memory) per Network.
 */
import { UsageError } from '../errors.js';
import { scalarWasm, simdWasm } from './generated/kernels.js';

export type EngineKind = 'simd' | 'scalar';
export type EngineChoice = EngineKind | 'auto';

/** The exports of assembly/index.ts. Every pointer is a byte offset into `memory`. */
export interface Kernels {
  memory: WebAssembly.Memory;
  heapBase(): number;
  gemmF32(a: number, lda: number, rows: number, k: number, b: number, n: number, bias: number, out: number, ldo: number, mode: number): void;
  ssmScanF32(bu: number, rows: number, p: number, aRe: number, aIm: number, state: number): void;
  addRowsF32(inp: number, ldi: number, rows: number, n: number, out: number, ldo: number): void;
  addBroadcastF32(inp: number, ldi: number, rows: number, n: number, out: number, ldo: number): void;
  accumulateRowsF64(inp: number, ldi: number, rows: number, n: number, sum: number): void;
  decodeF64(sum: number, count: number, weight: number, bias: number, k: number, h: number, logits: number): void;
}

export const EPILOGUE = { store: 0, leaky: 1, accumulate: 2 } as const;

const decodeBase64 = (text: string): Uint8Array<ArrayBuffer> => {
  if (typeof Buffer !== 'undefined') return new Uint8Array(Buffer.from(text, 'base64'));
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
};

const binaries: Record<EngineKind, string> = { simd: simdWasm, scalar: scalarWasm };
const compiled = new Map<EngineKind, WebAssembly.Module>();
let simdSupport: boolean | undefined;

/** True when this runtime validates our SIMD build (Node ≥ 16.4, Chrome ≥ 91, Firefox ≥ 89, Safari ≥ 16.4). */
export function simdSupported(): boolean {
  simdSupport ??= WebAssembly.validate(decodeBase64(simdWasm));
  return simdSupport;
}

export function resolveEngine(choice: EngineChoice = 'auto'): EngineKind {
  if (choice === 'auto') return simdSupported() ? 'simd' : 'scalar';
  if (choice !== 'simd' && choice !== 'scalar') {
    throw new UsageError(`engine must be 'auto', 'simd' or 'scalar', got '${String(choice)}'`);
  }
  if (choice === 'simd' && !simdSupported()) {
    throw new UsageError("engine 'simd' requested, but this WebAssembly runtime does not support SIMD; use 'auto' or 'scalar'");
  }
  return choice;
}

export async function instantiateKernels(kind: EngineKind): Promise<Kernels> {
  let module = compiled.get(kind);
  if (!module) {
    module = await WebAssembly.compile(decodeBase64(binaries[kind]));
    compiled.set(kind, module);
  }
  const instance = await WebAssembly.instantiate(module, { env: { abort: wasmAbort } });
  return instance.exports as unknown as Kernels;
}

function wasmAbort(): never {
  throw new Error('sedge kernel aborted (a bug: the host must check bounds before calling kernels)');
}
