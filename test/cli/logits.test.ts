// `sedge logits` and `sedge convert`: the contract outside checks use, on the golden files.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeWav } from '../../src/audio/wav.js';
import { encodeNpy } from '../../src/model/npy.js';
import { loadGoldenInputs, loadGoldenLogits } from '../helpers/golden.js';
import { fixture, sedge } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'sedge-cli-'));
const worstRelative = (got: number[], want: ArrayLike<number>) =>
  Math.max(...got.map((v, k) => Math.abs(v - want[k]) / Math.max(1, Math.abs(want[k]))));

describe('sedge logits', () => {
  const want = loadGoldenLogits('tiny_1-9-54');
  it.each([
    [['--engine', 'simd']], [['--engine', 'scalar']], [['--engine', 'reference']],
    [['--mode', 'stream', '--chunk', '1']], [['--mode', 'stream', '--chunk', '160']],
  ])('%j: every clip of inputs.npy matches the float64 reference', (args) => {
    const r = sedge('logits', fixture('tiny_1-9-54.npy'), fixture('inputs.npy'), ...args, '--json');
    expect(r.stderr).toBe('');
    const logits: number[][] = JSON.parse(r.stdout);
    expect(logits).toHaveLength(3);
    logits.forEach((row, i) => {
      expect(row).toHaveLength(35);
      expect(worstRelative(row, want[i])).toBeLessThan(1e-4);
    });
  });

  it('one [16000] clip and one wav clip', () => {
    const clip = loadGoldenInputs()[1];
    const npy = join(dir, 'one.npy');
    writeFileSync(npy, encodeNpy({ dtype: '<f4', shape: [16000], data: clip }));
    const fromNpy: number[][] = JSON.parse(sedge('logits', fixture('tiny_1-9-54.npy'), npy, '--json').stdout);
    expect(worstRelative(fromNpy[0], want[1])).toBeLessThan(1e-4);
    // A 16-bit wav of the same clip (scaled into range) gives one row, close to the scaled clip's logits.
    const wav = join(dir, 'one.wav');
    writeFileSync(wav, encodeWav({ samples: clip.map((v) => v / 8), sampleRateHz: 16000 }));
    const fromWav: number[][] = JSON.parse(sedge('logits', fixture('tiny_1-9-54.npy'), wav, '--json').stdout);
    expect(fromWav).toHaveLength(1);
    expect(fromWav[0]).toHaveLength(35);
  });

  it('--step-scales coarsens the authors\' all-ones export to their [1,9,54] export', () => {
    const r = sedge('logits', fixture('tiny_1-1-1.npy'), fixture('inputs.npy'), '--step-scales', '1,9,54', '--json');
    const logits: number[][] = JSON.parse(r.stdout);
    logits.forEach((row, i) => expect(worstRelative(row, want[i])).toBeLessThan(1e-4));
  });
});

describe('bad input exits 2 with a message naming the problem', () => {
  const bytes = readFileSync(fixture('tiny_1-9-54.npy'));
  const write = (name: string, data: Uint8Array | string) => {
    const path = join(dir, name);
    writeFileSync(path, data);
    return path;
  };
  const cases: [string, () => string, RegExp][] = [
    ['a truncated model', () => write('trunc.npy', bytes.subarray(0, 20000)), /trunc\.npy/],
    ['wrong magic', () => write('magic.npy', 'hello world, not a model'), /not a model_dict\.npy or \.safetensors/],
    ['a pickle calling os.system', () => write('evil.npy', evilPickle()), /global 'os\.system' is not allowed/],
    ['a missing file', () => join(dir, 'missing.npy'), /no such file/],
  ];
  it.each(cases)('%s', (_name, make, message) => {
    const r = sedge('logits', make(), fixture('inputs.npy'), '--json');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
  });

  it('an input of the wrong shape', () => {
    const path = write('short.npy', encodeNpy({ dtype: '<f4', shape: [2, 100], data: new Float32Array(200) }));
    const r = sedge('logits', fixture('tiny_1-9-54.npy'), path);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/shape \[2,100\], expected \[N,16000\] or \[16000\]/);
  });

  it('step scales that do not nest, and unknown options', () => {
    expect(sedge('info', fixture('tiny_1-1-1.npy'), '--step-scales', '2,3,6').code).toBe(2);
    expect(sedge('logits', fixture('tiny_1-1-1.npy'), fixture('inputs.npy'), '--engine', 'gpu').code).toBe(2);
  });
});

describe('sedge convert', () => {
  it('model_dict.npy → safetensors gives the same logits, and never overwrites without --force', () => {
    const out = join(dir, 'full.safetensors');
    const first = sedge('convert', fixture('full_1-2-14-14-42-42.npy'), out);
    expect(first.code).toBe(0);
    const again = sedge('convert', fixture('full_1-2-14-14-42-42.npy'), out);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/exists; pass --force/);
    expect(sedge('convert', fixture('full_1-2-14-14-42-42.npy'), out, '--force').code).toBe(0);
    const a = JSON.parse(sedge('logits', out, fixture('inputs.npy'), '--json').stdout);
    const b = JSON.parse(sedge('logits', fixture('full_1-2-14-14-42-42.npy'), fixture('inputs.npy'), '--json').stdout);
    expect(a).toEqual(b);
    const info = JSON.parse(sedge('info', out, '--json').stdout);
    expect(info.labels[0]).toBe('backward');
  });

  it('--labels must match the decoder', () => {
    const r = sedge('convert', fixture('tiny_1-9-54.npy'), join(dir, 'x.safetensors'), '--labels', 'yes,no');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/35/);
  });
});

/** A .npy whose pickle payload is `os.system('echo pwned')`: GLOBAL, args, REDUCE. */
function evilPickle(): Uint8Array {
  const pickle = Buffer.concat([Buffer.from([0x80, 0x02]), Buffer.from('cos\nsystem\n'), Buffer.from([0x58]),
    Buffer.from(Uint32Array.of(10).buffer), Buffer.from('echo pwned'), Buffer.from([0x85, 0x52, 0x2e])]);
  let header = "{'descr': '|O', 'fortran_order': False, 'shape': (), }";
  header = header.padEnd(118 - 1, ' ') + '\n';
  return Buffer.concat([Buffer.from('\x93NUMPY\x01\x00', 'latin1'), Buffer.from(Uint16Array.of(header.length).buffer), Buffer.from(header), pickle]);
}
