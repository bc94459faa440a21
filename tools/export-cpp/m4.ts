/**
 * Cortex-M4F build of an exported package with Debian's gcc-arm-none-eabi + newlib (nano), its sizes
 * from arm-none-eabi-size, and a run under qemu-system-arm (mps2-an386, a Cortex-M4 board) that feeds
 * one clip and prints the logits over semihosting. The startup code, linker script and semihosting
 * calls are in ./m4/ (written for this project; no vendor code).
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { assetDir } from './assets.js';
import { floatLiteral } from './format.js';
import { FP_FLAGS, floatsFromHex } from './host.js';

const run = promisify(execFile);

export const M4_TARGET_FLAGS = ['-mcpu=cortex-m4', '-mthumb', '-mfpu=fpv4-sp-d16', '-mfloat-abi=hard'];
const COMMON = ['-O2', '-Wall', '-Wextra', '-Werror', '-Wdouble-promotion', '-ffunction-sections', '-fdata-sections', ...FP_FLAGS];
export const M4_CXX_FLAGS = ['-std=c++17', ...COMMON, '-fno-exceptions', '-fno-rtti', '-fno-threadsafe-statics'];
const M4_C_FLAGS = ['-std=c11', ...COMMON];

/** Bytes by where they live on the chip. */
export interface SectionSizes {
  /** Code + read-only data (weights): flash. */
  flashBytes: number;
  /** Zero-initialised and initialised data: RAM (the arena). .data also costs flash. */
  ramBytes: number;
  text: number;
  rodata: number;
  data: number;
  bss: number;
}

export interface M4Build {
  elf: string;
  buildDir: string;
  /** The package object alone (NAME.cpp), as arm-none-eabi-size -A reports it. */
  packageSizes: SectionSizes;
  /** The linked firmware (package + startup + the clip in flash + semihosting), after --gc-sections. */
  firmwareSizes: SectionSizes;
  /** arm-none-eabi-size (Berkeley format) of the firmware, as printed. */
  sizeReport: string;
}

export interface M4BuildOptions {
  /** Chunk sizes to stream the clip with, one pass each (default [160]). */
  chunks?: number[];
  buildDir?: string;
}

export async function buildM4Firmware(packageDir: string, name: string, clip: Float32Array, options: M4BuildOptions = {}): Promise<M4Build> {
  const buildDir = options.buildDir ?? (await mkdtemp(join(tmpdir(), 'sedge-cpp-m4-')));
  const chunks = options.chunks ?? [160];
  if (chunks.length === 0 || chunks.some((c) => !Number.isInteger(c) || c < 1)) throw new RangeError(`chunks must be positive integers, got [${chunks}]`);
  const M4_DIR = assetDir('m4');
  for (const file of ['startup.c', 'semihost.c', 'semihost.h', 'linker.ld']) await copyFile(join(M4_DIR, file), join(buildDir, file));
  const main = (await readFile(join(M4_DIR, 'main.c.tpl'), 'utf8')).replaceAll('{{NAME}}', name).replaceAll('{{UPPER}}', name.toUpperCase());
  await writeFile(join(buildDir, 'main.c'), main);
  await writeFile(join(buildDir, 'clip.h'), clipHeader(clip));

  const cc = (args: string[]) => run('arm-none-eabi-gcc', [...M4_TARGET_FLAGS, ...args], { maxBuffer: 1 << 24 });
  const packageObject = await compileM4Object(packageDir, name, buildDir);
  const objects = [packageObject];
  for (const source of ['main.c', 'startup.c', 'semihost.c']) {
    const object = join(buildDir, source.replace(/\.c$/, '.o'));
    await cc([...M4_C_FLAGS, `-DCHUNKS=${chunks.join(',')}`, '-I', packageDir, '-I', buildDir, '-c', join(buildDir, source), '-o', object]);
    objects.push(object);
  }
  const elf = join(buildDir, 'firmware.elf');
  await cc(['-T', join(buildDir, 'linker.ld'), '-nostartfiles', '--specs=nano.specs', '-Wl,--gc-sections', `-Wl,-Map=${join(buildDir, 'firmware.map')}`, ...objects, '-o', elf]);
  const { stdout: sizeReport } = await run('arm-none-eabi-size', [elf]);
  return { elf, buildDir, packageSizes: await sectionSizes(packageObject), firmwareSizes: await sectionSizes(elf), sizeReport };
}

/** Compiles NAME.cpp for the Cortex-M4F into buildDir/NAME.o (the flags of the firmware build). */
export async function compileM4Object(packageDir: string, name: string, buildDir: string): Promise<string> {
  const object = join(buildDir, `${name}.o`);
  await run('arm-none-eabi-g++', [...M4_TARGET_FLAGS, ...M4_CXX_FLAGS, '-c', join(packageDir, `${name}.cpp`), '-o', object], { maxBuffer: 1 << 24 });
  return object;
}

/** arm-none-eabi-size -A, grouped: .text → text, .rodata → rodata, .data → data, .bss and COMMON → bss (by prefix). */
export async function sectionSizes(file: string): Promise<SectionSizes> {
  const { stdout } = await run('arm-none-eabi-size', ['-A', file]);
  const sizes = { text: 0, rodata: 0, data: 0, bss: 0 };
  for (const line of stdout.split('\n')) {
    const match = /^(\.\S+)\s+(\d+)/.exec(line.trim());
    if (!match) continue;
    const [, section, bytes] = match;
    const n = Number(bytes);
    if (section.startsWith('.text') || section === '.isr_vector' || section.startsWith('.ARM') || section === '.init_array') sizes.text += n;
    else if (section.startsWith('.rodata')) sizes.rodata += n;
    else if (section.startsWith('.data')) sizes.data += n;
    else if (section.startsWith('.bss') || section === 'COMMON') sizes.bss += n;
  }
  return { ...sizes, flashBytes: sizes.text + sizes.rodata + sizes.data, ramBytes: sizes.data + sizes.bss };
}

export interface QemuRun {
  /** Per chunk size: the logits after streaming the clip with it. */
  logits: Map<number, Float32Array>;
  /** Per chunk size: SysTick ticks (25 MHz) spent streaming the clip; with `icount`, ≈ instructions / 40. */
  systickTicks: Map<number, number>;
  /** Per chunk size: instructions executed streaming the clip (only with `icount`, else empty). */
  instructions: Map<number, number>;
  pooledCount: number;
  classIndex: number;
  output: string;
  seconds: number;
}

/** mps2-an386's SysTick / CPU clock (qemu hw/arm/mps2.c SYSCLK_FRQ). */
const MPS2_SYSCLK_HZ = 25_000_000;

export interface QemuOptions {
  timeoutMs?: number;
  /** -icount shift=0: one instruction = 1 ns of virtual time, so SysTick counts instructions. */
  icount?: boolean;
}

/** Boots the firmware on qemu's mps2-an386 (Cortex-M4) with semihosting and parses what it prints. */
export async function runOnQemu(elf: string, options: QemuOptions = {}): Promise<QemuRun> {
  const start = process.hrtime.bigint();
  const { stdout, stderr } = await run(
    'qemu-system-arm',
    ['-M', 'mps2-an386', '-cpu', 'cortex-m4', '-nographic', '-monitor', 'none', '-serial', 'none',
      ...(options.icount ? ['-icount', 'shift=0'] : []),
      '-semihosting-config', 'enable=on,target=native', '-kernel', elf],
    { timeout: options.timeoutMs ?? 600_000, maxBuffer: 1 << 20 },
  );
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const output = stdout + stderr;
  const logits = new Map<number, Float32Array>();
  for (const [, chunk, hex] of output.matchAll(/^logits (\d+)((?: [0-9a-f]{8})+)$/gm)) logits.set(Number(chunk), floatsFromHex(hex.trim().split(' ')));
  const systickTicks = new Map<number, number>();
  for (const [, chunk, ticks] of output.matchAll(/^ticks (\d+) (\d+)$/gm)) systickTicks.set(Number(chunk), Number(ticks));
  const pooled = /^pooled (\d+)$/m.exec(output);
  const cls = /^class (\d+)$/m.exec(output);
  if (logits.size === 0 || !pooled || !cls) throw new Error(`qemu run printed no logits:\n${output}`);
  const instructions = new Map<number, number>();
  if (options.icount) for (const [chunk, ticks] of systickTicks) instructions.set(chunk, ticks * (1e9 / MPS2_SYSCLK_HZ));
  return { logits, systickTicks, instructions, pooledCount: Number(pooled[1]), classIndex: Number(cls[1]), output, seconds };
}

function clipHeader(clip: Float32Array): string {
  const items = Array.from(clip, floatLiteral);
  const lines: string[] = [];
  for (let k = 0; k < items.length; k += 8) lines.push(`  ${items.slice(k, k + 8).join(', ')},`);
  return `/* One input clip for the test firmware (flash). */\n#ifndef CLIP_H_\n#define CLIP_H_\nstatic const float kClip[${clip.length}] = {\n${lines.join('\n')}\n};\n#endif\n`;
}
