import { describe, expect, it } from 'vitest';
import { ModelFormatError, SedgeError } from '../../src/errors.js';
import { encodeNpy, parseNpy, parseNpz, type NpyArray } from '../../src/model/npy.js';
import { inflateRawNode } from '../../src/node/inflate.js';
import { readGolden } from './golden.js';
import { sameBytes } from './same-model.js';
import { deflateRawSync } from 'node:zlib';
import { encodeZip } from '../../src/model/zip.js';

const writeZip = (entries: Array<[string, Uint8Array]>, deflate = false) =>
  encodeZip(entries, deflate ? (plain) => new Uint8Array(deflateRawSync(plain)) : undefined);

const ascii = (s: string) => new TextEncoder().encode(s);

/** An .npy with a hand-written header dict (v1), to craft malformed files. */
function rawNpy(dictText: string, data: Uint8Array = new Uint8Array(0), version = 1): Uint8Array {
  const header = ascii(dictText + '\n');
  const prefix = version === 1 ? 10 : 12;
  const out = new Uint8Array(prefix + header.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, header.length, true);
  else view.setUint32(8, header.length, true);
  out.set(header, prefix);
  out.set(data, prefix + header.length);
  return out;
}

const expectFormatError = (f: () => unknown, substring: string) => {
  expect(f).toThrow(ModelFormatError);
  expect(f).toThrow(substring);
};

describe('parseNpy on golden files', () => {
  it('reads inputs.npy (float32 [3, 16000])', () => {
    const a = parseNpy(readGolden('inputs.npy'), 'inputs.npy');
    expect(a.dtype).toBe('<f4');
    expect(a.shape).toEqual([3, 16000]);
    expect(a.data).toBeInstanceOf(Float32Array);
    expect(a.data[0]).toBeCloseTo(-0.00372803, 7);
  });

  it('re-encodes inputs.npy byte for byte as numpy wrote it', () => {
    const bytes = readGolden('inputs.npy');
    expect(sameBytes(encodeNpy(parseNpy(bytes, 'inputs.npy')), bytes)).toBe(true);
  });
});

describe('parseNpz', () => {
  it('reads a golden taps archive (stored, zip64 extras, int64 and float64 entries)', () => {
    const taps = parseNpz(readGolden('tiny_1-1-1.taps.npz'), 'tiny_1-1-1.taps.npz');
    expect([...taps.keys()].sort()).toEqual(
      ['layer0', 'layer0_T', 'layer0_mean', 'layer0_t', 'layer1', 'layer1_T', 'layer1_mean', 'layer1_t', 'layer2', 'layer2_T', 'layer2_mean', 'layer2_t'],
    );
    const T = taps.get('layer0_T')!;
    expect(T.shape).toEqual([]);
    expect(T.data).toEqual(BigInt64Array.of(16000n));
    expect(taps.get('layer0_t')!.data.slice(0, 3)).toEqual(BigInt64Array.of(0n, 1n, 2n));
    const layer0 = taps.get('layer0')!;
    expect(layer0.dtype).toBe('<f8');
    expect(layer0.shape).toEqual([3, 37, 8]);
    expect(layer0.data[0]).toBeCloseTo(0.39621969547003644, 15);
  });

  const arrays: Array<[string, NpyArray]> = [
    ['a', { dtype: '<i8', shape: [3], data: BigInt64Array.of(1n, -2n, 3n) }],
    ['b', { dtype: '<c8', shape: [1, 1], data: Float32Array.of(1, 2) }],
  ];
  const entries = arrays.map(([k, a]): [string, Uint8Array] => [`${k}.npy`, encodeNpy(a)]);

  it('reads deflated entries only with an inflate function', () => {
    const zipped = writeZip(entries, true);
    expectFormatError(() => parseNpz(zipped, 'c.npz'), "c.npz: entry 'a.npy' is deflated");
    const got = parseNpz(zipped, 'c.npz', inflateRawNode);
    expect(got.get('a')).toEqual(arrays[0][1]);
    expect(got.get('b')).toEqual(arrays[1][1]);
  });

  it('refuses corrupted, lying and foreign archives', () => {
    const stored = writeZip(entries);
    const flipped = stored.slice();
    flipped[40] ^= 0xff; // inside the first entry's header
    expectFormatError(() => parseNpz(flipped, 'x.npz'), 'CRC-32');
    expectFormatError(() => parseNpz(stored.subarray(0, stored.length - 1), 'x.npz'), 'no end-of-central-directory');
    expectFormatError(() => parseNpz(writeZip([['x.txt', ascii('hi')]]), 'x.npz'), "entry 'x.txt' is not an .npy");
    const bomb = writeZip(entries, true);
    new DataView(bomb.buffer).setUint32(bomb.length - 22 - 2 * 51 + 24, 0x7fffffff, true); // entry a: uncompressed size
    expectFormatError(() => parseNpz(bomb, 'x.npz', inflateRawNode), "beyond deflate's limit");
  });

  it('gives a ModelFormatError for every truncation of a small archive', () => {
    const stored = writeZip(entries);
    for (let n = 0; n < stored.length; n++) expect(() => parseNpz(stored.subarray(0, n), 'x.npz')).toThrow(SedgeError);
  });
});

describe('encodeNpy / parseNpy round trip', () => {
  const cases: NpyArray[] = [
    { dtype: '<f4', shape: [2, 3], data: Float32Array.of(1, 2, 3, 4, 5, NaN) },
    { dtype: '<f8', shape: [], data: Float64Array.of(Math.PI) },
    { dtype: '<c8', shape: [2], data: Float32Array.of(1, -1, 2, -2) },
    { dtype: '<c16', shape: [1], data: Float64Array.of(0.1, 0.2) },
    { dtype: '<i4', shape: [0, 5], data: new Int32Array(0) },
    { dtype: '<i8', shape: [2], data: BigInt64Array.of(-(2n ** 63n), 2n ** 63n - 1n) },
    { dtype: '|u1', shape: [3], data: Uint8Array.of(0, 128, 255) },
    { dtype: '|b1', shape: [2], data: Uint8Array.of(1, 0) },
    { dtype: '<u2', shape: [1, 1, 1], data: Uint16Array.of(65535) },
  ];
  for (const a of cases) {
    it(`${a.dtype} [${a.shape}]`, () => {
      const bytes = encodeNpy(a);
      expect(bytes.length % 64).toBe(a.data.byteLength % 64); // data starts 64-aligned, as numpy writes
      expect(parseNpy(bytes, 'x.npy')).toEqual(a);
    });
  }

  it('reads version 2.0 and 3.0 headers and Python 2 long dimensions', () => {
    const data = new Uint8Array(Float32Array.of(7).buffer);
    expect(parseNpy(rawNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", data, 2), 'v2').data).toEqual(Float32Array.of(7));
    expect(parseNpy(rawNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", data, 3), 'v3').shape).toEqual([1]);
    expect(parseNpy(rawNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (1L, 1L), }", data), 'py2').shape).toEqual([1, 1]);
  });
});

describe('parseNpy refuses bad files with a clear error', () => {
  const f4 = (shape: string, data = new Uint8Array(0)) => rawNpy(`{'descr': '<f4', 'fortran_order': False, 'shape': ${shape}, }`, data);
  it.each([
    ['big-endian', rawNpy("{'descr': '>f4', 'fortran_order': False, 'shape': (), }", new Uint8Array(4)), "big-endian dtype '>f4'"],
    ['Fortran order', rawNpy("{'descr': '<f4', 'fortran_order': True, 'shape': (1,), }", new Uint8Array(4)), 'Fortran-ordered'],
    ['object', rawNpy("{'descr': '|O', 'fortran_order': False, 'shape': (), }"), "object dtype '|O'"],
    ['structured', rawNpy("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (), }"), 'structured dtypes'],
    ['unknown dtype', rawNpy("{'descr': '<f2', 'fortran_order': False, 'shape': (), }"), "unsupported dtype '<f2'"],
    ['extra key', rawNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (), 'x': True}"), 'exactly the keys'],
    ['missing key', rawNpy("{'descr': '<f4', 'shape': ()}"), 'exactly the keys'],
    ['garbage header', rawNpy("{'descr': '<f4' + 1}"), 'malformed .npy header'],
    ['short data', f4('(2,)', new Uint8Array(7)), "shape [2] of '<f4' needs 8 data bytes, found 7"],
    ['trailing data', f4('(2,)', new Uint8Array(9)), 'needs 8 data bytes, found 9'],
    ['overflowing shape', f4('(4294967296, 4294967296, 4294967296)', new Uint8Array(8)), 'has more than 2251799813685247 elements'],
    ['huge dimension', f4('(99999999999999999999,)'), 'invalid dimension'],
    ['wrong magic', ascii('NUMPY\x01\x00'), 'not an .npy file'],
    ['version 4.0', rawNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (), }", new Uint8Array(4), 4), 'format version 4.0'],
  ])('%s', (_what, bytes, message) => { expectFormatError(() => parseNpy(bytes, "bad.npy"), message); expect(() => parseNpy(bytes, "bad.npy")).toThrow(/^bad\.npy: /); });

  it('header length past the end of the file', () => {
    const bytes = f4('(1,)', new Uint8Array(4));
    new DataView(bytes.buffer).setUint16(8, 60000, true);
    expectFormatError(() => parseNpy(bytes, 'bad.npy'), 'header length 60000 runs past the end');
  });

  it('every prefix of a small file', () => {
    const bytes = encodeNpy({ dtype: '<c8', shape: [2, 2], data: new Float32Array(8) });
    for (let n = 0; n < bytes.length; n++) expect(() => parseNpy(bytes.subarray(0, n), 'p.npy')).toThrow(ModelFormatError);
  });
});
