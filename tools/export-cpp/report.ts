/**
 * `export-cpp --report`: what the package costs on a Cortex-M4 next to the authors' Cpp-NN numbers
 * (README table, spec §6.2, §4.3): flash (weights exactly; code measured with arm-none-eabi-g++ when
 * it is installed), RAM (permanent + scratch, exact), FLOPs per second of audio (spec §8.3) and the
 * real-time factor at a given MFLOP/s (the authors measured 42–52 MFLOP/s on their Cortex-M4F).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Model } from '../../src/model/model.js';
import { CPP_NN_README, CPP_NN_SIZES, SHAPES, type ShapeName } from '../../src/model/shapes.js';
import { flopsPerSecond, memoryBytes } from '../../src/model/stats.js';
import type { CppPackage } from './emit.js';
import { compileM4Object, sectionSizes, type SectionSizes } from './m4.js';
import { writePackageFolder } from './write.js';

/** The authors' measured Cortex-M4F throughput range (Cpp-NN README "Speed" column, spec §6.2). */
export const CPP_NN_MFLOPS_RANGE = [42, 52] as const;

export interface TargetReport {
  name: string;
  stepScales: number[];
  int8: boolean;
  poolKahan: boolean;
  /** The published configuration with the same P, H and skip kind, if any. */
  shape: ShapeName | null;
  flash: {
    weightBytes: number;
    /** .text + .rodata + .data of NAME.o for the M4 (null when arm-none-eabi-g++ is missing). */
    packageBytes: number | null;
    codeBytes: number | null;
    cppnnSizeofBytes: number | null;
  };
  ram: {
    permanentBytes: number;
    scratchBytes: number;
    totalBytes: number;
    /** .bss of NAME.o for the M4 (null when not measured): must equal totalBytes. */
    measuredBytes: number | null;
    cppnn: { permanentBytes: number; tempBytes: number; totalBytes: number; source: 'README' | 'formula (spec §4.3)' };
  };
  flops: { perSecondOfAudio: number; upperPerSecondOfAudio: number; cppnnReadmeMflop: number | null };
  realTime: Array<{ mflopsPerSecond: number; secondsPerSecondOfAudio: number }>;
  /** Cpp-NN README "MCU Time" for a 1 s clip with the same shape and step scales. */
  cppnnMcuSecondsPerSecondOfAudio: number | null;
}

export interface ReportOptions {
  /** MFLOP/s to estimate the real-time factor at (default: 42 and 52). */
  mflops?: readonly number[];
  /** Compile the package with arm-none-eabi-g++ to measure code bytes (default: true; skipped if absent). */
  measure?: boolean;
}

export async function targetReport(pkg: CppPackage, model: Model, options: ReportOptions = {}): Promise<TargetReport> {
  const { plan, weights } = pkg;
  const shape = matchShape(model);
  const measured = options.measure === false ? null : await measureM4(pkg);
  const formula = memoryBytes(model);
  const cppnnMemory = shape
    ? { permanentBytes: CPP_NN_SIZES[shape].permanentBytes, tempBytes: CPP_NN_SIZES[shape].tempBytes, source: 'README' as const }
    : { permanentBytes: formula.permanentBytes, tempBytes: formula.bufferBytes, source: 'formula (spec §4.3)' as const };
  const flops = flopsPerSecond(model);
  const row = shape ? CPP_NN_README.find((r) => r.shape === shape && sameList(r.stepScales, plan.stepScales)) : undefined;
  return {
    name: pkg.name,
    stepScales: plan.stepScales,
    int8: pkg.int8,
    poolKahan: plan.poolKahan,
    shape,
    flash: {
      weightBytes: weights.weightBytes,
      packageBytes: measured?.flashBytes ?? null,
      codeBytes: measured ? measured.text : null,
      cppnnSizeofBytes: shape ? CPP_NN_SIZES[shape].sizeofBytes : null,
    },
    ram: {
      permanentBytes: plan.permanentBytes,
      scratchBytes: plan.scratchBytes,
      totalBytes: plan.arenaBytes,
      measuredBytes: measured ? measured.ramBytes : null,
      cppnn: { ...cppnnMemory, totalBytes: cppnnMemory.permanentBytes + cppnnMemory.tempBytes },
    },
    flops: { perSecondOfAudio: flops.lower, upperPerSecondOfAudio: flops.upper, cppnnReadmeMflop: row?.mflop ?? null },
    realTime: (options.mflops ?? CPP_NN_MFLOPS_RANGE).map((m) => ({ mflopsPerSecond: m, secondsPerSecondOfAudio: flops.lower / (m * 1e6) })),
    cppnnMcuSecondsPerSecondOfAudio: row?.mcuSeconds ?? null,
  };
}

export function formatTargetReport(r: TargetReport): string {
  const kb = (n: number) => `${n} B (${(n / 1024).toFixed(1)} KiB)`;
  const row = (label: string, ours: number | string, cppnn: number | string | null, note = '') =>
    `${label.padEnd(32)}${String(ours).padEnd(16)}${String(cppnn ?? 'n/a').padEnd(12)}${note}`.trimEnd();
  const lines = [
    `${r.name}: Cortex-M4F report, step scales [${r.stepScales.join(', ')}]${r.int8 ? ', int8 weights' : ''}${r.poolKahan ? ', Kahan pool' : ''}`,
    `Cpp-NN reference: ${r.shape ? `S-Edge ${r.shape} (README table)` : 'no published shape matches; Cpp-NN memory from the spec §4.3 formula'}`,
    '',
    row('', 'this package', 'Cpp-NN'),
    row('flash: weights (bytes)', r.flash.weightBytes, r.flash.cppnnSizeofBytes, 'Cpp-NN: sizeof(network), weights + padding'),
    row('flash: package for M4 (bytes)', r.flash.packageBytes ?? 'not measured', null, r.flash.packageBytes === null ? 'arm-none-eabi-g++ not found' : `code ${r.flash.codeBytes} + read-only data (weights, labels)`),
    row('RAM: permanent (bytes)', r.ram.permanentBytes, r.ram.cppnn.permanentBytes),
    row('RAM: scratch (bytes)', r.ram.scratchBytes, r.ram.cppnn.tempBytes),
    row('RAM: total (bytes)', r.ram.totalBytes, r.ram.cppnn.totalBytes, r.ram.measuredBytes !== null ? `M4 .bss measured: ${r.ram.measuredBytes}` : ''),
    row('MFLOP per second of audio', (r.flops.perSecondOfAudio / 1e6).toFixed(2), r.flops.cppnnReadmeMflop, `spec §8.3; ≤ ${(r.flops.upperPerSecondOfAudio / 1e6).toFixed(2)} counting LeakyReLU multiplies`),
    ...r.realTime.map((t, n) => row(`real-time factor @ ${t.mflopsPerSecond} MFLOP/s`, t.secondsPerSecondOfAudio.toFixed(3),
      n === 0 ? r.cppnnMcuSecondsPerSecondOfAudio : null, n === 0 && r.cppnnMcuSecondsPerSecondOfAudio !== null ? 'Cpp-NN: measured on their Cortex-M4F' : '')),
    '',
    `real-time factor = seconds of compute per second of audio (< 1 keeps up with a live stream).`,
    `RAM ${kb(r.ram.totalBytes)}.`,
  ];
  return lines.join('\n');
}

export function matchShape(model: Model): ShapeName | null {
  for (const [name, shape] of Object.entries(SHAPES) as Array<[ShapeName, (typeof SHAPES)[ShapeName]]>) {
    const identity = model.layers.every((l) => l.skip === null);
    const trainable = model.layers.every((l) => l.skip !== null);
    if (sameList(model.layers.map((l) => l.stateSize), shape.P) && sameList(model.layers.map((l) => l.outputSize), shape.H)
      && (shape.identitySkip ? identity : trainable)) return name;
  }
  return null;
}

async function measureM4(pkg: CppPackage): Promise<SectionSizes | null> {
  const dir = await mkdtemp(join(tmpdir(), 'sedge-cpp-report-'));
  try {
    const packageDir = join(dir, pkg.name);
    await writePackageFolder(packageDir, pkg.files);
    const object = await compileM4Object(packageDir, pkg.name, dir);
    return await sectionSizes(object);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null; // no arm-none-eabi-g++
    throw error;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function sameList(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, k) => v === b[k]);
}
