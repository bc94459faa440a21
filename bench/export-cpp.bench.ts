/**
 * Emitted C++ on x86 vs the wasm SIMD engine, same model, same clip, same run. For every golden model:
 * the package is compiled with g++ -O3 -march=native (plus the package's -ffp-contract=off and the
 * strict warnings) into a small driver that times `classify()` over N clips by itself (no process
 * start-up in the number); the engine is timed with tinybench on `Network.logits(clip)`.
 * Prints clips/s for both and the ratio C++ / wasm.
 *
 * With --m4 it instead cross-compiles each package for the Cortex-M4F and counts the instructions that
 * streaming one clip takes under qemu -icount (SysTick at 25 MHz, 1 ns per instruction), next to the
 * Cpp-NN README's measured MCU seconds. Seconds at a clock assume one cycle per instruction: a lower
 * bound (FPU loads and multiply-adds stall), so read it as an order of magnitude.
 *   npx tsx bench/export-cpp.bench.ts [--time 1000] [--only tiny] [--json] [--m4 [--mhz 168]]
 */
import { readFileSync } from 'node:fs';
import { Bench } from 'tinybench';
import { Network } from '../src/engine/index.js';
import { modelFromModelDict } from '../src/model/model-dict.js';
import { parseNpy } from '../src/model/npy.js';
import { CPP_NN_README } from '../src/model/shapes.js';
import { flopsPerSecond } from '../src/model/stats.js';
import { buildM4Firmware, runOnQemu } from '../tools/export-cpp/m4.js';
import { matchShape } from '../tools/export-cpp/report.js';
import { emitCppPackage } from '../tools/export-cpp/emit.js';
import { benchHostDriver, buildHostDriver } from '../tools/export-cpp/host.js';
import { writePackageFolder } from '../tools/export-cpp/write.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const timeMs = Number(arg('time', '1000'));
const only = arg('only', '');
const json = process.argv.includes('--json');
const m4 = process.argv.includes('--m4');
const mhz = Number(arg('mhz', '168'));

const GOLDEN = new URL('../test/fixtures/golden/', import.meta.url);
const manifest = JSON.parse(readFileSync(new URL('manifest.json', GOLDEN), 'utf8')) as { exports: Array<{ name: string; files: { dict: string } }> };
const inputs = parseNpy(new Uint8Array(readFileSync(new URL('inputs.npy', GOLDEN))), 'inputs.npy');
const clip = (inputs.data as Float32Array).slice(0, 16000);
const work = mkdtempSync(join(tmpdir(), 'sedge-bench-cpp-'));
process.env.TMPDIR = work; // the harness's own build folders go here too
process.once('exit', () => rmSync(work, { recursive: true, force: true }));

const results = [];
for (const { name, files } of manifest.exports.filter((e) => e.name.startsWith(only))) {
  const model = modelFromModelDict(new Uint8Array(readFileSync(new URL(files.dict, GOLDEN))), { name: files.dict });
  const pkg = emitCppPackage(model, { name: 'bench_pkg', source: files.dict });
  const dir = join(work, name, pkg.name);
  await writePackageFolder(dir, pkg.files);
  if (m4) {
    const firmware = await buildM4Firmware(dir, pkg.name, clip, { chunks: [160] });
    const qemu = await runOnQemu(firmware.elf, { icount: true });
    const flops = flopsPerSecond(model).lower;
    const shape = matchShape(model);
    const readme = CPP_NN_README.find((r) => r.shape === shape && r.stepScales.join() === model.layers.map((l) => l.stepScale).join());
    const instructions = qemu.instructions.get(160) as number;
    const row = {
      model: name,
      mflopPerClip: flops / 1e6,
      instructionsPerClip: instructions,
      instructionsPerFlop: instructions / flops,
      secondsAtOneIpc: instructions / (mhz * 1e6),
      cppnnMcuSeconds: readme?.mcuSeconds ?? null,
      flashBytes: firmware.packageSizes.flashBytes,
      ramBytes: firmware.packageSizes.ramBytes,
    };
    results.push(row);
    if (!json) {
      console.log(`${name.padEnd(24)} ${row.mflopPerClip.toFixed(1).padStart(8)} MFLOP  ${(row.instructionsPerClip / 1e6).toFixed(1).padStart(8)} M instructions (${row.instructionsPerFlop.toFixed(2)}/FLOP)  ≥ ${row.secondsAtOneIpc.toFixed(3)} s at ${mhz} MHz  Cpp-NN measured ${row.cppnnMcuSeconds ?? 'n/a'} s  flash ${row.flashBytes} B  RAM ${row.ramBytes} B`);
    }
    continue;
  }
  const build = await buildHostDriver(dir, pkg.name, { optimise: ['-O3', '-march=native'] });

  // C++: calibrate on one clip, then time about `timeMs` worth of clips inside the driver.
  const probe = await benchHostDriver(build, [clip], 1);
  const repeat = Math.max(3, Math.ceil(timeMs / 1000 / probe.seconds));
  const cpp = await benchHostDriver(build, [clip], repeat);

  const net = await Network.create(model, { engine: 'simd' });
  const bench = new Bench({ time: timeMs, warmup: true });
  bench.add('wasm simd', () => { net.logits(clip); });
  await bench.run();
  const result = bench.getTask('wasm simd')!.result;
  if (!('latency' in result)) throw new Error(`wasm simd: ${result.state}`);
  const wasmClipsPerSecond = 1000 / result.latency.p50!;
  net.dispose();

  const row = {
    model: name,
    mflopPerClip: flopsPerSecond(model).lower / 1e6,
    cppClipsPerSecond: cpp.clipsPerSecond,
    wasmSimdClipsPerSecond: wasmClipsPerSecond,
    cppOverWasm: cpp.clipsPerSecond / wasmClipsPerSecond,
    cppGflops: (cpp.clipsPerSecond * flopsPerSecond(model).lower) / 1e9,
  };
  results.push(row);
  if (!json) {
    console.log(`${name.padEnd(24)} ${row.mflopPerClip.toFixed(1).padStart(8)} MFLOP  C++ ${row.cppClipsPerSecond.toFixed(1).padStart(9)} clips/s (${row.cppGflops.toFixed(2)} GFLOP/s)  wasm SIMD ${row.wasmSimdClipsPerSecond.toFixed(1).padStart(9)} clips/s  C++/wasm ${row.cppOverWasm.toFixed(2)}`);
  }
}
if (json) console.log(JSON.stringify(results));
