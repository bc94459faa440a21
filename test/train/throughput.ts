/**
 * Training throughput: forward + backward (+ loss) of an S-Edge model in clips per second, on the
 * f32 wasm path, batch 16, 1-s clips at step scale 1, train mode. Not a test (timings are not
 * asserted); run it with
 *   npx tsx test/train/throughput.ts [tiny|small|large|full] [batch] [steps] [simd|scalar]
 * It prints wall-clock and process-CPU rates per step: on a shared machine the CPU rate is the
 * better estimate of what an idle machine gives. The first step includes growing the wasm memory.
 */
import { sedgeLoss } from '../../tools/autograd/loss.js';
import { createRng, normal } from '../../tools/autograd/random.js';
import { SEDGE_CONFIGS, SedgeModel } from '../../tools/train/model.js';

const config = (process.argv[2] ?? 'tiny') as keyof typeof SEDGE_CONFIGS;
const batch = Number(process.argv[3] ?? 16);
const steps = Number(process.argv[4] ?? 6);
const engine = (process.argv[5] ?? 'auto') as 'auto' | 'simd' | 'scalar';

const model = await SedgeModel.create(SEDGE_CONFIGS[config], { dtype: 'f32', engine });
const rng = createRng(1);
const clips = Array.from({ length: batch }, () => Float32Array.from({ length: 16000 }, () => normal(rng)));
const labels = clips.map((_, b) => b % 35);
const rates: number[] = [];
for (let step = 0; step < steps; step++) {
  const t0 = performance.now(), c0 = process.cpuUsage();
  const { loss } = sedgeLoss(model.forward(clips, { train: true }), labels, model.decoderWeight);
  const t1 = performance.now();
  model.zeroGrad();
  loss.backward();
  const t2 = performance.now(), cpu = process.cpuUsage(c0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  if (step > 0) rates.push(batch / (cpuMs / 1000));
  console.log(`${config} step ${step}: forward ${(t1 - t0).toFixed(0)} ms, backward ${(t2 - t1).toFixed(0)} ms, `
    + `${(batch / ((t2 - t0) / 1000)).toFixed(1)} clips/s wall, ${(batch / (cpuMs / 1000)).toFixed(1)} clips/s CPU`);
}
rates.sort((a, b) => a - b);
console.log(`median after the first step: ${rates[Math.floor(rates.length / 2)]?.toFixed(1)} clips/s (CPU time), device high water ${(model.device!.highWaterBytes / 2 ** 20).toFixed(0)} MiB`);
