/**
 * The engine benchmark behind the README table: every Cpp-NN README configuration (random weights:
 * speed does not depend on their values), one 1-s clip, single thread. For each: the SIMD build
 * whole-clip, the scalar build whole-clip (the in-process baseline), and SIMD streaming in 160-sample
 * (10 ms) chunks. Medians of tinybench samples. Run: npm run bench [-- --time 500] [-- --json]
 */
import { cpus } from 'node:os';
import { Bench } from 'tinybench';
import { Network } from '../src/engine/index.js';
import { CPP_NN_README, SHAPES } from '../src/model/shapes.js';
import { flopsPerSecond } from '../src/model/stats.js';
import { syntheticModel } from '../src/model/synthetic.js';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const timeMs = Number(arg('time', '1000'));
const json = process.argv.includes('--json');
const only = arg('only', '');

const seen = new Set<string>();
const configs = CPP_NN_README.filter((r) => {
  const key = `${r.shape} ${r.stepScales}`;
  if (seen.has(key) || (only && !key.startsWith(only))) return false;
  seen.add(key);
  return true;
});

const clip = Float32Array.from({ length: 16000 }, (_, i) => Math.sin(i * 0.05) + 0.3 * Math.sin(i * 1.7));
const results = [];
for (const config of configs) {
  const model = syntheticModel(SHAPES[config.shape], config.stepScales);
  const gflop = flopsPerSecond(model).lower / 1e9;
  const simd = await Network.create(model, { engine: 'simd' });
  const scalar = await Network.create(model, { engine: 'scalar' });
  const stream = simd.stream();
  const bench = new Bench({ time: timeMs, warmup: true });
  bench
    .add('simd batch', () => { simd.logits(clip); })
    .add('scalar batch', () => { scalar.logits(clip); })
    .add('simd stream 160', () => {
      stream.reset();
      for (let i = 0; i < clip.length; i += 160) stream.push(clip.subarray(i, i + 160));
      stream.logits();
    });
  await bench.run();
  const median = (name: string) => {
    const r = bench.getTask(name)!.result;
    if (!('latency' in r)) throw new Error(`${name}: ${r.state}`);
    return r.latency.p50!;
  };
  const [batchMs, scalarMs, streamMs] = ['simd batch', 'scalar batch', 'simd stream 160'].map(median);
  const row = {
    model: config.shape, stepScales: config.stepScales, mflop: gflop * 1e3, cppNnMflop: config.mflop,
    simdMs: batchMs, scalarMs, stream160Ms: streamMs,
    simdGflops: gflop / (batchMs / 1e3), simdOverScalar: scalarMs / batchMs, streamOverBatch: batchMs / streamMs,
    realTimeFactor: batchMs / 1000, stream160RealTimeFactor: streamMs / 1000,
  };
  results.push(row);
  if (!json) console.error(`${config.shape} [${config.stepScales}] done: ${batchMs.toFixed(2)} ms`);
}

if (json) {
  console.log(JSON.stringify({ cpu: cpus()[0]?.model, node: process.version, results }, null, 1));
} else {
  console.log(`\nMachine: ${cpus()[0]?.model} (${cpus().length} cores), Node ${process.version}, one thread, 1-s clip, medians\n`);
  console.log('| model | step scales | MFLOP/s-audio | SIMD ms/clip | GFLOP/s | scalar ms/clip | SIMD/scalar | stream 160 ms/clip | stream/batch throughput | RTF (SIMD) |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    console.log(`| ${r.model} | [${r.stepScales.join(',')}] | ${r.mflop.toFixed(2)} | ${r.simdMs.toFixed(3)} | ${r.simdGflops.toFixed(1)} | ${r.scalarMs.toFixed(3)} | ${r.simdOverScalar.toFixed(2)}× | ${r.stream160Ms.toFixed(3)} | ${r.streamOverBatch.toFixed(2)} | ${r.realTimeFactor.toExponential(2)} |`);
  }
}
