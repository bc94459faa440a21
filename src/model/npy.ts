/**
 * Plain .npy arrays (numpy format versions 1.0, 2.0 and 3.0): little-endian, C order, numeric dtypes.
 * Format: https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
 *
 * Every size a header claims is checked against the bytes actually present before anything is
 * allocated, so a lying header costs nothing. Data is always copied into a fresh ArrayBuffer: the
 * payload of an .npy inside a zip (or a pickle) sits at an arbitrary byte offset, and typed arrays
 * need aligned storage.
 */
import { ModelFormatError } from '../errors.js';
import { readZipEntries, type InflateRaw } from './zip.js';

export type NpyData =
  | Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array
  | Int32Array | Uint32Array | BigInt64Array | BigUint64Array;

export interface NpyArray {
  /** numpy type string as written in the header, e.g. '<f4', '<c8', '|u1', '|b1'. */
  dtype: string;
  shape: number[];
  /**
   * Row-major elements. Complex dtypes ('<c8', '<c16') stay interleaved: (re, im) pairs in a
   * Float32Array / Float64Array holding 2·size values. '|b1' is a Uint8Array of 0/1.
   */
  data: NpyData;
}

interface DtypeInfo {
  itemBytes: number;
  /** Bytes per scalar lane (complex = two lanes), for byte swapping on big-endian hosts. */
  laneBytes: number;
  make: (buffer: ArrayBuffer) => NpyData;
}

const DTYPES: Readonly<Record<string, DtypeInfo>> = {
  '<f4': { itemBytes: 4, laneBytes: 4, make: (b) => new Float32Array(b) },
  '<f8': { itemBytes: 8, laneBytes: 8, make: (b) => new Float64Array(b) },
  '<c8': { itemBytes: 8, laneBytes: 4, make: (b) => new Float32Array(b) },
  '<c16': { itemBytes: 16, laneBytes: 8, make: (b) => new Float64Array(b) },
  '|i1': { itemBytes: 1, laneBytes: 1, make: (b) => new Int8Array(b) },
  '|u1': { itemBytes: 1, laneBytes: 1, make: (b) => new Uint8Array(b) },
  '|b1': { itemBytes: 1, laneBytes: 1, make: (b) => new Uint8Array(b) },
  '<i2': { itemBytes: 2, laneBytes: 2, make: (b) => new Int16Array(b) },
  '<u2': { itemBytes: 2, laneBytes: 2, make: (b) => new Uint16Array(b) },
  '<i4': { itemBytes: 4, laneBytes: 4, make: (b) => new Int32Array(b) },
  '<u4': { itemBytes: 4, laneBytes: 4, make: (b) => new Uint32Array(b) },
  '<i8': { itemBytes: 8, laneBytes: 8, make: (b) => new BigInt64Array(b) },
  '<u8': { itemBytes: 8, laneBytes: 8, make: (b) => new BigUint64Array(b) },
};

const NPY_MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const MAX_DIMS = 64; // numpy 2's NPY_MAXDIMS
const HOST_IS_LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

export const hasNpyMagic = (bytes: Uint8Array): boolean =>
  bytes.length >= NPY_MAGIC.length && NPY_MAGIC.every((b, i) => bytes[i] === b);

/** Bytes per element of a supported dtype, or throws naming `where`. */
export function dtypeInfo(dtype: string, where: string): DtypeInfo {
  const info = DTYPES[dtype];
  if (info) return info;
  if (dtype.startsWith('>')) throw new ModelFormatError(`${where}: big-endian dtype '${dtype}' is not supported (little-endian only)`);
  if (dtype.includes('O')) throw new ModelFormatError(`${where}: object dtype '${dtype}' is not a plain numeric array`);
  throw new ModelFormatError(`${where}: unsupported dtype '${dtype}' (supported: ${Object.keys(DTYPES).join(' ')})`);
}

/**
 * Element count of `shape`, refusing anything above `maxElements` without ever forming a product
 * that could overflow (every factor is checked first).
 */
export function elementCount(shape: readonly number[], maxElements: number, where: string): number {
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) throw new ModelFormatError(`${where}: shape [${shape}] has an invalid dimension ${d}`);
  }
  if (shape.includes(0)) return 0;
  let count = 1;
  for (const d of shape) {
    // count ≤ maxElements here, so an oversized product is caught at the first factor that makes it
    // too big; floating-point rounding above 2^53 can only make it larger, never smaller.
    count *= d;
    if (count > maxElements) {
      throw new ModelFormatError(`${where}: shape [${shape}] has more than ${maxElements} elements`);
    }
  }
  return count;
}

/** A typed array over a copy of `raw`, which must hold exactly the elements of `shape`. */
export function arrayFromRawBytes(dtype: string, shape: number[], raw: Uint8Array, where: string): NpyArray {
  const info = dtypeInfo(dtype, where);
  // Any count that fits a safe byte length is just a number to compare; nothing is allocated yet.
  const count = elementCount(shape, Math.floor(Number.MAX_SAFE_INTEGER / info.itemBytes), where);
  const byteLength = count * info.itemBytes;
  if (byteLength !== raw.length) {
    throw new ModelFormatError(`${where}: shape [${shape}] of '${dtype}' needs ${byteLength} data bytes, found ${raw.length}`);
  }
  const copy = new Uint8Array(raw); // fresh, aligned ArrayBuffer (a Node Buffer's slice() would be a view)
  if (!HOST_IS_LITTLE_ENDIAN) swapBytes(copy, info.laneBytes);
  return { dtype, shape: [...shape], data: info.make(copy.buffer) };
}

function swapBytes(bytes: Uint8Array, laneBytes: number): void {
  for (let i = 0; i < bytes.length; i += laneBytes) bytes.subarray(i, i + laneBytes).reverse();
}

export interface NpyHeader {
  version: string; // '1.0' | '2.0' | '3.0'
  descr: string;
  fortranOrder: boolean;
  shape: number[];
  /** Offset of the first data byte in the file. */
  dataOffset: number;
}

/** Reads and checks the magic, version and header dict of an .npy file (any dtype, also '|O'). */
export function readNpyHeader(bytes: Uint8Array, name: string): NpyHeader {
  if (!hasNpyMagic(bytes)) throw new ModelFormatError(`${name}: not an .npy file (no \\x93NUMPY magic)`);
  if (bytes.length < 10) throw new ModelFormatError(`${name}: truncated .npy (${bytes.length} bytes, the fixed header needs 10)`);
  const major = bytes[6];
  const minor = bytes[7];
  if (major < 1 || major > 3 || minor !== 0) throw new ModelFormatError(`${name}: unsupported .npy format version ${major}.${minor} (expected 1.0, 2.0 or 3.0)`);
  const lengthBytes = major === 1 ? 2 : 4; // v1 has a uint16 header length, v2/v3 a uint32
  const prefixBytes = 8 + lengthBytes;
  if (bytes.length < prefixBytes) throw new ModelFormatError(`${name}: truncated .npy (${bytes.length} bytes, the fixed header needs ${prefixBytes})`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerBytes = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const dataOffset = prefixBytes + headerBytes;
  if (dataOffset > bytes.length) {
    throw new ModelFormatError(`${name}: .npy header length ${headerBytes} runs past the end of the file (${bytes.length} bytes)`);
  }
  // v1/v2 headers are latin1, v3 is utf8; the keys and values we accept are ASCII either way.
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(prefixBytes, dataOffset));
  const dict = parseHeaderDict(text, name);
  const descr = dict.get('descr');
  const fortranOrder = dict.get('fortran_order');
  const shape = dict.get('shape');
  if (dict.size !== 3 || typeof descr !== 'string' || typeof fortranOrder !== 'boolean' || !Array.isArray(shape)) {
    throw new ModelFormatError(`${name}: .npy header ${JSON.stringify(text.trim().slice(0, 200))} does not have exactly ` +
      'the keys descr (str), fortran_order (bool), shape (tuple)');
  }
  if (shape.length > MAX_DIMS) throw new ModelFormatError(`${name}: .npy shape has ${shape.length} dimensions (at most ${MAX_DIMS})`);
  return { version: `${major}.${minor}`, descr, fortranOrder, shape, dataOffset };
}

type HeaderValue = string | boolean | number[];

/**
 * The header is a Python dict literal, e.g. {'descr': '<f4', 'fortran_order': False, 'shape': (3, 16000), }.
 * A flat scanner covers everything np.save writes; nested or structured values are refused.
 */
function parseHeaderDict(text: string, name: string): Map<string, HeaderValue> {
  const fail = (why: string): never => {
    throw new ModelFormatError(`${name}: malformed .npy header ${JSON.stringify(text.trim().slice(0, 200))}: ${why}`);
  };
  const token = /\s*('[^'\\]*'|"[^"\\]*"|True|False|\d+L?|[{}():,\[\]])/y;
  const body = text.trimEnd();
  const tokens: string[] = [];
  let pos = 0;
  while (pos < body.length) {
    token.lastIndex = pos;
    const m = token.exec(body);
    if (!m) fail(`unexpected text at character ${pos}`);
    tokens.push(m![1]);
    pos = token.lastIndex;
  }
  let i = 0;
  const next = (): string => (i < tokens.length ? tokens[i++] : fail('unexpected end'));
  const isString = (t: string) => t[0] === "'" || t[0] === '"';
  const dict = new Map<string, HeaderValue>();
  if (next() !== '{') fail("expected '{'");
  for (let t = next(); t !== '}'; t = next()) {
    if (!isString(t)) fail(`expected a string key, got ${t}`);
    if (next() !== ':') fail("expected ':'");
    const v = next();
    let value: HeaderValue;
    if (isString(v)) value = v.slice(1, -1);
    else if (v === 'True' || v === 'False') value = v === 'True';
    else if (v === '(') {
      const dims: number[] = [];
      for (let d = next(); d !== ')'; d = next()) {
        if (!/^\d+L?$/.test(d)) fail(`expected an integer dimension, got ${d}`);
        dims.push(Number.parseInt(d, 10));
        const sep = next();
        if (sep === ')') break;
        if (sep !== ',') fail(`expected ',' or ')', got ${sep}`);
      }
      value = dims;
    } else if (v === '[') fail('structured dtypes are not supported');
    else fail(`unexpected value ${v}`);
    dict.set(t.slice(1, -1), value!);
    const sep = next();
    if (sep === '}') break;
    if (sep !== ',') fail(`expected ',' or '}', got ${sep}`);
  }
  if (i !== tokens.length) fail('text after the closing brace');
  return dict;
}

/** Parses a plain (non-pickled) .npy file. `name` labels every error. */
export function parseNpy(bytes: Uint8Array, name: string): NpyArray {
  const header = readNpyHeader(bytes, name);
  if (header.fortranOrder) throw new ModelFormatError(`${name}: Fortran-ordered arrays are not supported (C order only)`);
  return arrayFromRawBytes(header.descr, header.shape, bytes.subarray(header.dataOffset), name);
}

/**
 * Parses an .npz archive: one .npy per entry, keyed by the entry name without '.npy'. Deflated
 * entries need `inflateRaw` (in Node: `inflateRawNode` from src/node/inflate.ts), so this module
 * stays browser-safe.
 */
export function parseNpz(bytes: Uint8Array, name: string, inflateRaw?: InflateRaw): Map<string, NpyArray> {
  const arrays = new Map<string, NpyArray>();
  for (const [entry, data] of readZipEntries(bytes, name, inflateRaw)) {
    if (!entry.endsWith('.npy')) throw new ModelFormatError(`${name}: entry '${entry}' is not an .npy file`);
    arrays.set(entry.slice(0, -4), parseNpy(data, `${name}/${entry}`));
  }
  return arrays;
}

/** Serialises a numeric array as an .npy (version 1.0 unless the header needs 2.0), as np.save does. */
export function encodeNpy(array: NpyArray): Uint8Array {
  const info = dtypeInfo(array.dtype, 'encodeNpy');
  const lanes = info.itemBytes / info.laneBytes;
  const count = elementCount(array.shape, Number.MAX_SAFE_INTEGER, 'encodeNpy');
  if (array.data.length !== count * lanes) {
    throw new ModelFormatError(`encodeNpy: shape [${array.shape}] of '${array.dtype}' needs ${count * lanes} values, data has ${array.data.length}`);
  }
  const shapeText = array.shape.length === 1 ? `(${array.shape[0]},)` : `(${array.shape.join(', ')})`;
  const dictText = `{'descr': '${array.dtype}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const version = dictText.length + 11 < 65536 ? 1 : 2;
  const prefixBytes = version === 1 ? 10 : 12;
  const padded = Math.ceil((prefixBytes + dictText.length + 1) / 64) * 64; // numpy aligns data to 64 bytes
  const headerText = dictText.padEnd(padded - prefixBytes - 1, ' ') + '\n';
  const out = new Uint8Array(padded + array.data.byteLength);
  out.set(NPY_MAGIC);
  out[6] = version;
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, headerText.length, true);
  else view.setUint32(8, headerText.length, true);
  for (let k = 0; k < headerText.length; k++) out[prefixBytes + k] = headerText.charCodeAt(k);
  out.set(new Uint8Array(array.data.buffer, array.data.byteOffset, array.data.byteLength), padded);
  if (!HOST_IS_LITTLE_ENDIAN) swapBytes(out.subarray(padded), info.laneBytes);
  return out;
}
