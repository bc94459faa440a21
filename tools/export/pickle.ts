/**
 * A minimal pickler (protocol 3, as numpy 1.x's np.save writes object arrays) for exactly the values
 * of the authors' model dict: None, bools, ints, strings, bytes, tuples, lists, dicts with int or
 * string keys, and numpy arrays and dtypes through numpy's reduce protocol. Opcode meanings follow
 * CPython's Lib/pickle.py; the array encoding follows numpy's `ndarray.__reduce__`:
 *
 *   numpy.core.multiarray._reconstruct(numpy.ndarray, (0,), b'b')  then BUILD with
 *   (1, shape, dtype, False, raw C-order bytes)        — or, for dtype object, a list of the items
 *   numpy.dtype(code, False, True)  then BUILD with (3, byteorder, None, None, None, -1, -1, flags)
 *
 * Globals and dtypes are memoised (BINPUT/BINGET), as numpy's own pickles are. The module path
 * `numpy.core.multiarray` is the numpy 1.x spelling, which numpy 2 still resolves (golden README §3.8:
 * numpy 2.4 reads the numpy-1.24 files); `numpy._core` would break numpy 1.x.
 */

export type PickleValue =
  | null | boolean | number | string | Uint8Array | PickleValue[]
  | { tuple: PickleValue[] }
  | { dict: Array<[number | string, PickleValue]> }
  | { ndarray: { descr: NdarrayDescr; shape: number[]; bytes: Uint8Array } }
  | { objectScalar: PickleValue }; // a 0-d ndarray of dtype object: what np.save wraps a dict in

/** The dtype strings the model dict needs: complex64, complex128, float32. */
export type NdarrayDescr = '<c8' | '<c16' | '<f4';

const OP = {
  PROTO: 0x80, STOP: 0x2e, GLOBAL: 0x63, REDUCE: 0x52, BUILD: 0x62, MARK: 0x28, NONE: 0x4e,
  NEWTRUE: 0x88, NEWFALSE: 0x89, BININT: 0x4a, BININT1: 0x4b, BININT2: 0x4d, BINUNICODE: 0x58,
  SHORT_BINBYTES: 0x43, BINBYTES: 0x42, EMPTY_TUPLE: 0x29, TUPLE1: 0x85, TUPLE2: 0x86, TUPLE3: 0x87,
  TUPLE: 0x74, EMPTY_LIST: 0x5d, APPEND: 0x61, APPENDS: 0x65, EMPTY_DICT: 0x7d, SETITEMS: 0x75,
  BINPUT: 0x71, LONG_BINPUT: 0x72, BINGET: 0x68, LONG_BINGET: 0x6a,
} as const;

const DTYPE_CODES: Record<NdarrayDescr | '|O', { code: string; order: string; flags: number }> = {
  '<c8': { code: 'c8', order: '<', flags: 0 },
  '<c16': { code: 'c16', order: '<', flags: 0 },
  '<f4': { code: 'f4', order: '<', flags: 0 },
  '|O': { code: 'O8', order: '|', flags: 63 },
};

class Pickler {
  private chunks: number[] = [];
  private big: Uint8Array[] = [];
  private readonly memo = new Map<string, number>();

  private byte(...b: number[]): void {
    for (const x of b) this.chunks.push(x);
  }

  private u32(n: number): void {
    this.byte(n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff);
  }

  /** Long byte runs are kept as views, not spread into the number list. */
  private raw(bytes: Uint8Array): void {
    this.big.push(Uint8Array.from(this.chunks), bytes);
    this.chunks = [];
  }

  finish(): Uint8Array {
    this.big.push(Uint8Array.from(this.chunks));
    const out = new Uint8Array(this.big.reduce((n, c) => n + c.length, 0));
    let p = 0;
    for (const c of this.big) {
      out.set(c, p);
      p += c.length;
    }
    return out;
  }

  /** Emits `make()` once and memoises it under `key`; later uses fetch it from the memo. */
  private memoised(key: string, make: () => void): void {
    const slot = this.memo.get(key);
    if (slot !== undefined) {
      if (slot < 256) this.byte(OP.BINGET, slot);
      else {
        this.byte(OP.LONG_BINGET);
        this.u32(slot);
      }
      return;
    }
    make();
    const index = this.memo.size;
    this.memo.set(key, index);
    if (index < 256) this.byte(OP.BINPUT, index);
    else {
      this.byte(OP.LONG_BINPUT);
      this.u32(index);
    }
  }

  proto(): void {
    this.byte(OP.PROTO, 3);
  }

  stop(): void {
    this.byte(OP.STOP);
  }

  private global(module: string, name: string): void {
    this.memoised(`global:${module}.${name}`, () => {
      this.byte(OP.GLOBAL);
      for (const c of new TextEncoder().encode(`${module}\n${name}\n`)) this.byte(c);
    });
  }

  int(n: number): void {
    if (!Number.isSafeInteger(n) || n < -(2 ** 31) || n >= 2 ** 31) throw new RangeError(`pickle: int ${n} is outside the 32-bit range this writer supports`);
    if (n >= 0 && n < 256) this.byte(OP.BININT1, n);
    else if (n >= 0 && n < 65536) this.byte(OP.BININT2, n & 0xff, n >>> 8);
    else {
      this.byte(OP.BININT);
      this.u32(n >>> 0);
    }
  }

  string(s: string): void {
    const bytes = new TextEncoder().encode(s);
    this.byte(OP.BINUNICODE);
    this.u32(bytes.length);
    for (const c of bytes) this.byte(c);
  }

  bytes(b: Uint8Array): void {
    if (b.length < 256) {
      this.byte(OP.SHORT_BINBYTES, b.length);
      for (const c of b) this.byte(c);
    } else {
      this.byte(OP.BINBYTES);
      this.u32(b.length);
      this.raw(b);
    }
  }

  tuple(items: PickleValue[]): void {
    if (items.length === 0) return this.byte(OP.EMPTY_TUPLE);
    if (items.length > 3) this.byte(OP.MARK);
    for (const item of items) this.value(item);
    this.byte([OP.TUPLE1, OP.TUPLE2, OP.TUPLE3][items.length - 1] ?? OP.TUPLE);
  }

  private dtype(descr: NdarrayDescr | '|O'): void {
    const { code, order, flags } = DTYPE_CODES[descr];
    this.memoised(`dtype:${descr}`, () => {
      this.global('numpy', 'dtype');
      this.tuple([code, false, true]);
      this.byte(OP.REDUCE);
      this.tuple([3, order, null, null, null, -1, -1, flags]);
      this.byte(OP.BUILD);
    });
  }

  /** _reconstruct(ndarray, (0,), b'b') + BUILD (1, shape, dtype, False, payload). */
  private ndarray(descr: NdarrayDescr | '|O', shape: number[], payload: () => void): void {
    this.global('numpy.core.multiarray', '_reconstruct');
    this.global('numpy', 'ndarray'); // args (ndarray, (0,), b'b')
    this.int(0);
    this.byte(OP.TUPLE1);
    this.bytes(Uint8Array.of(0x62));
    this.byte(OP.TUPLE3, OP.REDUCE, OP.MARK);
    this.int(1);
    this.tuple(shape.map((d) => d));
    this.dtype(descr);
    this.byte(OP.NEWFALSE);
    payload();
    this.byte(OP.TUPLE, OP.BUILD);
  }

  value(v: PickleValue): void {
    if (v === null) return this.byte(OP.NONE);
    if (v === true) return this.byte(OP.NEWTRUE);
    if (v === false) return this.byte(OP.NEWFALSE);
    if (typeof v === 'number') return this.int(v);
    if (typeof v === 'string') return this.string(v);
    if (v instanceof Uint8Array) return this.bytes(v);
    if (Array.isArray(v)) {
      this.byte(OP.EMPTY_LIST);
      if (v.length === 1) {
        this.value(v[0]);
        this.byte(OP.APPEND);
      } else if (v.length > 1) {
        this.byte(OP.MARK);
        for (const item of v) this.value(item);
        this.byte(OP.APPENDS);
      }
      return;
    }
    if ('tuple' in v) return this.tuple(v.tuple);
    if ('dict' in v) {
      this.byte(OP.EMPTY_DICT);
      if (v.dict.length > 0) {
        this.byte(OP.MARK);
        for (const [key, item] of v.dict) {
          this.value(key);
          this.value(item);
        }
        this.byte(OP.SETITEMS);
      }
      return;
    }
    if ('ndarray' in v) {
      const { descr, shape, bytes } = v.ndarray;
      return this.ndarray(descr, shape, () => this.bytes(bytes));
    }
    return this.ndarray('|O', [], () => this.value([v.objectScalar]));
  }
}

/** The pickle of `value`: PROTO 3 … STOP. */
export function pickle(value: PickleValue): Uint8Array {
  const p = new Pickler();
  p.proto();
  p.value(value);
  p.stop();
  return p.finish();
}

/** An .npy file holding a pickled 0-d object array, as np.save(file, value) writes a dict. */
export function encodeObjectNpy(value: PickleValue): Uint8Array {
  const dict = "{'descr': '|O', 'fortran_order': False, 'shape': (), }";
  const padded = Math.ceil((10 + dict.length + 1) / 64) * 64; // numpy pads the header to 64 bytes
  const header = dict.padEnd(padded - 10 - 1, ' ') + '\n';
  const body = pickle({ objectScalar: value });
  const out = new Uint8Array(padded + body.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 0xff, header.length >>> 8]);
  for (let k = 0; k < header.length; k++) out[10 + k] = header.charCodeAt(k);
  out.set(body, padded);
  return out;
}
