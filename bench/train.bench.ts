/**
 * Training throughput: Tiny (or --config), batch 16, one-second clips at 16 kHz, train mode with
 * RZOH and weak augmentation as in the real run. Forward + backward + gradient sum + AdamW.
 *
 *   1. in-process, one thread: clips/s, and where the time goes (a V8 CPU profile: self time in wasm
 *      functions vs JS vs GC), so we know what bounds it
 *   2. the worker pool (tools/train/parallel.ts) with 1 and 2 workers: clips/s wall, and per worker
 *      the time in augmentation, forward, backward and waiting at the BatchNorm all-reduces
 *   3. if the config names a `teacher` (distillation, config.ts): the pool again with that teacher as
 *      the run would load it (its step scales, weight, temperature), in the same process as the pool
 *      without it; its forward counts as augmentation
 *
 * Machines are shared: the report prints the load average, and CPU seconds next to wall seconds.
 * Run: npx tsx bench/train.bench.ts [--config tiny|FILE.yaml] [--steps 12] [--workers 1,2] [--json]
 * (a FILE.yaml with `train_step_scales: [1, 2, 6]` times training at coarser step scales)
 */
import { cpus, loadavg } from 'node:os';
import { Session } from 'node:inspector/promises';
import { decoderOrthogonality } from '../tools/autograd/loss.js';
import { WEAK } from '../tools/data/augment.js';
import { Rng } from '../tools/data/prng.js';
import { CLIP_SAMPLES } from '../tools/data/speech-commands.js';
import { modelConfigOf, resolveConfig } from '../tools/train/config.js';
import { loadTeacher } from '../tools/train/train.js';
import { SedgeModel } from '../tools/train/model.js';
import { AdamW, sedgeParamGroups } from '../tools/train/optim.js';
import { Replica, sharedSplit, sharedState, TrainerPool, writeBatchNorm, writeParams, type ReplicaOptions, type SharedSplit } from '../tools/train/parallel.js';
import { rzohPeriod } from '../tools/autograd/sequence.js';
import { simdWasm } from '../src/engine/generated/kernels.js';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const config = resolveConfig(arg('config', 'tiny'));
const steps = Number(arg('steps', '12'));
const warmup = 2;
const workerCounts = arg('workers', '1,2').split(',').map(Number);
const json = process.argv.includes('--json');
const BATCH = config.batchSize;
const { teacher } = loadTeacher(config, undefined);
const teacherName = config.distill ? `${config.distill.teacher}${config.distill.stepScales ? ` at ${JSON.stringify(config.distill.stepScales)}` : ''}` : null;

// Synthetic "speech": a few decaying chirps per clip, plus noise; labels cycle.
function syntheticSplit(clips: number): SharedSplit {
  const s = sharedSplit(clips);
  for (let c = 0; c < clips; c++) {
    const rng = new Rng(c + 1);
    const f = 0.02 + 0.2 * rng.next();
    for (let i = 0; i < CLIP_SAMPLES; i++) {
      const env = Math.exp(-(((i - 8000) / 3000) ** 2));
      s.x[c * CLIP_SAMPLES + i] = 0.2 * env * Math.sin(f * i + 1e-6 * i * i) + 0.01 * rng.normal();
    }
    s.labels[c] = c % config.labels.length;
  }
  return s;
}

const train = syntheticSplit(4 * BATCH);
const replicaOptions: ReplicaOptions = {
  model: modelConfigOf(config), seed: 1, inputMean: 0, inputStd: 0.05, augment: WEAK, background: [], splits: { train },
  stepScales: config.trainStepScales,
};
const rzoh = config.rzoh;
const periodsAt = (step: number) => (rzoh.length ? rzoh.map((p, j) => rzohPeriod(p, () => Rng.derive(1, 'rzoh', step, j).next())) : null);
const batchAt = (step: number) => Int32Array.from({ length: BATCH }, (_, k) => (step * BATCH + k) % (4 * BATCH));

const cpuSeconds = (from: NodeJS.CpuUsage) => {
  const u = process.cpuUsage(from);
  return (u.user + u.system) / 1e6;
};

// ── 1. one thread, in-process, profiled ──
async function singleThread() {
  const replica = await Replica.create(replicaOptions);
  const master = await SedgeModel.create(replicaOptions.model, { dtype: 'f32', engine: false, seed: 1 });
  const state = sharedState(replica.layout);
  const optimizer = new AdamW(sedgeParamGroups(master.parameters(), config.learningRate, config.weightDecay));
  const grads = new Float32Array(replica.layout.paramCount);
  const runStep = (step: number) => {
    master.projectEigenvalues();
    writeParams(master, replica.layout, state.params);
    writeBatchNorm(master, replica.layout, state);
    const stats = replica.trainStep({ step, epoch: 0, clips: batchAt(step), batchClips: BATCH, periods: periodsAt(step) }, state);
    replica.writeGrads(grads);
    replica.model.zeroGrad();
    master.parameters().forEach(({ tensor }, i) => {
      const p = replica.layout.params[i];
      tensor.gradBuffer().set(grads.subarray(p.offset, p.offset + p.size));
    });
    decoderOrthogonality(master.decoderWeight).backward();
    optimizer.step();
    optimizer.zeroGrad();
    return stats;
  };
  for (let s = 0; s < warmup; s++) runStep(s);
  // Timed without the profiler (sampling slows the JS parts), then the same steps again profiled.
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const parts = { prepareMs: 0, forwardMs: 0, backwardMs: 0 };
  for (let s = warmup; s < warmup + steps; s++) {
    const st = runStep(s);
    parts.prepareMs += st.prepareMs;
    parts.forwardMs += st.forwardMs;
    parts.backwardMs += st.backwardMs;
  }
  const wall = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds(cpu0);
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 1000 });
  await session.post('Profiler.start');
  for (let s = warmup; s < warmup + steps; s++) runStep(s);
  const { profile } = await session.post('Profiler.stop');
  session.disconnect();
  return { clipsPerSecond: (steps * BATCH) / wall, clipsPerCpuSecond: (steps * BATCH) / cpu, wallSeconds: wall, split: timeSplit(profile), parts };
}

/** Function index → export name of the kernel module (V8 profiles name wasm functions by index only). */
function wasmExportNames(base64: string): Map<number, string> {
  const bytes = new Uint8Array(Buffer.from(base64, 'base64'));
  let at = 8;
  const leb = () => {
    let result = 0, shift = 0, b: number;
    do { b = bytes[at++]; result |= (b & 0x7f) << shift; shift += 7; } while (b & 0x80);
    return result >>> 0;
  };
  const name = () => { const n = leb(); const s = new TextDecoder().decode(bytes.subarray(at, at + n)); at += n; return s; };
  const names = new Map<number, string>();
  while (at < bytes.length) {
    const id = bytes[at++], size = leb(), end = at + size;
    if (id === 7) {
      for (let count = leb(), k = 0; k < count; k++) {
        const field = name(), kind = bytes[at++], index = leb();
        if (kind === 0) names.set(index, field);
      }
    }
    at = end;
  }
  return names;
}
const kernelNames = wasmExportNames(simdWasm);

interface ProfileNode { id: number; callFrame: { functionName: string; url: string }; }
/** Self time by kind, from the sampled profile. */
function timeSplit(profile: { nodes: ProfileNode[]; samples?: number[]; timeDeltas?: number[] }) {
  const kind = new Map<number, string>();
  const top = new Map<string, number>();
  for (const n of profile.nodes) {
    const { functionName, url } = n.callFrame;
    kind.set(n.id, url.startsWith('wasm://') || functionName.startsWith('$') || /^js-to-wasm|^wasm-to-js/.test(functionName) ? 'wasm'
      : functionName === '(garbage collector)' ? 'gc'
      : functionName === '(idle)' ? 'idle'
      : functionName === '(program)' ? 'program' : 'js');
  }
  const totals: Record<string, number> = { wasm: 0, js: 0, gc: 0, program: 0, idle: 0 };
  const samples = profile.samples ?? [], deltas = profile.timeDeltas ?? [];
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  samples.forEach((id, i) => {
    const dt = deltas[i] ?? 0;
    const k = kind.get(id) ?? 'js';
    totals[k] += dt;
    const n = byId.get(id)!;
    const wasmIndex = /^(?:\$|wasm-function\[)(\d+)/.exec(n.callFrame.functionName)?.[1];
    const fn = wasmIndex !== undefined ? kernelNames.get(Number(wasmIndex)) ?? `wasm-function[${wasmIndex}] (internal)` : n.callFrame.functionName || '(anonymous)';
    const name = `${k}:${fn}${k === 'js' ? ` ${n.callFrame.url.split('/').slice(-2).join('/')}` : ''}`;
    top.set(name, (top.get(name) ?? 0) + dt);
  });
  const all = Object.values(totals).reduce((a, b) => a + b, 0) || 1;
  const share = Object.fromEntries(Object.entries(totals).map(([k, v]) => [k, v / all]));
  const hottest = [...top.entries()].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([name, us]) => ({ name, share: us / all }));
  return { share, hottest };
}

// ── 2. the worker pool ──
async function pooled(workers: number, withTeacher = false) {
  const master = await SedgeModel.create(replicaOptions.model, { dtype: 'f32', engine: false, seed: 1 });
  const pool = await TrainerPool.create(workers, { ...replicaOptions, teacher: withTeacher ? teacher : undefined }, master);
  const optimizer = new AdamW(sedgeParamGroups(master.parameters(), config.learningRate, config.weightDecay));
  pool.publish(master, true);
  const perWorker = Array.from({ length: workers }, () => ({ prepareMs: 0, forwardMs: 0, backwardMs: 0, waitMs: 0, cpuMs: 0 }));
  let mainMs = 0;
  const runStep = async (step: number, record: boolean) => {
    master.projectEigenvalues();
    pool.publish(master, false);
    const r = await pool.step(master, batchAt(step), { step, epoch: 0, periods: periodsAt(step) });
    const t = performance.now();
    decoderOrthogonality(master.decoderWeight).backward();
    optimizer.step();
    optimizer.zeroGrad();
    if (record) {
      mainMs += performance.now() - t;
      r.perWorker.forEach((s, w) => {
        perWorker[w].prepareMs += s.prepareMs;
        perWorker[w].forwardMs += s.forwardMs;
        perWorker[w].backwardMs += s.backwardMs;
        perWorker[w].waitMs += s.waitMs;
        perWorker[w].cpuMs += s.cpuMs;
      });
    }
  };
  for (let s = 0; s < warmup; s++) await runStep(s, false);
  const t0 = performance.now();
  for (let s = warmup; s < warmup + steps; s++) await runStep(s, true);
  const wall = (performance.now() - t0) / 1000;
  await pool.close();
  const per = (ms: number) => ms / steps;
  return {
    workers, teacher: withTeacher ? teacherName : null, clipsPerSecond: (steps * BATCH) / wall, msPerStep: (wall * 1000) / steps,
    mainThreadMsPerStep: per(mainMs),
    perWorkerMsPerStep: perWorker.map((p) => ({ prepare: per(p.prepareMs), forward: per(p.forwardMs), backward: per(p.backwardMs), waitInAllReduce: per(p.waitMs), cpu: per(p.cpuMs) })),
    // If every worker had a core of its own: a step takes its slowest worker's CPU time plus the main thread.
    clipsPerSecondOwnCores: (BATCH * 1000) / (Math.max(...perWorker.map((p) => per(p.cpuMs))) + per(mainMs)),
  };
}

const load = loadavg()[0];
const single = await singleThread();
const pools = [];
for (const w of workerCounts) pools.push(await pooled(w));
if (teacher) for (const w of workerCounts) pools.push(await pooled(w, true));
const result = {
  config: config.source, batch: BATCH, steps, cpu: cpus()[0]?.model, cores: cpus().length, loadAverage1mBefore: load, loadAverage1mAfter: loadavg()[0],
  batchNormAcrossWorkers: 'full-batch statistics (all-reduce of per-channel sums at a barrier)',
  singleThread: single, pool: pools,
};
if (json) console.log(JSON.stringify(result, null, 1));
else {
  const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
  console.log(`${config.source}, batch ${BATCH}, ${steps} timed steps; ${result.cores} cores (${result.cpu}); load average ${load.toFixed(2)} → ${result.loadAverage1mAfter.toFixed(2)}`);
  console.log(`BatchNorm across workers: ${result.batchNormAcrossWorkers}`);
  console.log(`one thread, in-process: ${single.clipsPerSecond.toFixed(1)} clips/s wall, ${single.clipsPerCpuSecond.toFixed(1)} clips per CPU-second`);
  console.log(`  per step: augment ${(single.parts.prepareMs / steps).toFixed(0)} ms, forward ${(single.parts.forwardMs / steps).toFixed(0)} ms, backward ${(single.parts.backwardMs / steps).toFixed(0)} ms`);
  console.log(`  profile self time: wasm ${pct(single.split.share.wasm)}, JS ${pct(single.split.share.js)}, GC ${pct(single.split.share.gc)}, other ${pct(single.split.share.program + single.split.share.idle)}`);
  for (const h of single.split.hottest) console.log(`    ${pct(h.share).padStart(7)}  ${h.name}`);
  for (const p of pools) {
    const without = p.teacher ? pools.find((q) => q.workers === p.workers && !q.teacher) : undefined;
    const ratio = without ? ` (${(p.clipsPerSecond / without.clipsPerSecond).toFixed(2)}× without)` : '';
    console.log(`pool, ${p.workers} worker${p.workers > 1 ? 's' : ''}${p.teacher ? `, teacher ${p.teacher}` : ''}: ${p.clipsPerSecond.toFixed(1)} clips/s${ratio} (${p.msPerStep.toFixed(0)} ms/step; main thread ${p.mainThreadMsPerStep.toFixed(1)} ms/step); ` +
      `${p.clipsPerSecondOwnCores.toFixed(1)} clips/s with a core per worker (from thread CPU time)`);
    p.perWorkerMsPerStep.forEach((w, i) => console.log(`  worker ${i}: augment ${w.prepare.toFixed(0)} ms, forward ${w.forward.toFixed(0)} ms, backward ${w.backward.toFixed(0)} ms, of which waiting in all-reduce ${w.waitInAllReduce.toFixed(0)} ms; thread CPU ${w.cpu.toFixed(0)} ms`));
  }
}
