#!/usr/bin/env node
/**
 * The `sedge` command line. Exit codes: 0 success, 2 bad input (a SedgeError: the message names the
 * file, field and expected value), 1 anything else (a bug: please report it).
 */
import { Command, Option } from 'commander';
import { SedgeError } from '../errors.js';
import { SPEECH_COMMANDS_LABELS, type Model } from '../model/model.js';
import { withStepScales } from '../model/rescale.js';
import { encodeSafetensors } from '../model/safetensors.js';
import { runBench } from './commands/bench.js';
import { formatInfo, modelInfo } from './commands/info.js';
import { classifyFiles, formatClassified } from './commands/classify.js';
import { formatSpotted, spotFiles, type SpotCommandOptions } from './commands/spot.js';
import { computeLogits } from './commands/logits.js';
import { defaultModelPath } from './package-root.js';
import { registerDataset } from './dataset-command.js';
import { registerEval } from './eval-command.js';
import { registerExportCpp } from './export-cpp-command.js';
import { registerTrain } from './train-command.js';
import { loadModel } from './load-model.js';
import { finiteNumber, labelList, nonNegativeNumber, numberList, positiveInt, probability, wordThresholds } from './options.js';
import { readClips } from './read-clips.js';
import { writeFileSafely } from './write-file.js';

/** The model at `path`, moved to other step scales if asked (spec §5.4). */
async function modelAt(path: string, stepScales?: number[]): Promise<Model> {
  const model = await loadModel(path);
  return stepScales ? withStepScales(model, stepScales) : model;
}
const print = (value: unknown, json: boolean, text: () => string) => console.log(json ? JSON.stringify(value) : text());

const STEP_SCALES_HELP = 'run at these step scales, one per layer, each dividing the next (e.g. 1,9,54)';

const program = new Command('sedge')
  .description('S-Edge keyword spotting: run, inspect, convert and benchmark diagonal state-space models')
  .showHelpAfterError()
  // Usage errors are bad input like any other: exit 2 (commander's default is 1).
  .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2));

program.command('classify')
  .description('the spoken keyword in each audio file (one clip each, up to 1 s)')
  .argument('<files...>', '.wav files (any rate; mixed to mono and resampled) or [16000] .npy clips')
  .option('--model <path>', 'model_dict.npy or .safetensors (default: the shipped models/sedge-tiny.safetensors)')
  .option('--step-scales <list>', STEP_SCALES_HELP, numberList)
  .option('--json', 'print JSON')
  .action(async (files: string[], opts: { model?: string; stepScales?: number[]; json?: boolean }) => {
    const results = await classifyFiles(await modelAt(opts.model ?? defaultModelPath(), opts.stepScales), files);
    print(results, !!opts.json, () => results.map(formatClassified).join('\n'));
  });

program.command('spot')
  .description('the keywords in longer recordings, with time stamps: a 1-s window every hop, each scored as a clip')
  .argument('<files...>', '.wav files (any rate; mixed to mono and resampled)')
  .option('--model <path>', 'model_dict.npy or .safetensors (default: the shipped models/sedge-tiny.safetensors)')
  .option('--hop <ms>', 'time between window starts', nonNegativeNumber, 250)
  .option('--threshold <p>', 'minimum probability of the top word', probability, 0.7)
  .option('--word-thresholds <list>', 'per-word thresholds, e.g. yes=0.9,stop=0.8', wordThresholds)
  .option('--smooth <n>', 'average the probabilities of the last n windows', positiveInt, 2)
  .option('--peak <ms>', 'after the first window over the threshold, wait this long for a more probable one (adds latency; 0: report the first)', nonNegativeNumber, 250)
  .option('--suppress <ms>', 'after a detection, report nothing for this long', nonNegativeNumber, 1000)
  .option('--min-dbfs <db>', 'windows quieter than this RMS level are never detections', finiteNumber, -50)
  .option('--tail', 'also score the last, incomplete windows of each file, zero-padded')
  .option('--step-scales <list>', STEP_SCALES_HELP, numberList)
  .option('--json', 'print JSON')
  .action(async (files: string[], opts: { model?: string; hop: number; threshold: number; wordThresholds?: Record<string, number>; smooth: number; peak: number; suppress: number; minDbfs: number; tail?: boolean; stepScales?: number[]; json?: boolean }) => {
    const options: SpotCommandOptions = { hopMs: opts.hop, threshold: opts.threshold, thresholds: opts.wordThresholds, smooth: opts.smooth, peakMs: opts.peak, suppressMs: opts.suppress, minDbfs: opts.minDbfs, tail: opts.tail };
    const results = await spotFiles(await modelAt(opts.model ?? defaultModelPath(), opts.stepScales), files, options, (line) => console.error(`sedge: ${line}`));
    print(results, !!opts.json, () => results.map(formatSpotted).join('\n'));
  });

program.command('info')
  .description('parameters, layers, FLOPs per second of audio and Cpp-NN memory of a model')
  .argument('<model>', 'model_dict.npy or .safetensors')
  .option('--step-scales <list>', STEP_SCALES_HELP, numberList)
  .option('--json', 'print JSON')
  .action(async (path: string, opts: { json?: boolean; stepScales?: number[] }) => {
    const info = modelInfo(await modelAt(path, opts.stepScales));
    print(info, !!opts.json, () => formatInfo(info));
  });

program.command('logits')
  .description('logits of every clip in a .npy ([N,16000] or [16000] float32) or a .wav (one clip)')
  .argument('<model>', 'model_dict.npy or .safetensors')
  .argument('<input>', '.npy or .wav')
  .addOption(new Option('--mode <mode>', 'whole clip or streamed in chunks').choices(['batch', 'stream']).default('batch'))
  .option('--chunk <n>', 'samples per push in stream mode', positiveInt, 160)
  .addOption(new Option('--engine <engine>', 'wasm build or the float64 reference').choices(['simd', 'scalar', 'reference']).default('simd'))
  .option('--step-scales <list>', STEP_SCALES_HELP, numberList)
  .option('--json', 'print JSON (an array of logit arrays)')
  .action(async (modelPath: string, input: string, opts: { mode: 'batch' | 'stream'; chunk: number; engine: 'simd' | 'scalar' | 'reference'; stepScales?: number[]; json?: boolean }) => {
    const model = await modelAt(modelPath, opts.stepScales);
    const logits = await computeLogits(model, readClips(input, model), opts);
    print(logits, !!opts.json, () => logits.map((row, i) => {
      const best = row.indexOf(Math.max(...row));
      return `clip ${i}: ${model.labels[best]} (${row[best].toFixed(4)})  [${row.map((v) => v.toFixed(4)).join(' ')}]`;
    }).join('\n'));
  });

program.command('convert')
  .description("convert the authors' model_dict.npy to sedge's .safetensors")
  .argument('<in>', 'model_dict.npy (or .safetensors)')
  .argument('<out>', '.safetensors to write')
  .option('--labels <words>', `comma-separated class labels (default: the ${SPEECH_COMMANDS_LABELS.length} Speech Commands words)`, labelList)
  .option('--force', 'overwrite <out> if it exists')
  .action(async (inPath: string, outPath: string, opts: { labels?: string[]; force?: boolean }) => {
    const model = await loadModel(inPath, { labels: opts.labels });
    writeFileSafely(outPath, encodeSafetensors(model), !!opts.force);
    console.log(`wrote ${outPath}: ${model.layers.length} layers, ${model.labels.length} labels, step scales [${model.layers.map((l) => l.stepScale).join(', ')}]`);
  });

program.command('bench')
  .description('clip throughput per engine (default: the Cpp-NN README shapes with random weights)')
  .option('--model <path>', 'benchmark this model instead')
  .option('--time <ms>', 'time per measurement', positiveInt, 1000)
  .option('--json', 'print JSON')
  .action(async (opts: { model?: string; time: number; json?: boolean }) => {
    await runBench(opts);
  });

registerExportCpp(program);
registerDataset(program);
registerTrain(program);
registerEval(program);

try {
  await program.parseAsync();
} catch (error) {
  if (error instanceof SedgeError) {
    console.error(`sedge: ${error.message}`);
    process.exit(2);
  }
  throw error;
}
