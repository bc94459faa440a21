/**
 * The safetensors container (https://huggingface.co/docs/safetensors, format section), F32 only:
 *   8-byte little-endian header length N · N bytes of JSON (space-padded) · raw little-endian data.
 * Offsets in the header are relative to the first data byte. The reader enforces what the reference
 * implementation enforces (valid JSON, offsets inside the data, tensors contiguous and covering it
 * exactly) and checks every length before allocating.
 */
import { ModelFormatError } from '../errors.js';
import { elementCount } from './npy.js';

export interface F32Tensor {
  shape: number[];
  data: Float32Array;
}

export interface SafetensorsContents {
  metadata: Record<string, string>;
  tensors: Map<string, F32Tensor>;
}

const HEADER_LENGTH_BYTES = 8;
/** The reference implementation refuses headers above 100 MB; so do we. */
const MAX_HEADER_BYTES = 100_000_000;
const HOST_IS_LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/** Header length field if `bytes` plausibly starts a safetensors file (JSON object follows), else null. */
export function safetensorsHeaderBytes(bytes: Uint8Array): number | null {
  if (bytes.length < HEADER_LENGTH_BYTES + 2) return null;
  const length = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (length < 2n || length > BigInt(MAX_HEADER_BYTES) || bytes[HEADER_LENGTH_BYTES] !== 0x7b) return null; // '{'
  return Number(length);
}

export function encodeSafetensorsContainer(contents: SafetensorsContents): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: contents.metadata };
  let offset = 0;
  for (const [name, t] of contents.tensors) {
    if (t.data.length !== t.shape.reduce((a, b) => a * b, 1)) {
      throw new ModelFormatError(`safetensors writer: tensor '${name}' shape [${t.shape}] does not match ${t.data.length} values`);
    }
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + 4 * t.data.length] };
    offset += 4 * t.data.length;
  }
  let json = JSON.stringify(header);
  const jsonBytes = new TextEncoder().encode(json).length;
  json += ' '.repeat((8 - (jsonBytes % 8)) % 8); // data starts 8-aligned, as the reference writer pads
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(HEADER_LENGTH_BYTES + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, HEADER_LENGTH_BYTES);
  let p = HEADER_LENGTH_BYTES + headerBytes.length;
  for (const t of contents.tensors.values()) {
    const raw = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    out.set(raw, p);
    if (!HOST_IS_LITTLE_ENDIAN) swap32(out.subarray(p, p + raw.length));
    p += raw.length;
  }
  return out;
}

export function readSafetensorsContainer(bytes: Uint8Array, name: string): SafetensorsContents {
  const fail = (why: string): never => {
    throw new ModelFormatError(`${name}: ${why}`);
  };
  if (bytes.length < HEADER_LENGTH_BYTES) fail(`truncated safetensors file (${bytes.length} bytes, the header length alone needs 8)`);
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (headerLength > BigInt(Math.min(MAX_HEADER_BYTES, bytes.length - HEADER_LENGTH_BYTES))) {
    fail(`safetensors header length ${headerLength} runs past the end of the file (${bytes.length} bytes)`);
  }
  const dataStart = HEADER_LENGTH_BYTES + Number(headerLength);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(HEADER_LENGTH_BYTES, dataStart)));
  } catch (err) {
    fail(`safetensors header is not valid UTF-8 JSON (${(err as Error).message})`);
  }
  if (!isPlainObject(header)) return fail('safetensors header is not a JSON object');

  const metadata = header.__metadata__ ?? {};
  if (!isPlainObject(metadata) || !Object.values(metadata).every((v) => typeof v === 'string')) {
    fail('safetensors __metadata__ must map strings to strings');
  }
  const dataBytes = bytes.length - dataStart;
  const entries: Array<{ tensor: string; shape: number[]; begin: number; end: number }> = [];
  for (const [tensor, info] of Object.entries(header)) {
    if (tensor === '__metadata__') continue;
    const where = `tensor '${tensor}'`;
    if (!isPlainObject(info) || Object.keys(info).sort().join() !== 'data_offsets,dtype,shape') fail(`${where} needs exactly dtype, shape and data_offsets`);
    const { dtype, shape, data_offsets: offsets } = info as { dtype: unknown; shape: unknown; data_offsets: unknown };
    if (dtype !== 'F32') fail(`${where} has dtype ${describeJson(dtype)}; only F32 is supported`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) fail(`${where} has an invalid shape ${describeJson(shape)}`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
      fail(`${where} has invalid data_offsets ${describeJson(offsets)}`);
    }
    const [begin, end] = offsets as number[];
    if (begin > end || end > dataBytes) fail(`${where} data_offsets [${begin},${end}] lie outside the ${dataBytes} data bytes`);
    const count = elementCount(shape as number[], Math.floor(dataBytes / 4), `${name}: ${where}`);
    if (count * 4 !== end - begin) fail(`${where} of shape [${shape}] needs ${count * 4} bytes, data_offsets give ${end - begin}`);
    entries.push({ tensor, shape: shape as number[], begin, end });
  }
  // Like the reference reader: tensors must tile the data section exactly, with no gaps or overlaps.
  const byOffset = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  for (const e of byOffset) {
    if (e.begin !== covered) fail(`tensor '${e.tensor}' starts at data byte ${e.begin}, expected ${covered} (tensors must be contiguous and must not overlap)`);
    covered = e.end;
  }
  if (covered !== dataBytes) fail(`tensors cover ${covered} data bytes but the file has ${dataBytes}`);

  const tensors = new Map<string, F32Tensor>();
  for (const e of entries) {
    const copy = new Uint8Array(bytes.subarray(dataStart + e.begin, dataStart + e.end)); // aligned copy (a Node Buffer's slice() would be a view)
    if (!HOST_IS_LITTLE_ENDIAN) swap32(copy);
    tensors.set(e.tensor, { shape: e.shape, data: new Float32Array(copy.buffer) });
  }
  return { metadata: metadata as Record<string, string>, tensors };
}

/** Parsed JSON for an error message, without recursing: JSON.stringify overflows on [[[…]]] a million deep. */
function describeJson(v: unknown): string {
  if (Array.isArray(v)) {
    const flat = v.length <= 8 && v.every((x) => typeof x !== 'object' || x === null);
    return flat ? JSON.stringify(v) : `an array of ${v.length} items`;
  }
  if (typeof v === 'object' && v !== null) return 'an object';
  return typeof v === 'string' ? JSON.stringify(v.slice(0, 40)) : String(v);
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function swap32(bytes: Uint8Array): void {
  for (let i = 0; i < bytes.length; i += 4) bytes.subarray(i, i + 4).reverse();
}
