import { describe, expect, it } from 'vitest';
import { ModelFormatError } from '../../src/errors.js';
import { readNpyHeader } from '../../src/model/npy.js';
import { PyDtype, PyNdarray, PyTuple, unpickle, type PyValue } from '../../src/model/pickle.js';
import { readGolden } from './golden.js';
import { deepLists, op, pickleBytes } from './pickle-writer.js';

const picklePart = (file: string) => {
  const bytes = readGolden(file);
  return { bytes, offset: readNpyHeader(bytes, file).dataOffset };
};
const unpickleGolden = (file: string): PyNdarray => {
  const { bytes, offset } = picklePart(file);
  return unpickle(bytes.subarray(offset), file, offset) as PyNdarray;
};
const raw = (...parts: number[][]) => Uint8Array.from(parts.flat());
const expectPickleError = (bytes: Uint8Array, ...substrings: string[]) => {
  const f = () => unpickle(bytes, 'evil.npy', 128);
  expect(f).toThrow(ModelFormatError);
  for (const s of substrings) expect(f).toThrow(s);
};

describe('unpickle numpy model dicts', () => {
  it('numpy 1 (protocol 3) and numpy 2 (protocol 4) files give the same dict', () => {
    const one = unpickleGolden('tiny_1-1-1.npy');
    const two = unpickleGolden('tiny_1-1-1.numpy2.npy');
    expect(one.shape).toEqual([]);
    expect(one.objects).toHaveLength(1);
    expect(two).toEqual(one);
    const dict = one.objects![0] as Map<number, Map<string, PyValue>>;
    expect([...dict.keys()]).toEqual([0, 1, 2, 3]);
    expect([...dict.get(0)!.keys()]).toEqual(['A', 'B', 'B_bias', 'C', 'C_bias', 'SkipLayer', 'step_scale']);
    const A = dict.get(0)!.get('A') as PyNdarray;
    expect(A.numeric!.dtype).toBe('<c8');
    expect(A.numeric!.shape).toEqual([32]);
    expect(A.numeric!.data).toHaveLength(64);
  });

  it('reads the LONG_BINPUT/LONG_BINGET of a bigger dict and complex128 skips', () => {
    const full = unpickleGolden('full_1-1-1-1-1-1.npy').objects![0] as Map<number, Map<string, PyValue>>;
    expect(full.size).toBe(7);
    const skip = full.get(5)!.get('SkipLayer') as PyNdarray;
    expect(skip.numeric!.dtype).toBe('<c16');
    expect(skip.numeric!.shape).toEqual([96, 96]);
  });

  it('reads the other protocol-2+ opcodes numpy may emit', () => {
    const v = unpickle(raw(
      op.proto(2), op.mark,
      [0x4d, 0x34, 0x12], // BININT2 0x1234
      [0x8a, 2, 0xff, 0x7f], [0x8a, 1, 0xff], [0x8a, 9, 0, 0, 0, 0, 0, 0, 0, 0x80, 0], // LONG1: 32767, -1, 2^63
      [0x47, 0x40, 0x09, 0x21, 0xfb, 0x54, 0x44, 0x2d, 0x18], // BINFLOAT π
      [0x8c, 1, 0x61], [0x8d, 1, 0, 0, 0, 0, 0, 0, 0, 0x62], [0x8e, 1, 0, 0, 0, 0, 0, 0, 0, 7], // strings, bytes
      op.tuple, [0x94], op.emptyDict, op.int(1), op.none, [0x73], // SETITEM
      op.emptyList, op.int(2), [0x61], // APPEND
      op.tuple3, op.stop,
    ), 'x');
    expect(v).toEqual(new PyTuple([
      new PyTuple([0x1234, 32767, -1, 2n ** 63n, Math.PI, 'a', 'b', Uint8Array.of(7)]),
      new Map([[1, null]]),
      [2],
    ]));
  });

  it('builds numpy scalars', () => {
    const i64 = [op.global('numpy._core.multiarray', 'scalar'), op.global('numpy', 'dtype'), op.unicode('i8'), op.false, op.true,
      op.tuple3, op.reduce, op.mark, op.int(3), op.unicode('<'), op.none, op.none, op.none, op.int(0), op.int(0), op.int(0), op.tuple,
      op.build, op.bytes([6, 0, 0, 0, 0, 0, 0, 0]), [0x86], op.reduce].flat();
    expect(unpickle(raw(op.proto(), i64, op.stop), 'x')).toBe(6);
  });
});

describe('unpickle refuses anything numpy does not write', () => {
  it("GLOBAL 'os' 'system' + REDUCE", () => {
    expectPickleError(raw(op.proto(), op.global('os', 'system'), op.unicode('echo pwned'), op.tuple1, op.reduce, op.stop),
      "evil.npy: pickle opcode GLOBAL at byte 130: global 'os.system' is not allowed");
  });
  it('STACK_GLOBAL builtins.eval', () => {
    expectPickleError(raw(op.proto(4), [0x8c, 8, ...new TextEncoder().encode('builtins')], [0x8c, 4, ...new TextEncoder().encode('eval')], [0x93]),
      'STACK_GLOBAL', "'builtins.eval' is not allowed");
  });
  it('REDUCE of an allowed global that numpy never calls', () => {
    expectPickleError(raw(op.proto(), op.global('numpy', 'ndarray'), op.int(3), op.tuple1, op.reduce, op.stop), "REDUCE of 'numpy.ndarray' is not allowed");
  });
  it('_reconstruct with other arguments', () => {
    expectPickleError(raw(op.proto(), op.global('numpy.core.multiarray', '_reconstruct'), op.global('numpy', 'dtype'), op.int(0), op.tuple1, op.bytes([98]), op.tuple3, op.reduce),
      'needs the arguments (numpy.ndarray, shape, typecode)');
  });
  it('REDUCE of a non-global', () => {
    expectPickleError(raw(op.proto(), op.unicode('os.system'), op.int(1), op.tuple1, op.reduce), 'REDUCE of something that is not an allowed global');
  });
  it('BUILD of an arbitrary object', () => {
    expectPickleError(raw(op.proto(), op.emptyDict, op.emptyDict, op.build), 'BUILD target is not an ndarray or dtype');
  });
  it.each([
    ['INST', [0x69]], ['OBJ', [0x6f]], ['NEWOBJ', [0x81]], ['PERSID', [0x50]], ['EXT1', [0x82, 1]], ['STRING', [0x53]],
  ])('opcode %s', (_name, bytes) => expectPickleError(raw(op.proto(), bytes), 'unsupported opcode'));
  it('protocol 0 and 6', () => {
    expectPickleError(raw(op.proto(0)), 'protocol 0');
    expectPickleError(raw(op.proto(6)), 'protocol 6');
  });
  it('memo miss', () => expectPickleError(raw(op.proto(), [0x68, 5]), 'BINGET at byte 130: memo 5 was never stored'));
  it('stack underflow', () => expectPickleError(raw(op.proto(), op.tuple1), 'TUPLE1 at byte 130: stack underflow'));
  it('no MARK', () => expectPickleError(raw(op.proto(), op.tuple), 'no MARK'));
  it('deep nesting', () => expectPickleError(raw(op.proto(), Array(1000).fill(0x28)), 'nested deeper than 32'));
  it('values nested 100 000 deep are refused without recursion', () => {
    const tuples = raw(op.proto(), op.int(3), Array(200_000).fill(0x85)); // (((3,),),)… one byte per level
    const n = 100_000;
    const dtypeState = raw(op.proto(), op.emptyList, op.mark, deepLists(n), op.appends, // memo n-1 = [[[…]]] n deep
      op.global('numpy', 'dtype'), op.unicode('f4'), op.false, op.true, op.tuple3, op.reduce,
      op.mark, [0x6a, (n - 1) & 0xff, ((n - 1) >> 8) & 0xff, (n - 1) >> 16, 0],
      op.unicode('<'), op.none, op.none, op.none, op.int(0), op.int(0), op.int(0), op.tuple, op.build);
    expectPickleError(raw([...tuples], op.stop, op.stop), 'follow the end of the pickle');
    expectPickleError(dtypeState, 'dtype state version a list of 1 items (expected 3 or 4)');
  });
  it('byte lengths beyond the file', () => {
    expectPickleError(raw(op.proto(), [0x42, 0xff, 0xff, 0xff, 0x7f, 1, 2]), 'BINBYTES at byte 130: truncated: needs 2147483647 more bytes');
    expectPickleError(raw(op.proto(), [0x8d, 0, 0, 0, 0, 0, 0, 0, 0x10]), 'exceeds the whole pickle');
  });
  it('results that do not end cleanly', () => {
    expectPickleError(raw(op.proto(), op.none, op.none, op.stop), 'expected one result on the stack, found 2');
    expectPickleError(raw(op.proto(), op.none, op.stop, [0]), '1 bytes follow the end of the pickle');
    expectPickleError(raw(op.proto(), op.mark, op.none, op.stop), 'unclosed MARK');
    expectPickleError(raw(op.proto(), op.none), 'truncated');
  });
  it('arrays whose state does not match numpy', () => {
    const f4 = { array: { dtype: '<f4', shape: [2], data: Float32Array.of(1, 2) } };
    const good = Array.from(pickleBytes(f4));
    expect(unpickle(Uint8Array.from(good), 'x')).toBeInstanceOf(PyNdarray);
    const shapeAt = good.indexOf(0x4b, good.indexOf(0x28, good.indexOf(0x52)) + 3); // BININT1 2 in the shape tuple
    const lying = good.slice();
    lying[shapeAt + 1] = 3;
    expectPickleError(Uint8Array.from(lying), "shape [3] of '<f4' needs 12 data bytes, found 8");
    const fortran = good.slice();
    fortran[good.lastIndexOf(0x89)] = 0x88;
    expectPickleError(Uint8Array.from(fortran), 'Fortran-ordered');
    const bigEndian = good.slice();
    bigEndian[good.indexOf(0x3c)] = 0x3e; // '<' → '>'
    expectPickleError(Uint8Array.from(bigEndian), "big-endian dtype '>f4'");
  });
  it('every prefix of a small numpy-style pickle fails cleanly', () => {
    const bytes = pickleBytes(new Map([[0, { array: { dtype: '<c8', shape: [1, 2], data: Float32Array.of(1, 2, 3, 4) } }]]));
    for (let n = 0; n < bytes.length; n++) expect(() => unpickle(bytes.subarray(0, n), 'x')).toThrow(ModelFormatError);
  });
  it('dtype objects keep their code', () => {
    expect(new PyDtype('c8').code).toBe('c8');
  });
});
