/**
 * `sedge bench`: whole-clip throughput per engine, as medians of repeated runs, with the effective
 * GFLOP/s (spec §8.3 op count ÷ time) and the real-time factor (compute time ÷ audio time).
 */
import { Network, simdSupported, type EngineKind } from '../../engine/index.js';
import type { Model } from '../../model/model.js';
import { CPP_NN_README, SHAPES } from '../../model/shapes.js';
import { flopsPerSecond } from '../../model/stats.js';
import { syntheticModel } from '../../model/synthetic.js';
import { loadModel } from '../load-model.js';

export interface BenchRow {
  model: string;
  stepScales: number[];
  engine: EngineKind;
  msPerClip: number;
  clipsPerSecond: number;
  gflops: number;
  realTimeFactor: number;
}

/** Median ms of fn over repeated runs filling about `budgetMs` (at least 5 runs, after a warm-up). */
export function medianMs(fn: () => void, budgetMs: number): number {
  fn();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < 5 || (performance.now() - start < budgetMs && times.length < 1000)) {
    const t = performance.now();
    fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

export async function benchModel(name: string, model: Model, engines: EngineKind[], budgetMs: number): Promise<BenchRow[]> {
  const clip = Float32Array.from({ length: model.clipSamples }, (_, i) => Math.sin(i * 0.05) + 0.3 * Math.sin(i * 1.7));
  const audioMs = (1000 * model.clipSamples) / model.sampleRateHz;
  const flops = flopsPerSecond(model).lower * (model.clipSamples / model.sampleRateHz);
  const rows: BenchRow[] = [];
  for (const engine of engines) {
    const net = await Network.create(model, { engine });
    const ms = medianMs(() => net.logits(clip), budgetMs);
    net.dispose();
    rows.push({
      model: name, stepScales: model.layers.map((l) => l.stepScale), engine,
      msPerClip: ms, clipsPerSecond: 1000 / ms, gflops: flops / ms / 1e6, realTimeFactor: ms / audioMs,
    });
  }
  return rows;
}

export async function runBench(opts: { model?: string; time: number; json?: boolean }): Promise<void> {
  const engines: EngineKind[] = simdSupported() ? ['simd', 'scalar'] : ['scalar'];
  const models: [string, Model][] = opts.model
    ? [[opts.model, await loadModel(opts.model)]]
    : CPP_NN_README.filter((row, i, all) => all.findIndex((r) => r.shape === row.shape && `${r.stepScales}` === `${row.stepScales}`) === i)
      .map((row) => [row.shape, syntheticModel(SHAPES[row.shape], row.stepScales)]);
  const rows: BenchRow[] = [];
  for (const [name, model] of models) {
    const result = await benchModel(name, model, engines, opts.time);
    rows.push(...result);
    if (!opts.json) for (const r of result) console.log(formatRow(r));
  }
  if (opts.json) console.log(JSON.stringify(rows));
}

const formatRow = (r: BenchRow) =>
  `${r.model.padEnd(6)} [${r.stepScales.join(',')}]`.padEnd(28) +
  `${r.engine.padEnd(7)} ${r.msPerClip.toFixed(3).padStart(9)} ms/clip  ${r.clipsPerSecond.toFixed(1).padStart(8)} clips/s  ` +
  `${r.gflops.toFixed(2).padStart(6)} GFLOP/s  RTF ${r.realTimeFactor.toFixed(5)}`;
