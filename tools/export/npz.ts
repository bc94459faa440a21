/**
 * .npz writing (what np.savez writes): an uncompressed ZIP with one `<key>.npy` per array, in
 * insertion order. parseNpz (src/model/npy.ts) and numpy's np.load read it back.
 */
import { encodeNpy, type NpyArray } from '../../src/model/npy.js';
import { crc32 } from '../../src/model/zip.js';

const LOCAL_HEADER = 0x04034b50, CENTRAL_HEADER = 0x02014b50, END_OF_DIRECTORY = 0x06054b50;
// DOS date 1980-01-01 00:00, as zipfile writes for entries without a timestamp.
const DOS_DATE = (1 << 5) | 1;

export function encodeNpz(arrays: ReadonlyMap<string, NpyArray>): Uint8Array {
  const locals: Uint8Array[] = [];
  const centrals: Uint8Array[] = [];
  let offset = 0;
  for (const [key, array] of arrays) {
    const name = new TextEncoder().encode(`${key}.npy`);
    const data = encodeNpy(array);
    const crc = crc32(data);
    if (offset + 30 + name.length + data.length > 0xffffffff) throw new RangeError('encodeNpz: archives above 4 GB need zip64, which this writer does not do');
    const local = new Uint8Array(30 + name.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, LOCAL_HEADER, true);
    lv.setUint16(4, 20, true); // version needed: 2.0
    lv.setUint16(12, DOS_DATE, true);
    lv.setUint32(14, crc, true);
    lv.setUint32(18, data.length, true); // stored: compressed = uncompressed
    lv.setUint32(22, data.length, true);
    lv.setUint16(26, name.length, true);
    local.set(name, 30);
    const central = new Uint8Array(46 + name.length);
    const cv = new DataView(central.buffer);
    cv.setUint32(0, CENTRAL_HEADER, true);
    cv.setUint16(4, 20, true);
    cv.setUint16(6, 20, true);
    cv.setUint16(14, DOS_DATE, true);
    cv.setUint32(16, crc, true);
    cv.setUint32(20, data.length, true);
    cv.setUint32(24, data.length, true);
    cv.setUint16(28, name.length, true);
    cv.setUint32(42, offset, true);
    central.set(name, 46);
    locals.push(local, data);
    centrals.push(central);
    offset += local.length + data.length;
  }
  const directoryBytes = centrals.reduce((n, c) => n + c.length, 0);
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, END_OF_DIRECTORY, true);
  ev.setUint16(8, arrays.size, true);
  ev.setUint16(10, arrays.size, true);
  ev.setUint32(12, directoryBytes, true);
  ev.setUint32(16, offset, true);
  const out = new Uint8Array(offset + directoryBytes + end.length);
  let p = 0;
  for (const chunk of [...locals, ...centrals, end]) {
    out.set(chunk, p);
    p += chunk.length;
  }
  return out;
}
