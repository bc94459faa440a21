/**
 * Minimal zip reader for .npz archives (numpy writes them with zipfile, "stored", zip64 extras).
 * Reads the central directory (PKWARE APPNOTE 6.3.x §4.3.16, §4.5.3 for zip64), because local headers
 * may carry zeros when a data descriptor follows. Browser-safe: deflate only through an injected
 * function. Each entry's CRC-32 is checked, so a corrupted archive fails loudly.
 */
import { ModelFormatError, SedgeError } from '../errors.js';

/** Inflates raw deflate data; must return exactly `uncompressedBytes` bytes (and never allocate more). */
export type InflateRaw = (compressed: Uint8Array, uncompressedBytes: number) => Uint8Array;

const EOCD_SIGNATURE = 0x06054b50;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
const ZIP64_EOCD_SIGNATURE = 0x06064b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const EOCD_BYTES = 22;
const CENTRAL_BYTES = 46;
const LOCAL_BYTES = 30;
const MAX_COMMENT_BYTES = 0xffff;
/** Deflate cannot compress better than about 1032:1, so a bigger claimed size is a lie. */
const MAX_DEFLATE_RATIO = 1032;

export function readZipEntries(bytes: Uint8Array, name: string, inflateRaw?: InflateRaw): Map<string, Uint8Array> {
  const fail = (why: string): never => {
    throw new ModelFormatError(`${name}: ${why}`);
  };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const need = (offset: number, length: number, what: string) => {
    if (offset < 0 || offset + length > bytes.length) fail(`truncated zip: ${what} at byte ${offset} needs ${length} bytes, file has ${bytes.length}`);
  };
  const u16 = (o: number) => view.getUint16(o, true);
  const u32 = (o: number) => view.getUint32(o, true);
  const u64 = (o: number, what: string): number => {
    const v = view.getBigUint64(o, true);
    if (v > BigInt(bytes.length)) fail(`zip64 ${what} ${v} exceeds the file size ${bytes.length}`);
    return Number(v);
  };

  // The end-of-central-directory record sits in the last 22 + comment bytes.
  let eocd = -1;
  for (let o = bytes.length - EOCD_BYTES; o >= Math.max(0, bytes.length - EOCD_BYTES - MAX_COMMENT_BYTES); o--) {
    if (u32(o) === EOCD_SIGNATURE) { eocd = o; break; }
  }
  if (eocd < 0) fail('not a zip archive (no end-of-central-directory record)');
  if (u16(eocd + 4) !== 0 || u16(eocd + 6) !== 0) fail('multi-disk zip archives are not supported');
  let entryCount = u16(eocd + 10);
  let directoryBytes = u32(eocd + 12);
  let directoryOffset = u32(eocd + 16);
  if (entryCount === 0xffff || directoryBytes === 0xffffffff || directoryOffset === 0xffffffff) {
    const locator = eocd - 20;
    need(locator, 20, 'zip64 locator');
    if (u32(locator) !== ZIP64_LOCATOR_SIGNATURE) fail('zip64 sizes without a zip64 locator');
    const record = u64(locator + 8, 'end-of-directory offset');
    need(record, 56, 'zip64 end-of-directory record');
    if (u32(record) !== ZIP64_EOCD_SIGNATURE) fail(`no zip64 end-of-directory record at byte ${record}`);
    entryCount = u64(record + 32, 'entry count');
    directoryBytes = u64(record + 40, 'directory size');
    directoryOffset = u64(record + 48, 'directory offset');
  }
  need(directoryOffset, directoryBytes, 'central directory');
  if (entryCount * CENTRAL_BYTES > directoryBytes) fail(`${entryCount} entries cannot fit in a ${directoryBytes}-byte central directory`);

  const entries = new Map<string, Uint8Array>();
  const utf8 = new TextDecoder('utf-8');
  let p = directoryOffset;
  for (let k = 0; k < entryCount; k++) {
    need(p, CENTRAL_BYTES, `central directory entry ${k}`);
    if (u32(p) !== CENTRAL_SIGNATURE) fail(`bad central directory entry ${k} at byte ${p}`);
    const flags = u16(p + 8);
    const method = u16(p + 10);
    const crc = u32(p + 16);
    let packedBytes = u32(p + 20);
    let plainBytes = u32(p + 24);
    const nameBytes = u16(p + 28);
    const extraBytes = u16(p + 30);
    const commentBytes = u16(p + 32);
    let localOffset = u32(p + 42);
    need(p + CENTRAL_BYTES, nameBytes + extraBytes + commentBytes, `central directory entry ${k} names`);
    const entry = utf8.decode(bytes.subarray(p + CENTRAL_BYTES, p + CENTRAL_BYTES + nameBytes));
    // zip64 extra field (id 1): 8-byte values for whichever 32-bit fields are saturated, in this order.
    for (let e = p + CENTRAL_BYTES + nameBytes; e + 4 <= p + CENTRAL_BYTES + nameBytes + extraBytes;) {
      const id = u16(e);
      const size = u16(e + 2);
      need(e + 4, size, `zip64 extra of '${entry}'`);
      if (id === 1) {
        let f = e + 4;
        const take = (what: string) => { if (f + 8 > e + 4 + size) fail(`short zip64 extra of '${entry}'`); const v = u64(f, what); f += 8; return v; };
        if (plainBytes === 0xffffffff) plainBytes = take('size');
        if (packedBytes === 0xffffffff) packedBytes = take('compressed size');
        if (localOffset === 0xffffffff) localOffset = take('offset');
      }
      e += 4 + size;
    }
    p += CENTRAL_BYTES + nameBytes + extraBytes + commentBytes;
    if (flags & 1) fail(`entry '${entry}' is encrypted`);
    if (entries.has(entry)) fail(`duplicate entry '${entry}'`);

    need(localOffset, LOCAL_BYTES, `local header of '${entry}'`);
    if (u32(localOffset) !== LOCAL_SIGNATURE) fail(`bad local header of '${entry}' at byte ${localOffset}`);
    const dataOffset = localOffset + LOCAL_BYTES + u16(localOffset + 26) + u16(localOffset + 28);
    need(dataOffset, packedBytes, `data of '${entry}'`);
    const packed = bytes.subarray(dataOffset, dataOffset + packedBytes);
    let data: Uint8Array;
    if (method === 0) {
      if (packedBytes !== plainBytes) fail(`stored entry '${entry}' has size ${packedBytes} but claims ${plainBytes} uncompressed`);
      data = packed;
    } else if (method === 8) {
      if (!inflateRaw) {
        fail(`entry '${entry}' is deflated (np.savez_compressed); pass an inflate function ` +
          '(Node: inflateRawNode from src/node/inflate.js) or save with np.savez');
      }
      if (plainBytes > Math.max(packedBytes, 1) * MAX_DEFLATE_RATIO) {
        fail(`entry '${entry}' claims ${plainBytes} bytes from ${packedBytes} compressed, beyond deflate's limit`);
      }
      data = inflateEntry(inflateRaw!, packed, plainBytes, `${name}: entry '${entry}'`);
    } else {
      fail(`entry '${entry}' uses compression method ${method} (only stored and deflate are supported)`);
    }
    if (crc32(data!) !== crc) fail(`entry '${entry}' fails its CRC-32 check (corrupted)`);
    entries.set(entry, data!);
  }
  return entries;
}

function inflateEntry(inflateRaw: InflateRaw, packed: Uint8Array, plainBytes: number, where: string): Uint8Array {
  let data: Uint8Array;
  try {
    data = inflateRaw(packed, plainBytes);
  } catch (err) {
    if (err instanceof SedgeError) throw err;
    throw new ModelFormatError(`${where} does not inflate: ${(err as Error).message}`);
  }
  if (data.length !== plainBytes) throw new ModelFormatError(`${where} inflates to ${data.length} bytes, expected ${plainBytes}`);
  return data;
}

let crcTable: Uint32Array | null = null;

/** CRC-32 (IEEE 802.3, reflected 0xEDB88320), as zip stores it. */
export function crc32(bytes: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = crcTable[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const LOCAL_HEADER = 0x04034b50, CENTRAL_HEADER = 0x02014b50, END_OF_DIRECTORY = 0x06054b50;
// DOS date 1980-01-01 00:00, as Python's zipfile writes for entries without a timestamp.
const DOS_DATE = (1 << 5) | 1;

/**
 * A ZIP archive of the entries in order, as np.savez writes it: stored entries, or deflated ones
 * when `deflateRaw` is given (np.savez_compressed). No zip64: archives stay below 4 GB.
 */
export function encodeZip(entries: Iterable<[string, Uint8Array]>, deflateRaw?: (plain: Uint8Array) => Uint8Array): Uint8Array {
  const chunks: Uint8Array[] = [];
  const centrals: Uint8Array[] = [];
  let offset = 0, count = 0;
  for (const [entryName, plain] of entries) {
    const name = new TextEncoder().encode(entryName);
    const packed = deflateRaw ? deflateRaw(plain) : plain;
    const method = deflateRaw ? 8 : 0;
    const crc = crc32(plain);
    if (offset + 30 + name.length + packed.length > 0xffffffff) throw new RangeError('encodeZip: archives above 4 GB need zip64, which this writer does not do');
    const local = new Uint8Array(30 + name.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, LOCAL_HEADER, true);
    lv.setUint16(4, 20, true); // version needed: 2.0
    lv.setUint16(8, method, true);
    lv.setUint16(12, DOS_DATE, true);
    lv.setUint32(14, crc, true);
    lv.setUint32(18, packed.length, true);
    lv.setUint32(22, plain.length, true);
    lv.setUint16(26, name.length, true);
    local.set(name, 30);
    const central = new Uint8Array(46 + name.length);
    const cv = new DataView(central.buffer);
    cv.setUint32(0, CENTRAL_HEADER, true);
    cv.setUint16(4, 20, true);
    cv.setUint16(6, 20, true);
    cv.setUint16(10, method, true);
    cv.setUint16(14, DOS_DATE, true);
    cv.setUint32(16, crc, true);
    cv.setUint32(20, packed.length, true);
    cv.setUint32(24, plain.length, true);
    cv.setUint16(28, name.length, true);
    cv.setUint32(42, offset, true);
    central.set(name, 46);
    chunks.push(local, packed);
    centrals.push(central);
    offset += local.length + packed.length;
    count++;
  }
  const directoryBytes = centrals.reduce((n, c) => n + c.length, 0);
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, END_OF_DIRECTORY, true);
  ev.setUint16(8, count, true);
  ev.setUint16(10, count, true);
  ev.setUint32(12, directoryBytes, true);
  ev.setUint32(16, offset, true);
  const out = new Uint8Array(offset + directoryBytes + end.length);
  let p = 0;
  for (const chunk of [...chunks, ...centrals, end]) {
    out.set(chunk, p);
    p += chunk.length;
  }
  return out;
}
