/**
 * Cortex-M4F: every golden package cross-compiled with arm-none-eabi-g++ (-mcpu=cortex-m4 -mthumb
 * -mfpu=fpv4-sp-d16 -mfloat-abi=hard, newlib nano, our startup and a 1 MiB flash / 128 KiB RAM linker
 * script) and run on qemu's mps2-an386 with semihosting, streaming golden clip 0 in chunks of 1 and of
 * 160 samples. Its logits equal the wasm engine's within CPP_VS_ENGINE_REL and the x86 build's bit for bit. The arena in .bss is the planned size and within Cpp-NN's permanent + temp memory.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Network } from '../../src/engine/index.js';
import { CPP_NN_SIZES, SHAPES } from '../../src/model/shapes.js';
import { buildHostDriver, runHostDriver } from '../../tools/export-cpp/host.js';
import { buildM4Firmware, runOnQemu } from '../../tools/export-cpp/m4.js';
import { GOLDEN_EXPORTS, loadGoldenInputs, loadGoldenModel } from '../helpers/golden.js';
import { CPP_VS_ENGINE_REL, emitToTemp, hasTool, relativeError, removeTempRoot } from './helpers.js';

afterAll(removeTempRoot);

const haveArm = hasTool('arm-none-eabi-g++') && hasTool('arm-none-eabi-size');
const haveQemu = hasTool('qemu-system-arm');
if (!haveArm || !haveQemu) {
  console.warn(
    `export-cpp M4 tests SKIPPED: ${!haveArm ? 'arm-none-eabi-g++ (Debian gcc-arm-none-eabi + libnewlib-arm-none-eabi)' : ''}` +
      `${!haveArm && !haveQemu ? ' and ' : ''}${!haveQemu ? 'qemu-system-arm (Debian qemu-system-arm)' : ''} not installed; .ci/run installs them`,
  );
}

const clip = loadGoldenInputs()[0];
const CHUNKS = [1, 160];
const cases = GOLDEN_EXPORTS.map((e) => [e.name, e.config === 'tinyrzoh' ? 'tiny' : e.config] as const);

describe.skipIf(!haveArm || !haveQemu)('export-cpp on an emulated Cortex-M4 (qemu mps2-an386)', () => {
  it.each(cases)('%s (%s shape), chunks of 1 and 160: qemu logits = wasm engine = x86 build', async (name, config) => {
    const model = loadGoldenModel(name);
    const { dir, pkg } = await emitToTemp(model, { name: `g_${name.replace(/-/g, '_')}` });
    const firmware = await buildM4Firmware(dir, pkg.name, clip, { chunks: CHUNKS });

    // RAM: the package's only writable memory is the arena, and it is the planned size.
    expect(firmware.packageSizes.data).toBe(0);
    expect(firmware.packageSizes.bss).toBe(pkg.plan.arenaBytes);
    const cppnn = CPP_NN_SIZES[config as keyof typeof SHAPES];
    expect(firmware.packageSizes.bss).toBeLessThanOrEqual(cppnn.permanentBytes + cppnn.tempBytes);
    // Flash: weights + code; the weights are exactly the planned arrays.
    expect(firmware.packageSizes.rodata).toBeGreaterThanOrEqual(pkg.weights.weightBytes);

    const qemu = await runOnQemu(firmware.elf);
    expect(qemu.pooledCount).toBe(pkg.plan.ticksPerClip);

    const net = await Network.create(model, { engine: 'simd' });
    const engine = net.logits(clip);
    net.dispose();
    expect(qemu.classIndex).toBe(engine.indexOf(Math.max(...engine)));
    const hostBuild = await buildHostDriver(dir, pkg.name);
    for (const chunk of CHUNKS) {
      const logits = qemu.logits.get(chunk) as Float32Array;
      expect(relativeError(logits, engine)).toBeLessThan(CPP_VS_ENGINE_REL);
      const host = await runHostDriver(hostBuild, [clip], chunk);
      expect(Array.from(logits)).toEqual(Array.from(host.logits[0]));
    }
  }, 600_000);

  it('tiny_1-9-54 with --int8: qemu logits = x86 build, bit for bit', async () => {
    const { dir, pkg } = await emitToTemp(loadGoldenModel('tiny_1-9-54'), { name: 'q_m4', int8: true });
    const firmware = await buildM4Firmware(dir, pkg.name, clip, { chunks: [160] });
    const qemu = await runOnQemu(firmware.elf);
    const host = await runHostDriver(await buildHostDriver(dir, pkg.name), [clip], 160);
    expect(Array.from(qemu.logits.get(160) as Float32Array)).toEqual(Array.from(host.logits[0]));
  }, 600_000);
});
