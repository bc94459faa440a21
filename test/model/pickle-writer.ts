/**
 * Test-only writer of numpy-style pickles (protocol 3, like numpy 1.24's np.save of a dict), to make
 * small and deliberately broken model dicts. No memo, so the bytes are longer than numpy's, but
 * np.load(..., allow_pickle=True) reads them (checked by hand with numpy 2.4).
 */
import type { Model } from '../../src/model/model.js';
import type { NpyArray } from '../../src/model/npy.js';

export type PickleInput =
  | null | boolean | number | string | Uint8Array | PickleInput[]
  | Map<number | string, PickleInput> | { tuple: PickleInput[] } | { array: NpyArray } | { raw: number[] };

const text = (s: string) => [...new TextEncoder().encode(s)];
const u32 = (n: number) => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];

export const op = {
  proto: (v = 3) => [0x80, v],
  global: (module: string, name: string) => [0x63, ...text(`${module}\n${name}\n`)],
  unicode: (s: string) => { const b = text(s); return [0x58, ...u32(b.length), ...b]; },
  bytes: (b: ArrayLike<number>) => [0x42, ...u32(b.length), ...Array.from(b)],
  int: (n: number) => (n >= 0 && n < 256 ? [0x4b, n] : [0x4a, ...u32(n)]),
  mark: [0x28], tuple: [0x74], tuple1: [0x85], tuple3: [0x87], reduce: [0x52], build: [0x62],
  emptyDict: [0x7d], setitems: [0x75], emptyList: [0x5d], appends: [0x65], none: [0x4e],
  true: [0x88], false: [0x89], stop: [0x2e],
};

/**
 * Ops that leave lists L0 … L(n-1) on the stack, each L(k) = [L(k-1)], so L(n-1) nests n deep and
 * sits in memo slot n-1 (8 bytes per level: EMPTY_LIST, LONG_BINPUT k, LONG_BINGET k-1, APPEND).
 */
export function deepLists(depth: number): number[] {
  const ops = [0x5d, 0x72, ...u32(0)];
  for (let k = 1; k < depth; k++) ops.push(0x5d, 0x72, ...u32(k), 0x6a, ...u32(k - 1), 0x61);
  return ops;
}

const DTYPE_CODE: Record<string, [string, string]> = {
  '<f4': ['f4', '<'], '<f8': ['f8', '<'], '<c8': ['c8', '<'], '<c16': ['c16', '<'], '<i8': ['i8', '<'], '|O': ['O8', '|'],
};

function dtype(descr: string): number[] {
  const [code, order] = DTYPE_CODE[descr];
  return [
    ...op.global('numpy', 'dtype'), ...op.unicode(code), ...op.false, ...op.true, ...op.tuple3, ...op.reduce,
    ...op.mark, ...op.int(3), ...op.unicode(order), ...op.none, ...op.none, ...op.none,
    0x4a, ...u32(-1), 0x4a, ...u32(-1), ...op.int(descr === '|O' ? 63 : 0), ...op.tuple, ...op.build,
  ];
}

/** Pieces of output: small opcode runs and whole array payloads, joined once at the end (no big spreads). */
type Chunk = number[] | Uint8Array;

function ndarray(descr: string, shape: number[], data: Chunk[]): Chunk[] {
  return [
    [...op.global('numpy.core.multiarray', '_reconstruct'), ...op.global('numpy', 'ndarray'),
      ...op.int(0), ...op.tuple1, 0x43, 1, 0x62, ...op.tuple3, ...op.reduce,
      ...op.mark, ...op.int(1), ...op.mark, ...shape.flatMap((d) => op.int(d)), ...op.tuple, ...dtype(descr), ...op.false],
    ...data,
    [...op.tuple, ...op.build],
  ];
}

function chunks(v: PickleInput): Chunk[] {
  if (v === null) return [op.none];
  if (typeof v === 'boolean') return [v ? op.true : op.false];
  if (typeof v === 'number') return [op.int(v)];
  if (typeof v === 'string') return [op.unicode(v)];
  if (v instanceof Uint8Array) return [[0x42, ...u32(v.length)], v];
  if (Array.isArray(v)) return [[...op.emptyList, ...op.mark], ...v.flatMap(chunks), op.appends];
  if (v instanceof Map) return [[...op.emptyDict, ...op.mark], ...[...v].flatMap(([k, x]) => [...chunks(k), ...chunks(x)]), op.setitems];
  if ('tuple' in v) return [op.mark, ...v.tuple.flatMap(chunks), op.tuple];
  if ('raw' in v) return [v.raw];
  const { dtype: descr, shape, data } = v.array;
  return ndarray(descr, shape, chunks(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)));
}

function join(parts: Chunk[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, c) => n + c.length, 0));
  let p = 0;
  for (const c of parts) {
    out.set(c, p);
    p += c.length;
  }
  return out;
}

/** np.save(file, value, allow_pickle=True): an .npy header '|O' () and the pickle of a 0-d object array. */
export function saveObjectNpy(value: PickleInput): Uint8Array {
  const dict = "{'descr': '|O', 'fortran_order': False, 'shape': (), }";
  const header = text(dict.padEnd(128 - 10 - 1, ' ') + '\n');
  const root = ndarray('|O', [], [[...op.emptyList, ...op.mark], ...chunks(value), op.appends]);
  return join([[0x93, ...text('NUMPY'), 1, 0, header.length & 0xff, header.length >> 8, ...header], op.proto(), ...root, op.stop]);
}

/** The bare pickle of a value, with PROTO and STOP. */
export const pickleBytes = (value: PickleInput): Uint8Array => join([op.proto(), ...chunks(value), op.stop]);

type Dict = Map<number | string, PickleInput>;

const interleave = (re: Float32Array, im: Float32Array) => Float32Array.from({ length: 2 * re.length }, (_, k) => (k % 2 ? im : re)[k >> 1]);
const c8 = (re: Float32Array, im: Float32Array, shape: number[]): PickleInput => ({ array: { dtype: '<c8', shape, data: interleave(re, im) } });

/** The authors' dict for a Model (identity skips as the exporter's complex128 ones), ready to edit and save. */
export function modelDictInput(model: Model): Map<number, Dict> {
  const dict = new Map<number, Dict>();
  model.layers.forEach((l, i) => {
    const { inputSize: I, stateSize: P, outputSize: H } = l;
    const skip: PickleInput = l.skip === null
      ? { array: { dtype: '<c16', shape: [H, I], data: Float64Array.from({ length: 2 * H * I }, (_, k) => (k % 2 ? 0 : 1)) } }
      : c8(l.skip, new Float32Array(H * I), [H, I]);
    dict.set(i, new Map<string, PickleInput>([
      ['A', c8(l.aRe, l.aIm, [P])], ['B', c8(l.bRe, l.bIm, [P, I])], ['B_bias', c8(l.biasBRe, l.biasBIm, [P])],
      ['C', c8(l.cRe, l.cIm, [H, P])], ['C_bias', c8(l.biasCRe, l.biasCIm, [H])], ['SkipLayer', skip], ['step_scale', l.stepScale],
    ]));
  });
  const K = model.decoder.bias.length;
  dict.set(model.layers.length, new Map<string, PickleInput>([
    ['W', { array: { dtype: '<f4', shape: [K, model.decoder.weight.length / K], data: model.decoder.weight } }],
    ['b', { array: { dtype: '<f4', shape: [K], data: model.decoder.bias } }],
  ]));
  return dict;
}
