/**
 * What `sedge export-cpp --int8` costs in accuracy, measured with the emitted C++ itself on a trained
 * model and a real corpus split. For each step-scale list the model is exported twice through the
 * command's own code path (exportCppCommand: float, then --int8) into a temp folder, each package is
 * compiled with g++ -std=c++17 -O2 (plus the package's strict flags and -ffp-contract=off) into the
 * host driver the tests use (tools/export-cpp/host.ts, templates/host-driver.c.tpl, plain-C header),
 * and the driver is fed the raw float32 clips of the split exactly as `sedge eval` reads them
 * (tools/eval/eval-set.ts loadEvalSet): the package standardises with the model's inputMean/inputStd
 * itself, as the wasm Network does. The wasm engine runs the same clips for reference.
 *
 * Prints, per set and step-scale list: accuracy of the wasm engine, float C++ and int8 C++; how many
 * clips float C++ and the engine classify differently; int8/float agreement (same top-1 class); the
 * max (and median) relative logit deviation max_k |int8_k − float_k| / max_k |float_k| per clip.
 *
 *   npx tsx bench/export-cpp-accuracy.ts --data DIR [--other DIR] [--step-scales 1,9,54] [--limit N]
 *       [--model models/sedge-tiny.safetensors] [--chunk 0] [--json]
 * --data: a Speech Commands-style folder (its test split is used; `sedge dataset synth`).
 * --other: a test-only folder (`sedge dataset other-synth`), also its test split.
 * --step-scales: a list measured besides [1,1,1] (repeat the flag for several; default 1,9,54).
 * --chunk: 0 feeds whole clips to classify(); N > 0 streams reset + push(N samples at a time) + logits.
 * Single-threaded (one g++ at a time, one driver process at a time, the engine on the main thread);
 * run it under `nice -n 19` next to other work.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Network } from '../src/engine/index.js';
import { SedgeError } from '../src/errors.js';
import type { Model } from '../src/model/model.js';
import { withStepScales } from '../src/model/rescale.js';
import { sha256 } from '../src/node/eval-command.js';
import { exportCppCommand } from '../src/node/export-cpp-command.js';
import { loadModel } from '../src/node/load-model.js';
import { loadEvalSet, type EvalSet } from '../tools/eval/eval-set.js';
import { argmax } from '../tools/eval/predict.js';
import { buildHostDriver, runHostDriver, type HostBuild } from '../tools/export-cpp/host.js';
import { checkNesting } from '../tools/export-cpp/plan.js';

const CLIP_SAMPLES = 16000;
/** Clips per driver run: bounds the temp input file (and shows progress). */
const BATCH = 250;

function fail(message: string): never {
  console.error(`export-cpp-accuracy: ${message}`);
  process.exit(1);
}

function options() {
  const argv = process.argv.slice(2);
  const values = (name: string): string[] => argv.flatMap((a, i) => (a === `--${name}` ? [argv[i + 1] ?? fail(`--${name} needs a value`)] : []));
  const one = (name: string): string | undefined => values(name).at(-1);
  const known = new Set(['--data', '--other', '--step-scales', '--limit', '--model', '--chunk', '--json']);
  argv.forEach((a, i) => {
    if (a.startsWith('--') && !known.has(a)) fail(`unknown option ${a}`);
    if (!a.startsWith('--') && !(i > 0 && argv[i - 1] !== '--json' && known.has(argv[i - 1]))) fail(`unexpected argument '${a}'`);
  });
  const data = one('data') ?? fail('give the corpus folder with --data DIR (made by `sedge dataset synth --out DIR`)');
  const int = (name: string, fallback: number, min: number) => {
    const text = one(name);
    if (text === undefined) return fallback;
    const n = Number(text);
    if (!Number.isInteger(n) || n < min) fail(`--${name} expects an integer ≥ ${min}, got '${text}'`);
    return n;
  };
  const lists = (values('step-scales').length ? values('step-scales') : ['1,9,54']).map((text) => {
    const list = text.split(',').map(Number);
    if (list.some((s) => !Number.isInteger(s) || s < 1)) fail(`--step-scales expects comma-separated positive integers, got '${text}'`);
    return list;
  });
  const stepScales = [[1, 1, 1], ...lists].filter((l, i, all) => all.findIndex((m) => m.join() === l.join()) === i);
  return {
    data, other: one('other'), stepScales, limit: one('limit') === undefined ? undefined : int('limit', 0, 1),
    model: one('model') ?? 'models/sedge-tiny.safetensors', chunk: int('chunk', 0, 0), json: argv.includes('--json'),
  };
}

function requireFolder(path: string, flag: string, makeWith: string): void {
  let ok = false;
  try {
    ok = statSync(path).isDirectory();
  } catch { /* missing */ }
  if (!ok) fail(`${flag} ${resolve(path)}: no such folder (the corpus is not in the repository; make it with \`${makeWith}\`)`);
}

function requireCompilers(): void {
  for (const tool of ['g++', 'gcc']) {
    try {
      execFileSync(tool, ['--version'], { stdio: 'ignore' });
    } catch {
      fail(`${tool} not found on PATH: the host driver is compiled with g++ (package) and gcc (C driver); install them (e.g. apt-get install g++)`);
    }
  }
}

/** max_k |a_k − b_k| / max_k |b_k| (the tests' relativeError). */
function relativeDeviation(actual: ArrayLike<number>, reference: ArrayLike<number>): number {
  let scale = 0, worst = 0;
  for (let k = 0; k < reference.length; k++) scale = Math.max(scale, Math.abs(reference[k]));
  for (let k = 0; k < reference.length; k++) worst = Math.max(worst, Math.abs(actual[k] - reference[k]));
  return worst / Math.max(scale, 1e-30);
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.floor((sorted.length - 1) / 2)] : NaN;
};

function clipsOf(set: EvalSet, from: number, to: number): Float32Array[] {
  return Array.from({ length: to - from }, (_, i) => set.x.subarray((from + i) * CLIP_SAMPLES, (from + i + 1) * CLIP_SAMPLES));
}

function progress(label: string, done: number, total: number): void {
  if (process.stderr.isTTY) process.stderr.write(`\r${label}: ${done}/${total}${done === total ? '\n' : ''}`);
  else if (done === total) process.stderr.write(`${label}: ${total} clips\n`);
}

async function engineLogits(model: Model, set: EvalSet, label: string): Promise<Float64Array[]> {
  const net = await Network.create(model);
  try {
    const n = set.clips.length, out: Float64Array[] = [];
    for (let i = 0; i < n; i++) {
      out.push(net.logits(set.x.subarray(i * CLIP_SAMPLES, (i + 1) * CLIP_SAMPLES)));
      if (i % 50 === 49 || i === n - 1) progress(`${label} wasm ${net.engine}`, i + 1, n);
    }
    return out;
  } finally {
    net.dispose();
  }
}

const builds = new Map<string, Promise<HostBuild>>();

/** The package for these step scales, exported by `sedge export-cpp`'s own code and compiled once (shared by both sets). */
function hostBuild(modelPath: string, stepScales: number[], int8: boolean, work: string): Promise<HostBuild> {
  const name = int8 ? 'acc_int8' : 'acc_float';
  const dir = join(work, `${stepScales.join('-')}-${name}`);
  let build = builds.get(dir);
  if (!build) {
    build = (async () => {
      const { outDir } = await exportCppCommand(modelPath, { out: join(dir, name), stepScales, name, int8 }, () => {});
      return buildHostDriver(outDir!, name, { optimise: ['-O2'], buildDir: dir });
    })();
    builds.set(dir, build);
  }
  return build;
}

async function cppLogits(modelPath: string, stepScales: number[], int8: boolean, set: EvalSet, work: string, chunk: number, label: string): Promise<Float32Array[]> {
  const build = await hostBuild(modelPath, stepScales, int8, work);
  const n = set.clips.length, out: Float32Array[] = [];
  for (let from = 0; from < n; from += BATCH) {
    const to = Math.min(n, from + BATCH);
    const { logits } = await runHostDriver(build, clipsOf(set, from, to), chunk);
    if (logits.length !== to - from) throw new Error(`${label}: the driver returned ${logits.length} logit rows for ${to - from} clips`);
    out.push(...logits);
    for (const f of readdirSync(build.buildDir)) if (/^clips-.*\.f32$/.test(f)) rmSync(join(build.buildDir, f), { force: true }); // the driver's input
    progress(`${label} C++ ${int8 ? 'int8' : 'float'}`, to, n);
  }
  return out;
}

interface Row {
  set: string;
  clips: number;
  stepScales: number[];
  wasmAccuracy: number;
  floatCppAccuracy: number;
  int8CppAccuracy: number;
  /** Clips right: wasm engine, float C++, int8 C++. */
  correct: [number, number, number];
  /** Clips on which float C++ and the wasm engine pick different classes. */
  floatVsWasmDiffering: number;
  floatVsWasmMaxRelDeviation: number;
  /** int8 and float C++ pick the same class. */
  int8FloatAgreement: number;
  int8FloatDisagreeing: number;
  int8VsFloatMaxRelDeviation: number;
  int8VsFloatMedianRelDeviation: number;
}

async function measure(modelPath: string, model: Model, setName: string, set: EvalSet, stepScales: number[], work: string, chunk: number): Promise<Row> {
  const label = `${setName} [${stepScales.join(',')}]`;
  const wasm = await engineLogits(withStepScales(model, stepScales), set, label);
  const float = await cppLogits(modelPath, stepScales, false, set, work, chunk, label);
  const int8 = await cppLogits(modelPath, stepScales, true, set, work, chunk, label);
  const n = set.clips.length;
  const pick = (rows: ArrayLike<number>[]) => rows.map((r) => argmax(r));
  const [pw, pf, pq] = [pick(wasm), pick(float), pick(int8)];
  const accuracy = (p: number[]) => p.filter((c, i) => c === set.truth[i]).length / n;
  const int8Dev = int8.map((r, i) => relativeDeviation(r, float[i]));
  const agreeing = pq.filter((c, i) => c === pf[i]).length;
  return {
    set: setName, clips: n, stepScales,
    wasmAccuracy: accuracy(pw), floatCppAccuracy: accuracy(pf), int8CppAccuracy: accuracy(pq),
    correct: [pw, pf, pq].map((p) => Math.round(accuracy(p) * n)) as [number, number, number],
    floatVsWasmDiffering: pf.filter((c, i) => c !== pw[i]).length,
    floatVsWasmMaxRelDeviation: Math.max(...float.map((r, i) => relativeDeviation(r, wasm[i]))),
    int8FloatAgreement: agreeing / n, int8FloatDisagreeing: n - agreeing,
    int8VsFloatMaxRelDeviation: Math.max(...int8Dev), int8VsFloatMedianRelDeviation: median(int8Dev),
  };
}

function formatTable(rows: Row[]): string {
  const pct = (v: number) => `${(100 * v).toFixed(1)} %`;
  const lines = [
    '| set | step scales | clips | wasm engine | float C++ | int8 C++ | int8 = float | max rel. logit dev. (median) | float C++ ≠ wasm |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.set} | [${r.stepScales.join(',')}] | ${r.clips} | ${pct(r.wasmAccuracy)} (${r.correct[0]}) | ${pct(r.floatCppAccuracy)} (${r.correct[1]}) | ${pct(r.int8CppAccuracy)} (${r.correct[2]}) | ` +
      `${pct(r.int8FloatAgreement)} (${r.int8FloatDisagreeing} differ) | ${r.int8VsFloatMaxRelDeviation.toExponential(1)} (${r.int8VsFloatMedianRelDeviation.toExponential(1)}) | ` +
      `${r.floatVsWasmDiffering} clips (max rel. dev. ${r.floatVsWasmMaxRelDeviation.toExponential(1)}) |`),
  ];
  return lines.join('\n');
}

const opts = options();
if (!existsSync(opts.model)) fail(`${resolve(opts.model)}: no such model file (give it with --model PATH)`);
requireFolder(opts.data, '--data', 'npx sedge dataset synth --out DIR');
if (opts.other) requireFolder(opts.other, '--other', 'npx sedge dataset other-synth --out DIR');
requireCompilers();

const model = await loadModel(opts.model);
for (const list of opts.stepScales) { // refuse a bad list before anything runs
  try {
    checkNesting(list);
    withStepScales(model, list);
  } catch (error) {
    if (error instanceof SedgeError) fail(error.message);
    throw error;
  }
}
const modelSha256 = sha256(opts.model);
const sets: Array<[string, string]> = [['test', opts.data], ...(opts.other ? [['other', opts.other] as [string, string]] : [])];
const work = mkdtempSync(join(tmpdir(), 'sedge-cpp-accuracy-'));
process.env.TMPDIR = work; // the exporter's and the harness's own temp folders go here too
process.once('exit', () => rmSync(work, { recursive: true, force: true }));
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

const started = Date.now();
const rows: Row[] = [];
try {
  for (const [setName, root] of sets) {
    const set = loadEvalSet(root, model.labels, { split: 'test', limit: opts.limit });
    for (const stepScales of opts.stepScales) rows.push(await measure(opts.model, model, setName, set, stepScales, work, opts.chunk));
  }
} catch (error) {
  if (error instanceof SedgeError) fail(error.message); // a bad data folder or step-scale list: no stack trace
  throw error;
}
const header = {
  model: opts.model, sha256: modelSha256, data: resolve(opts.data), other: opts.other ? resolve(opts.other) : null,
  feed: opts.chunk === 0 ? 'classify()' : `reset + push(${opts.chunk}) + logits()`, compiler: 'g++ -std=c++17 -O2 -ffp-contract=off',
  seconds: (Date.now() - started) / 1000,
};
if (opts.json) {
  console.log(JSON.stringify({ ...header, rows }));
} else {
  console.log(`model ${opts.model} (sha256 ${modelSha256.slice(0, 12)}…), test split of ${header.data}${header.other ? ` and ${header.other}` : ''}; ` +
    `C++ fed by ${header.feed}, ${header.compiler}; ${header.seconds.toFixed(0)} s`);
  console.log(formatTable(rows));
}
