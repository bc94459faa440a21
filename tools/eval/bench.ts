/**
 * Evaluation throughput: clips per second through the Predictor (one Network per thread, whole
 * clips through net.logits) for Tiny at a few step-scale lists, with 1 and N threads, on random
 * clips (speed does not depend on the audio or the weights). Also the sweep estimate: the time of
 * all 309 Tiny lists up to 33 on a 2800-clip split, from a least-squares fit ms/clip = a + b·MFLOP.
 *
 * Run: npx tsx tools/eval/bench.ts [clips=400] [threads=availableParallelism]
 */
import { availableParallelism } from 'node:os';
import { SHAPES } from '../../src/model/shapes.js';
import { flopsPerSecond } from '../../src/model/stats.js';
import { syntheticModel } from '../../src/model/synthetic.js';
import { stepScaleChains } from './chains.js';
import { createPredictor } from './predict.js';

const clips = Number(process.argv[2] ?? 400);
const threads = Number(process.argv[3] ?? availableParallelism());
const x = new Float32Array(new SharedArrayBuffer(clips * 16000 * 4));
let seed = 1;
for (let i = 0; i < x.length; i++) {
  seed = (seed * 1103515245 + 12345) >>> 0;
  x[i] = (seed / 2 ** 32 - 0.5) * 0.2;
}
const lists = [[1, 1, 1], [1, 2, 6], [1, 9, 27], [2, 8, 32]];
const mflops = (list: number[]) => flopsPerSecond(syntheticModel(SHAPES.tiny, list)).lower / 1e6;
const fit: [number, number][] = []; // (MFLOP, ms/clip) with the most threads
for (const jobs of [...new Set([1, threads])]) {
  const predictor = await createPredictor(x, 16000, { jobs });
  await predictor.predict(syntheticModel(SHAPES.tiny, [4, 4, 4])); // warm-up: workers start, wasm compiles
  for (const list of lists) {
    const started = performance.now();
    await predictor.predict(syntheticModel(SHAPES.tiny, list));
    const seconds = (performance.now() - started) / 1000;
    if (jobs === threads) fit.push([mflops(list), (1000 * seconds) / clips]);
    console.log(`tiny [${list.join(',')}]`.padEnd(18) + `${mflops(list).toFixed(1).padStart(7)} MFLOP/s-audio  ${jobs} thread(s)  ` +
      `${(clips / seconds).toFixed(0).padStart(6)} clips/s  ${((1000 * seconds) / clips).toFixed(2).padStart(6)} ms/clip`);
  }
  await predictor.close();
}
const chains = stepScaleChains(3, 33);
const n = fit.length, mx = fit.reduce((a, [m]) => a + m, 0) / n, my = fit.reduce((a, [, t]) => a + t, 0) / n;
const b = fit.reduce((a, [m, t]) => a + (m - mx) * (t - my), 0) / fit.reduce((a, [m]) => a + (m - mx) ** 2, 0);
const a = my - b * mx;
const msPerClipAllLists = chains.reduce((sum, list) => sum + a + b * mflops(list), 0);
console.log(`fit: ${a.toFixed(2)} ms + ${(1000 * b).toFixed(1)} µs/MFLOP per clip; sweep of the ${chains.length} Tiny lists ≤ 33 on 2800 clips ≈ ` +
  `${((msPerClipAllLists * 2800) / 60000).toFixed(0)} min with ${threads} thread(s)`);
