/**
 * `sedge sweep`: accuracy vs cost over step-scale lists (spec §5.4), like the authors' test_sc.py.
 * For each list the model is re-discretised (src/model/rescale.ts), run on the whole evaluation set
 * and its Cpp-NN MFLOP per second of audio recorded (spec §8.3, lower bound).
 *
 * Resumable: after every list, sweep.json (all results so far) and pareto.svg are rewritten
 * atomically (temp file + rename), so a killed sweep loses at most the list it was on, and
 * `resume` skips the lists already in sweep.json. A resumed sweep must be the same experiment (same
 * model bytes, data folder, split and clip selection); otherwise it is refused up front.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { UsageError } from '../../src/errors.js';
import { stepScalesOf, type Model } from '../../src/model/model.js';
import { withStepScales } from '../../src/model/rescale.js';
import { CPP_NN_README, SHAPES, type ShapeName } from '../../src/model/shapes.js';
import { flopsPerSecond } from '../../src/model/stats.js';
import { writeFileAtomic } from '../data/corpus-files.js';
import { formatDuration, Progress } from '../data/progress.js';
import type { Split } from '../data/speech-commands.js';
import { unreachableReason } from './chains.js';
import type { EvalSet } from './eval-set.js';
import { checkModelFitsSet } from './evaluate.js';
import { formatList, paretoFront, paretoSvg, type ReferencePoint } from './pareto-svg.js';
import type { Predictor } from './predict.js';

export const SWEEP_JSON = 'sweep.json';
export const PARETO_SVG = 'pareto.svg';

export interface SweepEntry {
  stepScales: number[];
  /** In [0, 1]. */
  accuracy: number;
  correct: number;
  clips: number;
  /** Cpp-NN op count, MFLOP per second of audio: spec §8.3 lower bound and upper bound. */
  mflopsPerSecond: number;
  mflopsPerSecondUpper: number;
  seconds: number;
}

/** What makes two sweeps the same experiment (checked on resume). */
export interface SweepIdentity {
  model: string;
  modelSha256: string;
  data: string;
  split: Split;
  clips: number;
  splitClips: number;
  limit: number | null;
  /** The standardisation used (the model's own, or given on the command line). */
  inputMean: number | null;
  inputStd: number | null;
  /** What was done to every clip (`--perturb`), or null. */
  perturb: string | null;
}

export interface SweepFile extends SweepIdentity {
  version: 1;
  /** The model's own description (provenance), if any. */
  modelDescription: string | null;
  /** The published configuration with the model's P and H, if any (selects the README reference rows). */
  shape: ShapeName | null;
  exportedStepScales: number[];
  /** The `max` of the enumeration, or null for explicit lists. */
  maxStepScale: number | null;
  /** Lists asked for (results + skipped + not yet run). */
  lists: number;
  results: SweepEntry[];
  skipped: { stepScales: number[]; reason: string }[];
  /** Lists on the Pareto front (cheapest first). */
  pareto: number[][];
  /** The Cpp-NN README rows of the same shape (their model, their data: for orientation only). */
  reference: ReferencePoint[];
  note: string;
}

export interface SweepOptions {
  lists: readonly number[][];
  outDir: string;
  identity: SweepIdentity;
  predictor: Predictor;
  maxStepScale?: number | null;
  resume?: boolean;
  force?: boolean;
  /** Progress bar and one line per list on stderr (default true). */
  progress?: boolean;
}

export function shapeOf(model: Model): ShapeName | null {
  const P = model.layers.map((l) => l.stateSize), H = model.layers.map((l) => l.outputSize);
  const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((v, i) => v === b[i]);
  return (Object.keys(SHAPES) as ShapeName[]).find((name) => same(SHAPES[name].P, P) && same(SHAPES[name].H, H)) ?? null;
}

export function referencePoints(shape: ShapeName | null): ReferencePoint[] {
  return CPP_NN_README.filter((r) => r.shape === shape)
    .map((r) => ({ stepScales: r.stepScales, mflopsPerSecond: r.mflop, accuracy: r.accuracy / 100, variant: r.variant }));
}

const key = (list: readonly number[]) => list.join(',');

/** MFLOP per second of audio at `stepScales` without re-discretising (the count depends on sizes and steps only). */
function mflopsOf(model: Model, stepScales: readonly number[]): number {
  return flopsPerSecond({ ...model, layers: model.layers.map((l, j) => ({ ...l, stepScale: stepScales[j] })) }).lower / 1e6;
}

/**
 * Checks the output folder before any work: refuses an existing sweep.json unless `resume` (then
 * returns it, after checking it is the same experiment) or `force` (then it will be replaced).
 */
export function prepareSweepOutput(outDir: string, identity: SweepIdentity, mode: { resume?: boolean; force?: boolean }): SweepFile | null {
  if (existsSync(outDir) && !statSync(outDir).isDirectory()) throw new UsageError(`${outDir} exists and is not a folder`);
  const file = join(outDir, SWEEP_JSON);
  if (!existsSync(file)) return null;
  if (!mode.resume) {
    if (mode.force) return null;
    throw new UsageError(`${file} exists: pass --resume to continue that sweep, or --force to start over`);
  }
  let previous: SweepFile;
  try {
    previous = JSON.parse(readFileSync(file, 'utf8')) as SweepFile;
  } catch (error) {
    throw new UsageError(`${file}: cannot resume, not a readable sweep file (${(error as Error).message}); move it away or pass --force instead of --resume`);
  }
  if (previous.version !== 1 || !Array.isArray(previous.results)) throw new UsageError(`${file}: cannot resume, not a sweep file of this version`);
  for (const field of Object.keys(identity) as (keyof SweepIdentity)[]) {
    if (field === 'model') continue; // the same bytes may be reached by another path
    if ((previous[field] ?? null) !== identity[field]) { // a field added since reads as null
      throw new UsageError(`${file}: cannot resume, it is another experiment: ${field} was ${JSON.stringify(previous[field])}, now ${JSON.stringify(identity[field])}; use another --out or --force`);
    }
  }
  return previous;
}

export function writeSweepFiles(outDir: string, sweep: SweepFile, title: string): void {
  writeFileAtomic(join(outDir, SWEEP_JSON), JSON.stringify(sweep, null, 1) + '\n');
  if (sweep.results.length > 0 || sweep.reference.length > 0) {
    writeFileAtomic(join(outDir, PARETO_SVG), paretoSvg({ points: sweep.results, reference: sweep.reference, title }));
  }
}

export async function runSweep(model: Model, set: EvalSet, options: SweepOptions): Promise<SweepFile> {
  const { outDir, identity, predictor } = options;
  checkModelFitsSet(model, set);
  const previous = prepareSweepOutput(outDir, identity, options);
  const shape = shapeOf(model);
  const sweep: SweepFile = {
    version: 1,
    ...identity,
    modelDescription: model.description ?? null,
    shape,
    exportedStepScales: stepScalesOf(model),
    maxStepScale: options.maxStepScale ?? null,
    lists: options.lists.length,
    results: previous?.results ?? [],
    skipped: [],
    pareto: [],
    reference: referencePoints(shape),
    note: `accuracy on the ${identity.split} split${identity.limit !== null ? ` (${identity.clips} clips spread over ${identity.splitClips})` : ''}; ` +
      'the authors swept on test (test_sc.py); MFLOP/s = Cpp-NN count per second of audio (spec §8.3 lower bound); ' +
      'reference = Cpp-NN README rows of this shape, their model on real Speech Commands',
  };
  const done = new Set(sweep.results.map((r) => key(r.stepScales)));
  const todo: number[][] = [];
  for (const list of options.lists) {
    if (done.has(key(list))) continue;
    const reason = unreachableReason(model, list);
    if (reason) sweep.skipped.push({ stepScales: [...list], reason });
    else todo.push([...list]);
  }
  const title = `${basename(identity.model)}: accuracy vs MFLOP/s (${basename(identity.data)}, ${identity.split}, ${identity.clips} clips)`;
  const log = options.progress === false ? null : process.stderr;
  if (log) {
    const resumed = sweep.results.length ? `, ${sweep.results.length} already in ${SWEEP_JSON}` : '';
    const skipped = sweep.skipped.length ? `, ${sweep.skipped.length} skipped (e.g. ${formatList(sweep.skipped[0].stepScales)}: ${sweep.skipped[0].reason})` : '';
    log.write(`sweep: ${options.lists.length} step-scale lists on ${identity.clips} clips: ${todo.length} to run${resumed}${skipped}\n`);
  }
  const update = () => {
    sweep.pareto = paretoFront(sweep.results).map((p) => p.stepScales);
    writeSweepFiles(outDir, sweep, title);
  };
  update(); // the output folder is writable and the sweep file valid before the first list runs

  // Lists differ tenfold in cost, so progress counts work in MFLOP (Cpp-NN count × clips): the ETA
  // stays honest and the rate is the engine's throughput.
  const cost = (list: readonly number[]) => Math.round(mflopsOf(model, list) * identity.clips);
  const progress = new Progress(todo.reduce((sum, list) => sum + cost(list), 0), 'sweep', 'MFLOP', log);
  for (const list of todo) {
    const listCost = cost(list);
    let rescaled: Model;
    try {
      rescaled = withStepScales(model, list);
    } catch (error) {
      sweep.skipped.push({ stepScales: list, reason: (error as Error).message });
      progress.skip(listCost);
      continue;
    }
    const started = performance.now();
    let clipsDone = 0, ticked = 0;
    const predictions = await predictor.predict(rescaled, (n) => {
      clipsDone += n;
      const target = Math.floor((listCost * clipsDone) / identity.clips);
      progress.tick(target - ticked);
      ticked = target;
    });
    if (ticked < listCost) progress.tick(listCost - ticked);
    let correct = 0;
    for (let i = 0; i < predictions.length; i++) if (predictions[i] === set.truth[i]) correct++;
    const flops = flopsPerSecond(rescaled);
    const entry: SweepEntry = {
      stepScales: list, accuracy: correct / predictions.length, correct, clips: predictions.length,
      mflopsPerSecond: flops.lower / 1e6, mflopsPerSecondUpper: flops.upper / 1e6, seconds: (performance.now() - started) / 1000,
    };
    sweep.results.push(entry);
    update();
    log?.write(`${log.isTTY ? '\r\x1b[K' : ''}${formatList(list).padEnd(16)} ${(100 * entry.accuracy).toFixed(2).padStart(6)} %  ` +
      `${entry.mflopsPerSecond.toFixed(2).padStart(8)} MFLOP/s  ${formatDuration(entry.seconds)}\n`);
  }
  if (todo.length > 0 && log?.isTTY) progress.finish(); // elsewhere the last tick printed the final line
  update();
  return sweep;
}

export function formatSweep(sweep: SweepFile, outDir: string): string {
  const front = paretoFront(sweep.results);
  return [
    `${sweep.results.length} step-scale lists evaluated on ${sweep.clips} ${sweep.split} clips (${sweep.skipped.length} skipped); wrote ${join(outDir, SWEEP_JSON)} and ${join(outDir, PARETO_SVG)}`,
    `Pareto front (cheapest first):`,
    ...front.map((p) => `  ${formatList(p.stepScales).padEnd(16)} ${(100 * p.accuracy).toFixed(2).padStart(6)} %  ${p.mflopsPerSecond.toFixed(2).padStart(8)} MFLOP/s`),
  ].join('\n');
}
