/**
 * The emitter without a compiler: memory plan vs Cpp-NN, what it refuses (with messages), the
 * all-or-nothing folder writer, literal formatting, the shape of the generated text, the CLI command.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ModelFormatError, UsageError } from '../../src/errors.js';
import type { Model } from '../../src/model/model.js';
import { CPP_NN_SIZES } from '../../src/model/shapes.js';
import { exportCppCommand } from '../../src/node/export-cpp-command.js';
import { emitCppPackage, defaultPackageName } from '../../tools/export-cpp/emit.js';
import { floatLiteral } from '../../tools/export-cpp/format.js';
import { quantiseRows } from '../../tools/export-cpp/pack.js';
import { planCppPackage } from '../../tools/export-cpp/plan.js';
import { writePackageFolder } from '../../tools/export-cpp/write.js';
import { GOLDEN_DIR, GOLDEN_EXPORTS, loadGoldenModel } from '../helpers/golden.js';
import { SHAPES, seededRandom, syntheticModel } from '../helpers/synthetic-model.js';
import { removeTempRoot, tempDir } from './helpers.js';

afterAll(removeTempRoot);


describe('memory plan', () => {
  // state + pool + 2 counters | scratch, in bytes; Cpp-NN README perm + temp for the same shape.
  const expected = { tiny: [712, 160], small: [1112, 384], large: [2952, 416], full: [3464, 384] } as const;
  it.each(Object.keys(SHAPES) as Array<keyof typeof SHAPES>)('%s: permanent + scratch ≤ Cpp-NN permanent + temp', (shape) => {
    const plan = planCppPackage(syntheticModel(SHAPES[shape], SHAPES[shape].P.map(() => 1)));
    expect([plan.permanentBytes, plan.scratchBytes]).toEqual(expected[shape]);
    const cppnn = CPP_NN_SIZES[shape];
    expect(plan.arenaBytes).toBeLessThanOrEqual(cppnn.permanentBytes + cppnn.tempBytes);
    // --pool kahan costs 4·H_last more.
    expect(planCppPackage(syntheticModel(SHAPES[shape], SHAPES[shape].P.map(() => 1)), { poolKahan: true }).permanentBytes)
      .toBe(plan.permanentBytes + 4 * 64 * (shape === 'full' ? 1.5 : 1));
  });

  it.each(GOLDEN_EXPORTS.map((e) => [e.name]))('%s: scratch regions of a layer never overlap', (name) => {
    const plan = planCppPackage(loadGoldenModel(name));
    const M = plan.scratchFloats;
    for (const l of plan.layers) {
      const input = l.inputScratchOffset === null ? null : [l.inputScratchOffset, l.inputScratchOffset + l.I];
      const output = l.outputScratchOffset === null ? null : [l.outputScratchOffset, l.outputScratchOffset + l.H];
      for (const r of [input, output]) if (r) expect(r[0] >= 0 && r[1] <= M).toBe(true);
      if (input && output) {
        if (l.skip === 'identity') expect(output[0]).toBe(input[0]); // in place: o_h reads only u_h
        else expect(input[1] <= output[0] || output[1] <= input[0]).toBe(true);
      }
    }
  });
});

describe('models the emitter cannot express', () => {
  const tiny = () => syntheticModel(SHAPES.tiny, [1, 9, 54]);
  const name = { name: 'm' };

  it('step scales that do not nest', () => {
    const model = tiny();
    model.layers[2] = { ...model.layers[2], stepScale: 50 };
    expect(() => emitCppPackage(model, name)).toThrow(UsageError);
    expect(() => emitCppPackage(model, name)).toThrow(/do not nest: s_2 = 50 is not a multiple of s_1 = 9/);
  });

  it('an unknown layer kind', () => {
    const model = tiny();
    model.layers[1] = { ...model.layers[1], kind: 'conv1d' } as unknown as Model['layers'][number];
    expect(() => emitCppPackage(model, name)).toThrow(ModelFormatError);
    expect(() => emitCppPackage(model, name)).toThrow(/layer 1 has kind 'conv1d'/);
  });

  it('a null skip that is neither identity nor broadcast', () => {
    const model = tiny();
    model.layers[1] = { ...model.layers[1], skip: null };
    expect(() => emitCppPackage(model, name)).toThrow(/layer 1 has no skip matrix but I = 8 ≠ H = 32/);
  });

  it('mismatched sizes, non-finite weights, unusable names', () => {
    const model = tiny();
    model.layers[0] = { ...model.layers[0], cRe: new Float32Array(3) };
    expect(() => emitCppPackage(model, name)).toThrow(/layer 0 'cRe' has 3 values, expected 256/);
    const nan = tiny();
    nan.layers[2].aRe[0] = Number.NaN;
    expect(() => emitCppPackage(nan, name)).toThrow(/'l2_a_re' element 0 is NaN/);
    expect(() => emitCppPackage(tiny(), { name: 'class' })).toThrow(/keyword/);
    expect(() => emitCppPackage(tiny(), { name: '9lives' })).toThrow(/not usable as a C identifier/);
    expect(defaultPackageName('/x/tiny_1-9-54.npy')).toBe('sedge_tiny_1_9_54');
  });
});

describe('the package text', () => {
  const pkg = emitCppPackage(loadGoldenModel('small_1-2-4-16-32-64'), { name: 'small_pkg', source: 'small_1-2-4-16-32-64.npy' });

  it('has the promised files and no template left-overs', () => {
    expect([...pkg.files.keys()].sort()).toEqual(['README.md', 'small_pkg.cpp', 'small_pkg.h', 'small_pkg.hpp', 'small_pkg.json', 'small_pkg_weights.hpp']);
    for (const text of pkg.files.values()) expect(text).not.toMatch(/\{\{[A-Z_]+\}\}/);
  });

  it('uses no heap, no exceptions, no RTTI, no STL', () => {
    for (const [file, text] of pkg.files) {
      if (!/\.(h|hpp|cpp)$/.test(file)) continue;
      const code = text.replace(/\/\/.*$/gm, '').replace(/\/\*[\s\S]*?\*\//g, '');
      expect(code).not.toMatch(/\bnew\b|\bdelete\b|malloc|\bthrow\b|\btry\b|dynamic_cast|typeid|std::/);
      const includes = [...code.matchAll(/#include\s*[<"]([^>"]+)[>"]/g)].map((m) => m[1]);
      expect(includes.filter((h) => !h.startsWith('small_pkg'))).toEqual(includes.filter((h) => h === 'stdint.h'));
    }
  });

  it('writes the step-scale schedule and the sizes as compile-time constants', () => {
    const cpp = pkg.files.get('small_pkg.cpp') as string;
    expect(cpp).toContain('if (phase % 2u != 0u) return;  // layer 1 consumes layer 0');
    expect(cpp).toContain('if (phase % 64u != 0u) return;  // layer 5 consumes layer 4');
    const hpp = pkg.files.get('small_pkg.hpp') as string;
    expect(hpp).toContain('constexpr uint32_t kLastStepScale = 64u;');
    expect(hpp).toContain(`constexpr int kPermanentBytes = ${pkg.plan.permanentBytes};`);
    expect(hpp).toContain('constexpr int kTicksPerClip = 250;');
  });
});

describe('literals and quantisation', () => {
  it('floatLiteral reads back as the same float32', () => {
    const rand = seededRandom(3);
    const values = [0, -0, 1, -1, 0.1, 1e-45, 3.4028234663852886e38, 1.1754943508222875e-38, 123456.789];
    for (let n = 0; n < 2000; n++) values.push((rand() - 0.5) * 10 ** Math.floor(20 * rand() - 10));
    for (const v of values) {
      const text = floatLiteral(v);
      expect(text).toMatch(/^-?\d+\.\d+(e-?\d+)?f$/);
      expect(Object.is(Math.fround(Number(text.slice(0, -1))), Math.fround(v))).toBe(true);
    }
  });

  it('quantiseRows is symmetric per row and within half a step', () => {
    const values = Float32Array.from([0.5, -1, 0.25, 0, 0, 0, 3, 2, -3]);
    const { q, scale } = quantiseRows(values, 3, 3);
    expect(Array.from(q.slice(0, 3))).toEqual([64, -127, 32]);
    expect(Array.from(q.slice(3, 6))).toEqual([0, 0, 0]);
    expect(scale[1]).toBe(1);
    values.forEach((v, n) => expect(Math.abs(q[n] * scale[Math.floor(n / 3)] - v)).toBeLessThanOrEqual(scale[Math.floor(n / 3)] / 2 + 1e-7));
  });
});

describe('writePackageFolder: all or nothing, never over the user\'s files', () => {
  const files = new Map([['a.txt', 'A'], ['b.txt', 'B']]);

  it('writes a new folder (creating parents) and accepts an existing empty one', async () => {
    const base = tempDir();
    await writePackageFolder(join(base, 'x', 'pkg'), files);
    expect(readdirSync(join(base, 'x', 'pkg')).sort()).toEqual(['a.txt', 'b.txt']);
    mkdirSync(join(base, 'empty'));
    await writePackageFolder(join(base, 'empty'), files);
    expect(readFileSync(join(base, 'empty', 'b.txt'), 'utf8')).toBe('B');
  });

  it('refuses a non-empty folder unless force, and force replaces it whole', async () => {
    const base = tempDir();
    const out = join(base, 'pkg');
    mkdirSync(out);
    writeFileSync(join(out, 'mine.c'), 'user code');
    await expect(writePackageFolder(out, files)).rejects.toThrow(/exists and is not empty; pass --force/);
    expect(readFileSync(join(out, 'mine.c'), 'utf8')).toBe('user code');
    await writePackageFolder(out, files, { force: true });
    expect(readdirSync(out).sort()).toEqual(['a.txt', 'b.txt']);
    expect(readdirSync(base)).toEqual(['pkg']); // no temp or backup folder left behind
  });

  it('leaves nothing behind when a write fails half-way', async () => {
    const base = tempDir();
    const broken = new Map<string, string>([['a.txt', 'A'], ['b.txt', {} as string]]); // writeFile rejects an object
    await expect(writePackageFolder(join(base, 'pkg'), broken)).rejects.toThrow();
    expect(readdirSync(base)).toEqual([]);
    mkdirSync(join(base, 'old'));
    writeFileSync(join(base, 'old', 'keep'), 'k');
    await expect(writePackageFolder(join(base, 'old'), broken, { force: true })).rejects.toThrow();
    expect(readdirSync(base)).toEqual(['old']);
    expect(readFileSync(join(base, 'old', 'keep'), 'utf8')).toBe('k');
  });
});

describe('exportCppCommand (in-process)', () => {
  const modelPath = join(GOLDEN_DIR, 'tiny_1-1-1.npy');

  it('writes the package and prints a report next to the Cpp-NN numbers', async () => {
    const out = join(tempDir(), 'pkg');
    const lines: string[] = [];
    const result = await exportCppCommand(modelPath, { out, stepScales: [1, 9, 54], report: true, mflops: [45] }, (l) => lines.push(l));
    expect(existsSync(join(out, 'sedge_tiny_1_1_1.cpp'))).toBe(true);
    expect(result.report?.shape).toBe('tiny');
    expect(result.report?.stepScales).toEqual([1, 9, 54]);
    expect(result.report?.flops.cppnnReadmeMflop).toBe(12.13);
    expect(result.report?.ram.totalBytes).toBe(872);
    expect(result.report?.ram.cppnn.totalBytes).toBe(1100);
    expect(result.report?.realTime[0].secondsPerSecondOfAudio).toBeCloseTo(12.105e6 / 45e6, 3);
    expect(lines.join('\n')).toMatch(/RAM: total \(bytes\)\s+872\s+1100/);
  });

  it('prints only JSON with json, and fails clearly on bad input', async () => {
    const lines: string[] = [];
    await exportCppCommand(modelPath, { report: true, json: true }, (l) => lines.push(l));
    expect(JSON.parse(lines.join('')).report.ram.totalBytes).toBe(872);
    await expect(exportCppCommand(modelPath, {})).rejects.toThrow(/give --out DIR/);
    await expect(exportCppCommand(modelPath, { report: true, stepScales: [1, 4, 6] })).rejects.toThrow(/do not nest/);
    await expect(exportCppCommand(modelPath, { report: true, name: 'int' })).rejects.toThrow(UsageError);
  });
});
