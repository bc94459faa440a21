/**
 * A tensor: a flat row-major typed array, its shape, and (when it takes part in a gradient) a link
 * to the op that made it. In the style of micrograd's `Value` (karpathy/micrograd `engine.py`): an op
 * makes its output with `emptyLike`, fills it, and `record`s its parents and a closure that pushes
 * the output's gradient into theirs with `+=`. `backward()` (tape.ts) sorts the graph once and runs
 * the closures in reverse.
 *
 * An op output is uninitialised (emptyLike: a recycled buffer keeps whatever it held), so every op
 * writes each element of its output; gradients start as zeros because backward closures add into
 * them, except where an op overwrites all of a gradient it creates (freshGradBuffer).
 *
 * Two precisions, never mixed inside one graph: 'f64' (Float64Array; the exact path, for gradient
 * checks) and 'f32' (Float32Array; the fast path). Sums inside ops are f64 in both.
 *
 * Storage: plain typed arrays, except large f32 tensors made from tensors on a Device (device.ts),
 * which live in the wasm kernels' memory so that kernels work on them in place. `data` and `grad`
 * are views, re-made when the memory has grown. Ops therefore allocate (emptyLike, gradBuffer)
 * before they take views, never in between.
 */
import type { Device } from './device.js';
import { backward } from './tape.js';

export type DType = 'f32' | 'f64';
export type Data = Float32Array | Float64Array;

export const dtypeOf = (data: Data): DType => (data instanceof Float32Array ? 'f32' : 'f64');

/**
 * Large plain buffers are recycled too. On this kind of VM the first write to each fresh 4 KB page
 * costs tens of microseconds (a 64 MB activation: ~0.5 s), far more than the arithmetic, so a
 * training step must not allocate its activations anew. Buffers come back through `release`.
 */
const POOL_MIN_LENGTH = 1 << 14;
const POOL_MAX_BYTES = 2 ** 31;
const pool = new Map<string, Data[]>();
let pooledBytes = 0;

/**
 * A plain buffer of `length` elements, recycled when one is free: zeroed, or with `zero` false,
 * holding whatever it held before (a new array is zeros either way).
 */
export function allocate(dtype: DType, length: number, zero = true): Data {
  if (length >= POOL_MIN_LENGTH) {
    const free = pool.get(`${dtype}:${length}`)?.pop();
    if (free) {
      pooledBytes -= free.byteLength;
      return zero ? free.fill(0) : free;
    }
  }
  return dtype === 'f32' ? new Float32Array(length) : new Float64Array(length);
}

/** Hands a plain buffer back for reuse; the caller must hold no other reference to it. */
export function release(data: Data): void {
  if (data.length < POOL_MIN_LENGTH || data.byteOffset !== 0 || data.byteLength !== data.buffer.byteLength) return;
  if (pooledBytes + data.byteLength > POOL_MAX_BYTES) return;
  const key = `${dtypeOf(data)}:${data.length}`;
  let list = pool.get(key);
  if (!list) pool.set(key, (list = []));
  if (list.includes(data)) return;
  list.push(data);
  pooledBytes += data.byteLength;
}

const sizeOf = (shape: readonly number[]): number => shape.reduce((n, d) => n * d, 1);

/**
 * One buffer: a plain array, or a block of a Device's memory seen through a refreshable view.
 * `owned` buffers (made here, not wrapped user arrays) go back to the pool or the device on free.
 */
export class Storage {
  private view: Data;
  private readonly token = {};
  freed = false;

  private constructor(readonly dtype: DType, readonly length: number, readonly device: Device | null, readonly ptr: number,
    view: Data | null, private readonly owned: boolean) {
    this.view = view ?? this.makeView();
  }

  /**
   * Storage on `device` when f32 and not small (or, with `always`, f32 of any size), else a plain
   * array. Zeroed, unless `zero` is false: then its contents are undefined (a recycled block or
   * array keeps its old values), for a caller that writes every element before reading any.
   */
  static create(dtype: DType, length: number, device: Device | null, always = false, zero = true): Storage {
    if (device && dtype === 'f32' && (always || length >= device.minTensorLength) && length > 0) {
      const s = new Storage(dtype, length, device, device.alloc(length * 4), null, true);
      if (zero) s.view.fill(0);
      return s;
    }
    return new Storage(dtype, length, null, -1, allocate(dtype, length, zero), true);
  }

  /** Wraps a caller's array (never recycled). */
  static wrap(data: Data): Storage {
    return new Storage(dtypeOf(data), data.length, null, -1, data, false);
  }

  /** Device blocks are freed when `owner` is garbage-collected without an explicit free. */
  trackOwner(owner: object): void {
    this.device?.track(owner, this.ptr, this.token);
  }

  private makeView(): Data {
    return this.dtype === 'f32' ? this.device!.f32(this.ptr, this.length) : this.device!.f64(this.ptr, this.length);
  }

  get data(): Data {
    if (this.view.length !== this.length) { // detached by memory growth, or freed
      if (this.freed) throw new Error('tensor storage was released (its graph finished backward(), or a later forward() reclaimed it)');
      this.view = this.makeView();
    }
    return this.view;
  }

  free(): void {
    if (this.freed) return;
    this.freed = true;
    if (this.device) {
      this.device.untrack(this.token);
      this.device.freeBlock(this.ptr);
    } else if (this.owned) {
      release(this.view);
    }
    this.view = this.dtype === 'f32' ? new Float32Array(0) : new Float64Array(0);
  }
}

export class Tensor {
  private storage: Storage;
  private gradStorage: Storage | null = null;
  /** The op inputs and the closure that back-propagates into them; cleared after backward(). */
  parents: readonly Tensor[] = [];
  backwardFn: (() => void) | null = null;
  /** A leaf that wants a gradient (a parameter), or an op output that depends on one. */
  requiresGrad: boolean;
  /**
   * Set by code that made this op output and never hands it out (a model's hidden activations):
   * backward() then frees `data` together with the graph.
   */
  disposable = false;

  /** Wraps `data` (not copied), or takes over `storage`. */
  constructor(data: Data | Storage, readonly shape: readonly number[], requiresGrad = false, public name = '') {
    if (data.length !== sizeOf(shape)) {
      throw new RangeError(`tensor ${name}: shape [${shape}] needs ${sizeOf(shape)} values, data has ${data.length}`);
    }
    this.storage = data instanceof Storage ? data : Storage.wrap(data);
    this.storage.trackOwner(this);
    this.requiresGrad = requiresGrad;
  }

  static zeros(shape: readonly number[], dtype: DType, requiresGrad = false, name = ''): Tensor {
    return new Tensor(Storage.create(dtype, sizeOf(shape), null), shape, requiresGrad, name);
  }

  /**
   * A zeroed tensor on `device` — plain when f64 or smaller than device.minTensorLength, unless
   * `always` (for buffers that kernels address by pointer).
   */
  static zerosOn(device: Device | null, shape: readonly number[], dtype: DType, always = false): Tensor {
    return new Tensor(Storage.create(dtype, sizeOf(shape), device, always), shape);
  }

  /**
   * Like zerosOn, but uninitialised: the contents are undefined (a recycled buffer keeps its old
   * values) until the caller has written every element. Op outputs are made this way: zero-filling
   * a training step's activations took ~10 % of its time.
   */
  static emptyOn(device: Device | null, shape: readonly number[], dtype: DType, always = false): Tensor {
    return new Tensor(Storage.create(dtype, sizeOf(shape), device, always, false), shape);
  }

  /** A constant (or, with requiresGrad, a leaf) holding a copy of `values` in `dtype`. */
  static from(values: ArrayLike<number>, shape: readonly number[], dtype: DType, requiresGrad = false, name = ''): Tensor {
    const data = dtype === 'f32' ? new Float32Array(values.length) : new Float64Array(values.length);
    data.set(values);
    return new Tensor(data, shape, requiresGrad, name);
  }

  get data(): Data {
    return this.storage.data;
  }

  get grad(): Data | null {
    return this.gradStorage?.data ?? null;
  }

  get dtype(): DType {
    return this.storage.dtype;
  }

  get size(): number {
    return this.storage.length;
  }

  /** The Device holding this tensor, or null for a plain array. */
  get device(): Device | null {
    return this.storage.device;
  }

  /** Byte offset of `data` in the device memory (only for device tensors). */
  get ptr(): number {
    return this.storage.ptr;
  }

  /** Byte offset of `grad` in the device memory; allocates the gradient if needed. */
  get gradPtr(): number {
    this.gradBuffer();
    return this.gradStorage!.ptr;
  }

  /** The single value of a 1-element tensor (a loss). */
  item(): number {
    if (this.size !== 1) throw new RangeError(`item() needs a 1-element tensor, ${this.name || 'this one'} has shape [${this.shape}]`);
    return this.data[0];
  }

  /** The gradient buffer, created as zeros (where `data` lives) on first use; ops add into it. */
  gradBuffer(): Data {
    if (!this.gradStorage) {
      this.gradStorage = Storage.create(this.dtype, this.size, this.storage.device, true); // next to the data
      this.gradStorage.trackOwner(this);
    }
    return this.gradStorage.data;
  }

  /**
   * The gradient buffer for an op that overwrites all of it (rather than adding into it): only
   * while there is none yet (!hasGrad), and uninitialised until the caller has written it.
   */
  freshGradBuffer(): Data {
    if (this.gradStorage) throw new Error(`freshGradBuffer: ${this.name || 'this tensor'} already has a gradient`);
    this.gradStorage = Storage.create(this.dtype, this.size, this.storage.device, true, false);
    this.gradStorage.trackOwner(this);
    return this.gradStorage.data;
  }

  /** True once a gradient buffer exists (it may still be all zeros). */
  get hasGrad(): boolean {
    return this.gradStorage !== null;
  }

  zeroGrad(): void {
    this.gradStorage?.free();
    this.gradStorage = null;
  }

  /**
   * Frees `data` but keeps the tensor in its graph: for an activation that no backward closure
   * reads (the model frees the SSM output once LeakyReLU, whose backward reads its own output, has
   * run). Its gradient still flows.
   */
  freeData(): void {
    this.storage.free();
  }

  /** Frees data and gradient now (device blocks go back to the Device, large arrays to the pool). */
  dispose(): void {
    this.zeroGrad();
    this.storage.free();
  }

  get disposed(): boolean {
    return this.storage.freed;
  }

  /** Back-propagates from this scalar: seeds ∂L/∂L = 1 and runs the graph in reverse (tape.ts). */
  backward(): void {
    backward(this);
  }
}

/**
 * An uninitialised output for an op whose primary input is `like`: same dtype, same place (device or
 * plain). The op must write every element (a recycled buffer holds an earlier tensor's values).
 */
export const emptyLike = (like: Tensor, shape: readonly number[]): Tensor => Tensor.emptyOn(like.device, shape, like.dtype);

/**
 * Makes `out` the output of an op over `parents`. If no parent needs a gradient, `out` stays a plain
 * constant and the closure is dropped, so inference graphs keep nothing alive.
 */
export function record(out: Tensor, parents: readonly Tensor[], backwardFn: (out: Tensor) => void): Tensor {
  out.requiresGrad = parents.some((p) => p.requiresGrad);
  if (out.requiresGrad) {
    out.parents = parents;
    out.backwardFn = () => {
      if (out.hasGrad) backwardFn(out);
    };
  }
  return out;
}

/** Throws unless all tensors share one dtype (graphs never mix precisions). */
export function sameDtype(op: string, ...tensors: Tensor[]): DType {
  const dtype = tensors[0].dtype;
  for (const t of tensors) {
    if (t.dtype !== dtype) throw new TypeError(`${op}: mixed precisions (${tensors.map((x) => x.dtype).join(', ')}); build the whole graph in one dtype`);
  }
  return dtype;
}

export function expectShape(op: string, t: Tensor, shape: readonly number[], what: string): void {
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new RangeError(`${op}: ${what} ${t.name ? `'${t.name}' ` : ''}has shape [${t.shape}], expected [${shape}]`);
  }
}
