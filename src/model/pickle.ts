/**
 * A restricted unpickler for exactly what np.save writes for an object array (a pickled dict of
 * arrays): numpy 1.x (protocol 3: GLOBAL, BINPUT) and numpy 2.x (protocol 4: STACK_GLOBAL, FRAME,
 * MEMOIZE). Opcode semantics follow CPython's Lib/pickle.py and Lib/pickletools.py.
 *
 * Nothing is ever executed. The only globals are inert markers for numpy's _reconstruct, ndarray,
 * dtype and scalar; REDUCE and BUILD on them assemble plain data with the argument shapes numpy
 * uses, and everything else is refused with the byte offset and opcode. The machine is one loop with
 * an explicit stack (no recursion), every read is bounds-checked, and every allocation is bounded by
 * the bytes it came from.
 */
import { ModelFormatError } from '../errors.js';
import { arrayFromRawBytes, elementCount, type NpyArray } from './npy.js';

export type PyKey = number | string;
export type PyValue =
  | null | boolean | number | bigint | string | Uint8Array
  | PyValue[] | PyTuple | Map<PyKey, PyValue> | PyNdarray | PyDtype | PyGlobal;

export class PyTuple {
  constructor(readonly items: readonly PyValue[]) {}
}

/** An allowed global, never called: REDUCE dispatches on its name. */
export class PyGlobal {
  constructor(readonly qualifiedName: string) {}
}

/** numpy.dtype(code) before BUILD, e.g. code 'c8'; BUILD adds the byte order ('<' or '|'). */
export class PyDtype {
  byteOrder: string | null = null;
  constructor(readonly code: string) {}
  /** The .npy type string, e.g. '<c8', '|b1', '|O'. */
  get descr(): string {
    return this.code.startsWith('O') ? '|O' : `${this.byteOrder}${this.code}`;
  }
}

/** An ndarray made by _reconstruct; BUILD fills either `numeric` or, for dtype '|O', `objects`. */
export class PyNdarray {
  numeric: NpyArray | null = null;
  objects: PyValue[] | null = null;
  shape: number[] | null = null;
}

const RECONSTRUCT = new Set(['numpy.core.multiarray._reconstruct', 'numpy._core.multiarray._reconstruct']);
const SCALAR = new Set(['numpy.core.multiarray.scalar', 'numpy._core.multiarray.scalar']);
const ALLOWED_GLOBALS = new Set([...RECONSTRUCT, ...SCALAR, 'numpy.ndarray', 'numpy.dtype']);
/** np.save's dict needs 3 nested MARKs; anything much deeper is not numpy's output. */
const MAX_MARK_DEPTH = 32;
const MAX_GLOBAL_LINE_BYTES = 256;

const OPCODE_NAMES: Readonly<Record<number, string>> = {
  0x80: 'PROTO', 0x95: 'FRAME', 0x63: 'GLOBAL', 0x93: 'STACK_GLOBAL', 0x58: 'BINUNICODE',
  0x8c: 'SHORT_BINUNICODE', 0x8d: 'BINUNICODE8', 0x94: 'MEMOIZE', 0x71: 'BINPUT', 0x72: 'LONG_BINPUT',
  0x68: 'BINGET', 0x6a: 'LONG_BINGET', 0x7d: 'EMPTY_DICT', 0x5d: 'EMPTY_LIST', 0x29: 'EMPTY_TUPLE',
  0x28: 'MARK', 0x73: 'SETITEM', 0x75: 'SETITEMS', 0x61: 'APPEND', 0x65: 'APPENDS', 0x74: 'TUPLE',
  0x85: 'TUPLE1', 0x86: 'TUPLE2', 0x87: 'TUPLE3', 0x52: 'REDUCE', 0x62: 'BUILD', 0x4a: 'BININT',
  0x4b: 'BININT1', 0x4d: 'BININT2', 0x8a: 'LONG1', 0x88: 'NEWTRUE', 0x89: 'NEWFALSE', 0x4e: 'NONE',
  0x43: 'SHORT_BINBYTES', 0x42: 'BINBYTES', 0x8e: 'BINBYTES8', 0x47: 'BINFLOAT', 0x2e: 'STOP',
};

/**
 * Unpickles `bytes`, which must hold exactly one pickle. `name` and `baseOffset` (the pickle's
 * position in its file) make every error point at the file byte that caused it.
 */
export function unpickle(bytes: Uint8Array, name: string, baseOffset = 0): PyValue {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const memo = new Map<number, PyValue>();
  const metastack: PyValue[][] = [];
  let stack: PyValue[] = [];
  let pos = 0;
  let opStart = 0;
  let op = 0;

  const fail = (why: string): never => {
    const opName = OPCODE_NAMES[op] ?? `0x${op.toString(16).padStart(2, '0')}`;
    throw new ModelFormatError(`${name}: pickle opcode ${opName} at byte ${baseOffset + opStart}: ${why}`);
  };
  const take = (n: number): number => {
    if (n > bytes.length - pos) fail(`truncated: needs ${n} more bytes, only ${bytes.length - pos} left`);
    const at = pos;
    pos += n;
    return at;
  };
  const takeU64 = (): number => {
    const v = view.getBigUint64(take(8), true);
    if (v > BigInt(bytes.length)) fail(`length ${v} exceeds the whole pickle (${bytes.length} bytes)`);
    return Number(v);
  };
  const takeBytes = (n: number): Uint8Array => bytes.subarray(take(n), pos);
  const takeText = (n: number): string => {
    try {
      return utf8.decode(takeBytes(n));
    } catch {
      return fail('string is not valid UTF-8');
    }
  };
  const takeLine = (): string => {
    const end = bytes.subarray(pos, pos + MAX_GLOBAL_LINE_BYTES).indexOf(0x0a);
    if (end < 0) fail('no newline-terminated name within reach');
    const line = String.fromCharCode(...takeBytes(end));
    take(1);
    return line;
  };
  const pop = (): PyValue => (stack.length > 0 ? stack.pop()! : fail('stack underflow'));
  const top = (): PyValue => (stack.length > 0 ? stack[stack.length - 1] : fail('stack underflow'));
  const popMark = (): PyValue[] => {
    const items = stack;
    stack = metastack.pop() ?? fail('no MARK to pop to');
    return items;
  };
  const memoGet = (index: number): PyValue => (memo.has(index) ? memo.get(index)! : fail(`memo ${index} was never stored`));
  const memoPut = (index: number) => memo.set(index, top());
  const global = (module: string, qualname: string): PyGlobal => {
    const qualifiedName = `${module}.${qualname}`;
    if (!ALLOWED_GLOBALS.has(qualifiedName)) fail(`global '${qualifiedName}' is not allowed (only numpy array reconstruction)`);
    return new PyGlobal(qualifiedName);
  };
  const setItems = (dict: PyValue, items: PyValue[]) => {
    if (!(dict instanceof Map)) fail('target is not a dict');
    if (items.length % 2 !== 0) fail('odd number of items for key/value pairs');
    for (let k = 0; k < items.length; k += 2) (dict as Map<PyKey, PyValue>).set(dictKey(items[k]), items[k + 1]);
  };
  const dictKey = (key: PyValue): PyKey => {
    if (typeof key === 'number' || typeof key === 'string') return key;
    if (typeof key === 'bigint' && Number.isSafeInteger(Number(key))) return Number(key);
    return fail('dict key is not an int or str');
  };
  const appendItems = (list: PyValue, items: PyValue[]) => {
    if (!Array.isArray(list)) fail('target is not a list');
    for (const item of items) (list as PyValue[]).push(item); // no spread: items may exceed the argument limit
  };

  while (true) {
    opStart = pos;
    op = bytes[take(1)];
    switch (op) {
      case 0x80: { const protocol = bytes[take(1)]; if (protocol < 2 || protocol > 5) fail(`protocol ${protocol} (expected 2 to 5)`); break; }
      case 0x95: takeU64(); break; // FRAME only announces a length; the data is read normally
      case 0x63: stack.push(global(takeLine(), takeLine())); break;
      case 0x93: {
        const qualname = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof qualname !== 'string') fail('module and name must be strings');
        stack.push(global(module as string, qualname as string));
        break;
      }
      case 0x58: stack.push(takeText(view.getUint32(take(4), true))); break;
      case 0x8c: stack.push(takeText(bytes[take(1)])); break;
      case 0x8d: stack.push(takeText(takeU64())); break;
      case 0x94: memoPut(memo.size); break;
      case 0x71: memoPut(bytes[take(1)]); break;
      case 0x72: memoPut(view.getUint32(take(4), true)); break;
      case 0x68: stack.push(memoGet(bytes[take(1)])); break;
      case 0x6a: stack.push(memoGet(view.getUint32(take(4), true))); break;
      case 0x7d: stack.push(new Map()); break;
      case 0x5d: stack.push([]); break;
      case 0x29: stack.push(new PyTuple([])); break;
      case 0x28:
        if (metastack.length >= MAX_MARK_DEPTH) fail(`MARKs nested deeper than ${MAX_MARK_DEPTH}`);
        metastack.push(stack);
        stack = [];
        break;
      case 0x73: { const value = pop(); const key = pop(); setItems(top(), [key, value]); break; }
      case 0x75: { const items = popMark(); setItems(top(), items); break; }
      case 0x61: { const value = pop(); appendItems(top(), [value]); break; }
      case 0x65: { const items = popMark(); appendItems(top(), items); break; }
      case 0x74: { const items = popMark(); stack.push(new PyTuple(items)); break; } // popMark swaps `stack`
      case 0x85: case 0x86: case 0x87: {
        const n = op - 0x84;
        if (stack.length < n) fail('stack underflow');
        stack.push(new PyTuple(stack.splice(stack.length - n, n)));
        break;
      }
      case 0x52: { const args = pop(); const callable = pop(); stack.push(reduce(callable, args, fail)); break; }
      case 0x62: { const state = pop(); build(top(), state, fail); break; }
      case 0x4a: stack.push(view.getInt32(take(4), true)); break;
      case 0x4b: stack.push(bytes[take(1)]); break;
      case 0x4d: stack.push(view.getUint16(take(2), true)); break;
      case 0x8a: stack.push(long1(takeBytes(bytes[take(1)]))); break;
      case 0x88: stack.push(true); break;
      case 0x89: stack.push(false); break;
      case 0x4e: stack.push(null); break;
      case 0x43: stack.push(takeBytes(bytes[take(1)])); break;
      case 0x42: stack.push(takeBytes(view.getUint32(take(4), true))); break;
      case 0x8e: stack.push(takeBytes(takeU64())); break;
      case 0x47: stack.push(view.getFloat64(take(8), false)); break; // BINFLOAT is big-endian
      case 0x2e:
        if (metastack.length > 0) fail('unclosed MARK');
        if (stack.length !== 1) fail(`expected one result on the stack, found ${stack.length}`);
        if (pos !== bytes.length) fail(`${bytes.length - pos} bytes follow the end of the pickle`);
        return stack[0];
      default:
        fail('unsupported opcode (not used by np.save)');
    }
  }
}

/** LONG1: little-endian two's complement, as a number when it is exactly representable. */
function long1(le: Uint8Array): number | bigint {
  let v = 0n;
  for (let k = le.length - 1; k >= 0; k--) v = (v << 8n) | BigInt(le[k]);
  if (le.length > 0 && le[le.length - 1] & 0x80) v -= 1n << BigInt(8 * le.length);
  return Number.isSafeInteger(Number(v)) ? Number(v) : v;
}

type Fail = (why: string) => never;

/**
 * A short, non-recursive description of a value for error messages. String() would recurse into
 * nested lists, and a hostile pickle can nest a million deep with one byte per level.
 */
export function describePyValue(v: PyValue): string {
  if (v === null) return 'None';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (typeof v !== 'object') return String(v);
  if (Array.isArray(v)) return `a list of ${v.length} items`;
  if (v instanceof PyTuple) return `a tuple of ${v.items.length} items`;
  if (v instanceof Map) return `a dict of ${v.size} items`;
  if (v instanceof Uint8Array) return `${v.length} bytes`;
  if (v instanceof PyGlobal) return v.qualifiedName;
  if (v instanceof PyDtype) return `dtype('${v.code}')`;
  return 'an ndarray';
}

const isTupleOf = (v: PyValue, n: number): v is PyTuple => v instanceof PyTuple && v.items.length === n;

/** Runs an npy helper, re-raising its error with the pickle's file, opcode and byte offset. */
function guard<T>(f: () => T, fail: Fail): T {
  try {
    return f();
  } catch (err) {
    return fail((err as Error).message);
  }
}

/** REDUCE: only numpy's own constructors, each with the argument tuple numpy pickles. */
function reduce(callable: PyValue, args: PyValue, fail: Fail): PyValue {
  if (!(callable instanceof PyGlobal)) fail('REDUCE of something that is not an allowed global');
  const qualifiedName = (callable as PyGlobal).qualifiedName;
  if (RECONSTRUCT.has(qualifiedName)) {
    // _reconstruct(ndarray, (0,), b'b'): an empty array that BUILD then fills.
    if (!isTupleOf(args, 3) || !(args.items[0] instanceof PyGlobal) || args.items[0].qualifiedName !== 'numpy.ndarray'
      || !(args.items[1] instanceof PyTuple) || !(args.items[2] instanceof Uint8Array)) {
      fail(`${qualifiedName} needs the arguments (numpy.ndarray, shape, typecode)`);
    }
    return new PyNdarray();
  }
  if (qualifiedName === 'numpy.dtype') {
    // dtype('c8', False, True)
    if (!isTupleOf(args, 3) || typeof args.items[0] !== 'string' || typeof args.items[1] !== 'boolean' || typeof args.items[2] !== 'boolean') {
      fail('numpy.dtype needs the arguments (code, align, copy)');
    }
    const code = (args as PyTuple).items[0] as string;
    if (!/^[fciubO]\d{1,2}$/.test(code)) fail(`unsupported dtype code '${code}'`);
    return new PyDtype(code);
  }
  if (SCALAR.has(qualifiedName)) {
    // scalar(dtype, raw bytes): a numpy scalar such as np.int64(3)
    if (!isTupleOf(args, 2) || !(args.items[0] instanceof PyDtype) || !(args.items[1] instanceof Uint8Array)) {
      fail(`${qualifiedName} needs the arguments (dtype, bytes)`);
    }
    const [dtype, raw] = (args as PyTuple).items as [PyDtype, Uint8Array];
    if (dtype.byteOrder === null || /^[cO]/.test(dtype.code)) fail(`scalar of dtype '${dtype.code}' is not supported`);
    const value = guard(() => arrayFromRawBytes(dtype.descr, [], raw, 'numpy scalar'), fail).data[0];
    return typeof value === 'bigint' && Number.isSafeInteger(Number(value)) ? Number(value) : value;
  }
  return fail(`REDUCE of '${qualifiedName}' is not allowed`);
}

/** BUILD: __setstate__ of a dtype or an ndarray, with numpy's state tuples. */
function build(target: PyValue, state: PyValue, fail: Fail): void {
  if (target instanceof PyDtype) {
    // (version 3|4, byteorder, subarray, names, fields, elsize, alignment, flags[, metadata])
    if (target.byteOrder !== null) fail('dtype is already built');
    if (!(state instanceof PyTuple) || state.items.length < 8 || state.items.length > 9) fail('dtype state is not an 8- or 9-tuple');
    const items = (state as PyTuple).items;
    if (items[0] !== 3 && items[0] !== 4) fail(`dtype state version ${describePyValue(items[0])} (expected 3 or 4)`);
    if (items[1] !== '<' && items[1] !== '|' && items[1] !== '>') fail(`dtype byte order ${describePyValue(items[1])}`);
    if (items[2] !== null || items[3] !== null || items[4] !== null) fail('structured or sub-array dtypes are not supported');
    target.byteOrder = items[1] as string;
    return;
  }
  if (!(target instanceof PyNdarray)) return fail('BUILD target is not an ndarray or dtype');
  if (target.shape !== null) fail('ndarray is already built');
  // (version, shape, dtype, is_fortran, data); numpy also accepts the 4-tuple without version
  if (!(state instanceof PyTuple) || state.items.length < 4 || state.items.length > 5) fail('ndarray state is not a 4- or 5-tuple');
  const items = (state as PyTuple).items.slice(-4);
  const [shapeTuple, dtype, fortran, data] = items;
  if (!(shapeTuple instanceof PyTuple) || !shapeTuple.items.every((d) => typeof d === 'number')) fail('ndarray shape is not a tuple of ints');
  if (!(dtype instanceof PyDtype) || dtype.byteOrder === null) fail('ndarray dtype is not a built numpy.dtype');
  if (typeof fortran !== 'boolean') fail('ndarray fortran flag is not a bool');
  if (fortran) fail('Fortran-ordered arrays are not supported');
  const shape = (shapeTuple as PyTuple).items as number[];
  const descr = (dtype as PyDtype).descr;
  if (descr === '|O') {
    if (!Array.isArray(data)) fail('object array data is not a list');
    const objects = data as PyValue[];
    const count = guard(() => elementCount(shape, objects.length, 'object ndarray'), fail);
    if (count !== objects.length) fail(`object array of shape [${shape}] has ${objects.length} items`);
    target.objects = objects;
  } else {
    if (!(data instanceof Uint8Array)) fail('ndarray data is not bytes');
    target.numeric = guard(() => arrayFromRawBytes(descr, shape, data as Uint8Array, 'ndarray'), fail);
  }
  target.shape = [...shape];
}
