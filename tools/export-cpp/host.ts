/**
 * Host (x86) harness for an exported package: compiles it with g++ and a small C driver
 * (templates/host-driver.c.tpl), runs the driver on clips and reads back the exact float32 logits.
 * Used by the tests (test/export-cpp) and the benchmark (bench/export-cpp.bench.ts).
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assetDir } from './assets.js';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * The flags the issue asks for, plus warnings that catch float→double promotion (soft-float on an M4).
 * -ffp-contract=off: GCC's C++ default is to fuse a*b+c into an FMA wherever the target has one (ARM's
 * vfma, x86 with -march=native), which changes the rounding; off, x86 and Cortex-M4 builds agree bit for bit.
 */
export const FP_FLAGS = ['-ffp-contract=off'];
export const STRICT_CXX_FLAGS = ['-std=c++17', '-Wall', '-Wextra', '-Werror', '-Wpedantic', '-Wshadow', '-Wdouble-promotion', '-fno-exceptions', '-fno-rtti', ...FP_FLAGS];
export const STRICT_C_FLAGS = ['-std=c11', '-Wall', '-Wextra', '-Werror', '-Wpedantic'];

export interface HostBuildOptions {
  /** Optimisation and target flags, e.g. ['-O2'] or ['-O3', '-march=native']. */
  optimise?: string[];
  sanitize?: boolean;
  /** Where to put objects and the binary (default: a fresh temp folder). */
  buildDir?: string;
}

export interface HostBuild {
  binary: string;
  buildDir: string;
}

export async function buildHostDriver(packageDir: string, name: string, options: HostBuildOptions = {}): Promise<HostBuild> {
  const buildDir = options.buildDir ?? (await mkdtemp(join(tmpdir(), 'sedge-cpp-host-')));
  const optimise = options.optimise ?? ['-O2'];
  const sanitize = options.sanitize ? ['-fsanitize=address,undefined', '-fno-sanitize-recover=all', '-fno-omit-frame-pointer', '-g'] : [];
  const driverSource = join(buildDir, 'driver.c');
  await writeFile(driverSource, renderTemplate('host-driver.c.tpl', name));
  const cppObject = join(buildDir, `${name}.o`);
  const driverObject = join(buildDir, 'driver.o');
  const binary = join(buildDir, 'driver');
  // -fno-rtti/-fno-exceptions are C++-only; the sanitizer runtime needs RTTI for -fsanitize=vptr, which is off then.
  await run('g++', [...STRICT_CXX_FLAGS, ...optimise, ...sanitize, '-c', join(packageDir, `${name}.cpp`), '-o', cppObject], { maxBuffer: 1 << 24 });
  await run('gcc', [...STRICT_C_FLAGS, ...optimise, ...sanitize, '-I', packageDir, '-c', driverSource, '-o', driverObject], { maxBuffer: 1 << 24 });
  await run('g++', [...optimise, ...sanitize, driverObject, cppObject, '-o', binary], { maxBuffer: 1 << 24 });
  return { binary, buildDir };
}

/** Builds and runs templates/cpp-api-check.cpp.tpl (the C++ API) on one clip; returns its "label k word" line. */
export async function checkCppApi(packageDir: string, name: string, clip: Float32Array): Promise<string> {
  const buildDir = await mkdtemp(join(tmpdir(), 'sedge-cpp-api-'));
  const source = join(buildDir, 'check.cpp');
  await writeFile(source, renderTemplate('cpp-api-check.cpp.tpl', name));
  const binary = join(buildDir, 'check');
  await run('g++', [...STRICT_CXX_FLAGS, '-O2', '-I', packageDir, source, join(packageDir, `${name}.cpp`), '-o', binary], { maxBuffer: 1 << 24 });
  const input = join(buildDir, 'clip.f32');
  await writeFile(input, new Uint8Array(clip.buffer, clip.byteOffset, clip.byteLength));
  const { stdout } = await run(binary, [input]);
  return stdout.trim();
}

export interface HostRunResult {
  /** One Float32Array of logits per clip. */
  logits: Float32Array[];
  /** Mid-stream logits: [clip, samples pushed so far, logits]. */
  probes: Array<{ clip: number; samples: number; logits: Float32Array }>;
  stderr: string;
}

/** chunk = 0: classify(); otherwise reset + push(chunk) + logits. */
export async function runHostDriver(build: HostBuild, clips: readonly Float32Array[], chunk: number, probeEvery = 0): Promise<HostRunResult> {
  const input = join(build.buildDir, `clips-${process.pid}-${Date.now()}.f32`);
  await writeFile(input, concatClips(clips));
  const { stdout, stderr } = await run(build.binary, ['run', input, String(clips.length), String(chunk), String(probeEvery)], { maxBuffer: 1 << 26 });
  const logits: Float32Array[] = [];
  const probes: HostRunResult['probes'] = [];
  for (const line of stdout.trim().split('\n')) {
    const [tag, at, ...hex] = line.trim().split(/\s+/);
    const values = floatsFromHex(hex);
    if (tag === 'clip') logits.push(values);
    else probes.push({ clip: logits.length, samples: Number(at), logits: values });
  }
  return { logits, probes, stderr };
}

export async function benchHostDriver(build: HostBuild, clips: readonly Float32Array[], repeat: number): Promise<{ clipsPerSecond: number; seconds: number }> {
  const input = join(build.buildDir, `bench-${process.pid}.f32`);
  await writeFile(input, concatClips(clips));
  const { stdout } = await run(build.binary, ['bench', input, String(clips.length), String(repeat)]);
  const match = /seconds ([\d.]+) clips_per_s ([\d.]+)/.exec(stdout);
  if (!match) throw new Error(`unexpected bench output: ${stdout}`);
  return { seconds: Number(match[1]), clipsPerSecond: Number(match[2]) };
}

export function floatsFromHex(words: readonly string[]): Float32Array {
  const bits = Uint32Array.from(words, (w) => parseInt(w, 16));
  return new Float32Array(bits.buffer);
}

export function renderTemplate(template: string, name: string): string {
  const text = readFileSync(join(assetDir('templates'), template), 'utf8');
  return text.replaceAll('{{NAME}}', name).replaceAll('{{UPPER}}', name.toUpperCase());
}

function concatClips(clips: readonly Float32Array[]): Uint8Array {
  const n = clips.reduce((s, c) => s + c.length, 0);
  const all = new Float32Array(n);
  let at = 0;
  for (const c of clips) {
    all.set(c, at);
    at += c.length;
  }
  return new Uint8Array(all.buffer);
}
