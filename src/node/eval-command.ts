/**
 * `sedge eval` and `sedge sweep`: a model's accuracy on a Speech Commands-style folder, and accuracy
 * vs MFLOP/s over step-scale lists (spec §5.4). The evaluation code (tools/eval) is offline tooling,
 * imported lazily so that the runtime never loads it.
 *
 *   sedge eval <model> --data DIR [--split test] [--step-scales 1,9,54] [--limit N] [--perturb highpass:300] [--out DIR [--resume] | --svg FILE] [--json]
 *   sedge sweep <model> --data DIR [--split test] [--max 33 | --lists "1,1,1;1,9,54"] [--out DIR] [--resume] [--json]
 *
 * Every check that can fail (model file, step scales, output files, data folder, labels, every WAV)
 * runs before the model does. Wire it with `registerEval(program)`, or call the `…Command` functions.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import type { EngineChoice } from '../engine/index.js';
import { UsageError } from '../errors.js';
import type { Model } from '../model/model.js';
import { withStepScales } from '../model/rescale.js';
import { parsePerturb, type PerturbStep } from '../../tools/eval/perturb.js';
import { loadModel } from './load-model.js';
import { numberList, positiveInt } from './options.js';
import { writeFileSafely } from './write-file.js';

type Split = 'train' | 'validation' | 'test';
type Log = (line: string) => void;

interface CommonOptions {
  /** The Speech Commands-style folder (required). */
  data: string;
  /** Default 'test'. */
  split?: Split;
  /** Evaluate only N clips, spread evenly over the split. */
  limit?: number;
  engine?: EngineChoice;
  /** Threads (default: the number of cores). */
  jobs?: number;
  /** Accept a folder without some of the model's words. */
  allowMissingLabels?: boolean;
  /** Cut clips longer than 1 s to their loudest second instead of refusing them. */
  cropLong?: boolean;
  /** [mean, std] to standardise with instead of the model's own (spec §3.4), e.g. for a model_dict.npy, which stores none. */
  inputStats?: number[];
  /** Put every clip through these first: conditions the model never heard (tools/eval/perturb.ts). */
  perturb?: PerturbStep[];
  force?: boolean;
  json?: boolean;
  /** Progress bar on stderr (default true). */
  progress?: boolean;
}

export interface EvalCommandOptions extends CommonOptions {
  stepScales?: number[];
  /** Write the confusion matrix heat map here. */
  svg?: string;
  /** Write eval.json and confusion.svg into this folder (and, while running, the checkpoint eval.partial.json). */
  out?: string;
  /** Finish an interrupted eval from the checkpoint in `out`. */
  resume?: boolean;
}

export interface SweepCommandOptions extends CommonOptions {
  /** Largest step scale of the enumerated lists (default 33, as test_sc.py). */
  max?: number;
  /** Explicit lists instead of the enumeration. */
  lists?: number[][];
  /** Folder for sweep.json and pareto.svg (default sweep-<model file stem>). */
  out?: string;
  resume?: boolean;
}

const EVAL_JSON = 'eval.json', CONFUSION_SVG = 'confusion.svg', EVAL_CHECKPOINT = 'eval.partial.json';

/** The sha256 of some bytes, hex. */
export const sha256OfBytes = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** The sha256 of a file, hex (a model's identity in reports and in the model card). */
export const sha256 = (path: string) => sha256OfBytes(readFileSync(path));

/** Refuses to start when an output file exists and --force was not given (nothing has run yet). */
function checkWritable(paths: string[], force: boolean | undefined): void {
  for (const path of paths) {
    if (existsSync(path) && !force) throw new UsageError(`${path} exists; pass --force to overwrite it`);
  }
}

function dataOptions(options: CommonOptions) {
  if (!options.data) throw new UsageError('give the data folder with --data DIR');
  return {
    split: options.split ?? 'test', limit: options.limit, allowMissingLabels: options.allowMissingLabels, perturb: options.perturb,
    longClips: options.cropLong ? 'loudest' as const : 'refuse' as const,
  };
}

/**
 * The model file with --input-stats applied. A model without stats gets a warning: the authors'
 * networks expect standardised input (spec §3.4), and raw audio would be scored wrongly but quietly.
 */
async function loadEvalModel(path: string, options: CommonOptions): Promise<Model> {
  const model = await loadModel(path);
  if (options.inputStats) {
    const [inputMean, inputStd] = options.inputStats;
    return { ...model, inputMean, inputStd };
  }
  if (model.inputMean === null) {
    console.error(`sedge: note: ${path} stores no input mean/std, so clips go in unstandardised; if it was trained on standardised audio ` +
      '(the authors\' models were, spec §3.4), give the training split\'s --input-stats MEAN,STD (`sedge dataset stats DIR`)');
  }
  return model;
}

async function loadSet(model: Model, options: CommonOptions) {
  const { loadEvalSet } = await import('../../tools/eval/eval-set.js');
  const { Progress } = await import('../../tools/data/progress.js');
  const bar: { progress?: InstanceType<typeof Progress>; read: number } = { read: 0 };
  const set = loadEvalSet(options.data, model.labels, {
    ...dataOptions(options),
    onProgress: (done, total) => {
      bar.progress ??= new Progress(total, 'reading', 'clips', options.progress === false ? null : process.stderr);
      if (done > bar.read) bar.progress.tick(done - bar.read);
      bar.read = done;
    },
  });
  if (process.stderr.isTTY) bar.progress?.finish(); // elsewhere the last tick printed the final line
  return set;
}

export async function evalCommand(modelPath: string, options: EvalCommandOptions, log: Log = console.log) {
  const { evaluateModel, formatEvalReport } = await import('../../tools/eval/evaluate.js');
  const { confusionSvg } = await import('../../tools/eval/confusion-svg.js');
  const { split, limit } = dataOptions(options);
  let model = await loadEvalModel(modelPath, options);
  if (options.stepScales) model = withStepScales(model, options.stepScales);
  const { out } = options;
  const svgPaths = [options.svg, out && join(out, CONFUSION_SVG)].filter((p): p is string => !!p);
  const jsonPath = out ? join(out, EVAL_JSON) : null;
  const checkpointPath = out ? join(out, EVAL_CHECKPOINT) : null;
  if (out && existsSync(out) && !statSync(out).isDirectory()) throw new UsageError(`${out} exists and is not a folder`);
  if (options.resume && !checkpointPath) throw new UsageError('--resume needs --out DIR: the checkpoint of an interrupted eval is kept there');
  checkWritable([...svgPaths, ...(jsonPath ? [jsonPath] : [])], options.force);
  if (checkpointPath && existsSync(checkpointPath) && !options.resume && !options.force) {
    throw new UsageError(`${checkpointPath} holds an interrupted eval: pass --resume to finish it, or --force to start over`);
  }

  const set = await loadSet(model, options);
  const checkpoint = checkpointPath ? {
    file: checkpointPath,
    resume: options.resume,
    identity: {
      modelSha256: sha256(modelPath), stepScales: model.layers.map((l) => l.stepScale), data: resolve(set.root), split,
      inputMean: model.inputMean, inputStd: model.inputStd, perturb: set.perturb,
      clips: set.clips.length, splitClips: set.splitClips, limit: limit ?? null,
    },
  } : undefined;
  const report = await evaluateModel(model, set, {
    engine: options.engine, jobs: options.jobs ?? availableParallelism(), modelName: modelPath, progress: options.progress, checkpoint,
  });
  const title = `${basename(modelPath)} on ${basename(set.root)} (${set.split}): ${(100 * report.accuracy).toFixed(2)} % of ${report.clips} clips, step scales [${report.stepScales.join(',')}]`;
  const svg = new TextEncoder().encode(confusionSvg({ labels: report.labels, confusion: report.confusion, title }));
  if (out) mkdirSync(out, { recursive: true });
  for (const path of svgPaths) writeFileSafely(path, svg, !!options.force);
  if (jsonPath) writeFileSafely(jsonPath, new TextEncoder().encode(JSON.stringify(report, null, 1) + '\n'), !!options.force);
  if (checkpointPath) rmSync(checkpointPath, { force: true });
  if (options.json) log(JSON.stringify(report));
  else log(formatEvalReport(report) + (svgPaths.length || jsonPath ? `\nwrote ${[...(jsonPath ? [jsonPath] : []), ...svgPaths].join(', ')}` : ''));
  return report;
}

export async function sweepCommand(modelPath: string, options: SweepCommandOptions, log: Log = console.log) {
  const { stepScaleChains, checkChain } = await import('../../tools/eval/chains.js');
  const { runSweep, formatSweep, SWEEP_JSON } = await import('../../tools/eval/sweep.js');
  const { createPredictor } = await import('../../tools/eval/predict.js');
  const { split, limit } = dataOptions(options);
  const model = await loadEvalModel(modelPath, options);
  const layers = model.layers.length;
  if (options.lists && options.max !== undefined) throw new UsageError('give either --lists or --max, not both');
  const lists = options.lists ?? stepScaleChains(layers, options.max ?? 33);
  for (const list of lists) {
    checkChain(list);
    if (list.length !== layers) throw new UsageError(`step-scale list [${list.join(',')}] has ${list.length} entries, the model has ${layers} layers`);
  }
  const outDir = options.out ?? `sweep-${basename(modelPath).replace(/\.[^.]*$/, '')}`;
  if (!options.resume && !options.force && existsSync(join(outDir, SWEEP_JSON))) {
    throw new UsageError(`${join(outDir, SWEEP_JSON)} exists: pass --resume to continue that sweep, or --force to start over`);
  }

  const set = await loadSet(model, options);
  const identity = {
    model: modelPath,
    modelSha256: sha256(modelPath),
    data: resolve(set.root), split, clips: set.clips.length, splitClips: set.splitClips, limit: limit ?? null,
    inputMean: model.inputMean, inputStd: model.inputStd, perturb: set.perturb,
  };
  const predictor = await createPredictor(set.x, 16000, { engine: options.engine, jobs: options.jobs ?? availableParallelism() });
  try {
    const sweep = await runSweep(model, set, {
      lists, outDir, identity, predictor, maxStepScale: options.lists ? null : (options.max ?? 33),
      resume: options.resume, force: options.force, progress: options.progress,
    });
    log(options.json ? JSON.stringify(sweep) : formatSweep(sweep, outDir));
    return sweep;
  } finally {
    await predictor.close();
  }
}

/** `"1,1,1;1,9,54"` → lists (each checked against the model's layer count later). */
function stepScaleLists(value: string): number[][] {
  const lists = value.split(/[;\s]+/).filter(Boolean).map((part) => part.replace(/^\[|\]$/g, '').split(',').map((s) => Number(s.trim())));
  if (lists.length === 0 || lists.some((l) => l.some((s) => !Number.isInteger(s) || s < 1))) {
    throw new InvalidArgumentError(`expected ';'-separated lists of positive integers like "1,1,1;1,9,54", got '${value}'`);
  }
  return lists;
}

function inputStats(value: string): number[] {
  const stats = value.split(',').map((v) => Number(v.trim()));
  if (stats.length !== 2 || !Number.isFinite(stats[0]) || !(stats[1] > 0 && Number.isFinite(stats[1]))) {
    throw new InvalidArgumentError(`expected MEAN,STD with a finite mean and a positive std, got '${value}'`);
  }
  return stats;
}

function addCommon(command: Command, splitHelp: string): Command {
  return command
    .argument('<model>', 'model_dict.npy or .safetensors')
    .requiredOption('--data <dir>', 'Speech Commands-style folder (<word>/<speaker>_nohash_<n>.wav + testing_list.txt …); a test-only folder is fine')
    .addOption(new Option('--split <split>', splitHelp).choices(['train', 'validation', 'test']).default('test'))
    .option('--limit <n>', 'evaluate only N clips, spread evenly over the split', positiveInt)
    .addOption(new Option('--engine <engine>', 'wasm build').choices(['auto', 'simd', 'scalar']).default('auto'))
    .option('--jobs <n>', `threads (default: the number of cores, ${availableParallelism()} here)`, positiveInt)
    .option('--allow-missing-labels', "accept a folder without some of the model's words")
    .option('--crop-long', 'cut clips longer than 1 s to their loudest second (default: refuse them)')
    .option('--input-stats <mean,std>', "standardise with these instead of the model's own mean/std (a model_dict.npy stores none)", inputStats)
    .option('--perturb <steps>', 'put every clip through these first, to measure robustness: highpass:HZ, lowpass:HZ, lowshelf:HZ:DB, highshelf:HZ:DB, stretch:FACTOR (same pitch), noise:white|pink|brown:SNR_DB, comma-separated', parsePerturb)
    .option('--force', 'overwrite existing output files')
    .option('--no-progress', 'no progress bar on stderr')
    .option('--json', 'print JSON only (progress stays on stderr)');
}

/** Adds `eval` and `sweep` to a commander program (errors propagate to the program's handler). */
export function registerEval(program: Command): Command {
  addCommon(program.command('eval')
    .description("accuracy, per-class accuracy and confusion matrix on a split (standardised with the model's own mean/std)"), 'which split')
    .option('--step-scales <list>', 'run at these step scales, one per layer, each dividing the next (e.g. 1,9,54)', numberList)
    .option('--svg <file>', 'write the confusion matrix as an SVG heat map')
    .option('--out <dir>', `write ${EVAL_JSON} and ${CONFUSION_SVG} into this folder (checkpointed while running: see --resume)`)
    .option('--resume', `finish an interrupted eval from ${EVAL_CHECKPOINT} in --out`)
    .action(async (modelPath: string, opts: EvalCommandOptions) => { await evalCommand(modelPath, opts); });
  addCommon(program.command('sweep')
    .description('accuracy vs MFLOP/s over step-scale lists (spec §5.4, like test_sc.py): sweep.json + pareto.svg, resumable'),
  'split to score the lists on (test, as the authors did; validation keeps test untouched for the final number)')
    .addOption(new Option('--max <n>', 'enumerate every nested list (each step dividing the next) up to this step scale; default 33 as test_sc.py').argParser(positiveInt))
    .option('--lists <lists>', 'these lists instead, e.g. "1,1,1;1,9,54;2,8,32"', stepScaleLists)
    .option('--out <dir>', 'folder for sweep.json and pareto.svg (default: sweep-<model file stem>)')
    .option('--resume', 'continue the sweep in --out, skipping the lists already in its sweep.json')
    .action(async (modelPath: string, opts: SweepCommandOptions) => { await sweepCommand(modelPath, opts); });
  return program;
}
