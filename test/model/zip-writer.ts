/** A tiny zip writer for tests: stored or deflated entries, no zip64 (np.savez's structure otherwise). */
import { deflateRawSync } from 'node:zlib';
import { crc32 } from '../../src/model/zip.js';

export function writeZip(entries: Array<[string, Uint8Array]>, deflate = false): Uint8Array {
  const chunks: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const [name, plain] of entries) {
    const nameBytes = new TextEncoder().encode(name);
    const packed = deflate ? new Uint8Array(deflateRawSync(plain)) : plain;
    const local = new Uint8Array(30 + nameBytes.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(4, 20, true);
    lv.setUint16(8, deflate ? 8 : 0, true);
    lv.setUint32(14, crc32(plain), true);
    lv.setUint32(18, packed.length, true);
    lv.setUint32(22, plain.length, true);
    lv.setUint16(26, nameBytes.length, true);
    local.set(nameBytes, 30);
    const dir = new Uint8Array(46 + nameBytes.length);
    const dv = new DataView(dir.buffer);
    dv.setUint32(0, 0x02014b50, true);
    dv.setUint16(4, 20, true);
    dv.setUint16(6, 20, true);
    dv.setUint16(10, deflate ? 8 : 0, true);
    dv.setUint32(16, crc32(plain), true);
    dv.setUint32(20, packed.length, true);
    dv.setUint32(24, plain.length, true);
    dv.setUint16(28, nameBytes.length, true);
    dv.setUint32(42, offset, true);
    dir.set(nameBytes, 46);
    chunks.push(local, packed);
    central.push(dir);
    offset += local.length + packed.length;
  }
  const directoryBytes = central.reduce((n, c) => n + c.length, 0);
  const eocd = new Uint8Array(22);
  const ev = new DataView(eocd.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, entries.length, true);
  ev.setUint16(10, entries.length, true);
  ev.setUint32(12, directoryBytes, true);
  ev.setUint32(16, offset, true);
  const all = [...chunks, ...central, eocd];
  const out = new Uint8Array(all.reduce((n, c) => n + c.length, 0));
  let p = 0;
  for (const c of all) { out.set(c, p); p += c.length; }
  return out;
}
