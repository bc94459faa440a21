/**
 * Shared by the export-cpp tests: emit a package into a temp folder, compare logits with a named
 * tolerance, find the toolchains.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Model } from '../../src/model/model.js';
import { emitCppPackage, type CppPackage, type EmitOptions } from '../../tools/export-cpp/emit.js';
import { writePackageFolder } from '../../tools/export-cpp/write.js';
import { seededRandom } from '../helpers/synthetic-model.js';

// Every temp folder of these tests (packages, g++/arm builds, the tools' own mkdtemp calls, which follow
// TMPDIR) goes under one root per test file; each file removes it in afterAll(removeTempRoot).
const originalTmpdir = process.env.TMPDIR;
const root = mkdtempSync(join(tmpdir(), 'sedge-export-cpp-'));
process.env.TMPDIR = root;

/** A fresh folder under this test file's temp root. */
export const tempDir = (): string => mkdtempSync(join(root, 't-'));

export function removeTempRoot(): void {
  rmSync(root, { recursive: true, force: true });
  if (originalTmpdir === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = originalTmpdir;
}

/** The bar: C++ logits vs the wasm engine (and the float64 oracle), relative to the largest |logit|. */
export const CPP_VS_ENGINE_REL = 1e-5;

export function hasTool(command: string): boolean {
  try {
    execFileSync(command, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export async function emitToTemp(model: Model, options: Omit<EmitOptions, 'name'> & { name?: string } = {}): Promise<{ pkg: CppPackage; dir: string }> {
  const pkg = emitCppPackage(model, { name: options.name ?? 'sedge_test', ...options });
  const dir = join(tempDir(), pkg.name);
  await writePackageFolder(dir, pkg.files);
  return { pkg, dir };
}

/** max_k |a_k − b_k| / max_k |b_k|: the error relative to the logit vector's scale. */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let scale = 0;
  let worst = 0;
  for (let k = 0; k < expected.length; k++) scale = Math.max(scale, Math.abs(expected[k]));
  for (let k = 0; k < expected.length; k++) worst = Math.max(worst, Math.abs(actual[k] - expected[k]));
  return worst / Math.max(scale, 1e-30);
}

/** Seeded random audio: a mix of uniform noise and a slow sine, standardised roughly to unit variance. */
export function randomClip(samples: number, seed: number): Float32Array {
  const rand = seededRandom(seed);
  const f = 50 + 3000 * rand();
  return Float32Array.from({ length: samples }, (_, n) => 1.2 * (2 * rand() - 1) + Math.sin((2 * Math.PI * f * n) / 16000));
}
