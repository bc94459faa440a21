/**
 * A Device is the wasm kernels' memory used as tensor storage: large f32 tensors of the fast path
 * live there, so the kernels read and write them in place and nothing is copied between JS and
 * wasm. JS still reads them through typed-array views (Tensor.data), which Tensor refreshes after
 * the memory grows (growing detaches every earlier view).
 *
 * Allocation: blocks are rounded to 64 bytes and recycled through exact-size free lists; a training
 * step allocates the same sizes every time, so after the first step the memory stops growing and
 * no block is new. Tensors free their blocks explicitly (Tensor.dispose, the tape after backward);
 * a FinalizationRegistry frees the blocks of tensors that were dropped without that.
 */
import type { TrainKernels } from './wasm.js';

const PAGE_BYTES = 65536;
const ALIGN = 64;
const roundUp = (n: number, m: number): number => Math.ceil(n / m) * m;

export class Device {
  private top: number;
  private readonly free = new Map<number, number[]>(); // block bytes → free offsets
  private readonly sizes = new Map<number, number>(); // live offset → block bytes
  private readonly finalizer = new FinalizationRegistry<number>((ptr) => this.freeBlock(ptr));
  /**
   * f32 tensors shorter than this stay in plain arrays (a decoder's logits, a loss): they are not
   * worth a kernel call, and a plain array outlives the graph without holding device memory.
   * Tests set 0 to put everything on the device.
   */
  minTensorLength = 1 << 14;
  /** Most bytes ever live at once (for reports). */
  highWaterBytes = 0;
  private liveBytes = 0;

  constructor(readonly kernels: TrainKernels) {
    this.top = roundUp(kernels.heapBase(), ALIGN);
  }

  get memory(): WebAssembly.Memory {
    return this.kernels.memory;
  }

  /** A block of at least `bytes` (64-aligned, contents undefined). May grow the memory. */
  alloc(bytes: number): number {
    const size = roundUp(Math.max(bytes, 1), ALIGN);
    const ptr = this.free.get(size)?.pop() ?? this.bump(size);
    this.sizes.set(ptr, size);
    this.liveBytes += size;
    this.highWaterBytes = Math.max(this.highWaterBytes, this.liveBytes);
    return ptr;
  }

  private bump(size: number): number {
    const ptr = this.top;
    this.top += size;
    const have = this.memory.buffer.byteLength;
    if (this.top > have) {
      // Grow by a quarter more than needed: fewer growths, so fewer detached views (tensor.ts),
      // and the wasm32 limit (4 GiB) still reachable exactly.
      const needed = Math.ceil((this.top - have) / PAGE_BYTES);
      try {
        this.memory.grow(Math.max(needed, Math.ceil(have / PAGE_BYTES / 4)));
      } catch {
        try {
          this.memory.grow(needed);
        } catch {
          this.top = ptr;
          throw new RangeError(`training device: cannot grow the wasm memory beyond ${(have / 2 ** 20).toFixed(0)} MiB `
            + `for ${(size / 2 ** 20).toFixed(1)} MiB more (wasm32 stops at 4 GiB); use a smaller batch`);
        }
      }
    }
    return ptr;
  }

  freeBlock(ptr: number): void {
    const size = this.sizes.get(ptr);
    if (size === undefined) return; // already free
    this.sizes.delete(ptr);
    this.liveBytes -= size;
    let list = this.free.get(size);
    if (!list) this.free.set(size, (list = []));
    list.push(ptr);
  }

  /** Frees `ptr` when `owner` is garbage-collected, unless freed (and unregistered) before. */
  track(owner: object, ptr: number, token: object): void {
    this.finalizer.register(owner, ptr, token);
  }

  untrack(token: object): void {
    this.finalizer.unregister(token);
  }

  f32(ptr: number, length: number): Float32Array {
    return new Float32Array(this.memory.buffer, ptr, length);
  }

  f64(ptr: number, length: number): Float64Array {
    return new Float64Array(this.memory.buffer, ptr, length);
  }

  /** Scratch blocks for one kernel call sequence: allocated together, freed together. */
  scratch<T>(bytes: readonly number[], body: (ptrs: number[]) => T): T {
    const ptrs = bytes.map((b) => this.alloc(b));
    try {
      return body(ptrs);
    } finally {
      for (const p of ptrs) this.freeBlock(p);
    }
  }
}

const devices = new WeakMap<TrainKernels, Device>();

/** The one Device of a kernel instance. */
export function deviceOf(kernels: TrainKernels): Device {
  let d = devices.get(kernels);
  if (!d) devices.set(kernels, (d = new Device(kernels)));
  return d;
}
