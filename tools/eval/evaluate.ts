/**
 * `sedge eval`: accuracy, per-class accuracy and confusion matrix of a model on one split.
 *
 *   const set = loadEvalSet('data/synth', model.labels, { split: 'test' });
 *   const report = await evaluateModel(model, set, { jobs: 2 });
 *   writeFileSync('confusion.svg', confusionSvg({ labels: report.labels, confusion: report.confusion }));
 */
import type { EngineChoice } from '../../src/engine/index.js';
import { UsageError } from '../../src/errors.js';
import { stepScalesOf, type Model } from '../../src/model/model.js';
import { flopsPerSecond } from '../../src/model/stats.js';
import type { Split } from '../data/speech-commands.js';
import { Progress } from '../data/progress.js';
import type { EvalSet } from './eval-set.js';
import { scores, type ClassScore } from './metrics.js';
import { readCheckpoint, writeCheckpoint, type CheckpointIdentity } from './checkpoint.js';
import { createPredictor, type Predictor } from './predict.js';

export interface EvalReport {
  /** What was evaluated (the model file, or the model's description). */
  model: string;
  /** The model's own description (provenance, e.g. the trainer's epoch and validation accuracy), if any. */
  modelDescription: string | null;
  data: string;
  split: Split;
  clips: number;
  /** Clips in the whole split (more than `clips` with a limit). */
  splitClips: number;
  /** Clips over 1 s cut to their loudest second (only with longClips: 'loudest'). */
  croppedClips: number;
  /** What was done to every clip before the model (`--perturb`), or null. */
  perturb: string | null;
  correct: number;
  /** In [0, 1]. */
  accuracy: number;
  perClass: Record<string, ClassScore>;
  /** Row and column order of `confusion`: the model's labels. */
  labels: string[];
  /** K × K, rows = true label, columns = predicted. */
  confusion: number[][];
  stepScales: number[];
  /** Cpp-NN op count of the model at these step scales, MFLOP per second of audio (spec §8.3, lower bound). */
  mflopsPerSecond: number;
  /** Whether the clips were standardised (x − inputMean)/(inputStd + 1e-5) before the first layer (spec §3.4). */
  standardised: boolean;
  inputMean: number | null;
  inputStd: number | null;
  engine: EngineChoice;
  jobs: number;
  /** Time and rate of this run (a resumed run counts only the clips it computed). */
  seconds: number;
  clipsPerSecond: number;
  /** Clips taken from a checkpoint instead of computed (resume). */
  resumedClips: number;
  /** Every wrong clip: path relative to the data folder, true and predicted label. */
  misclassified: { path: string; label: string; predicted: string }[];
}

export interface EvaluateOptions {
  engine?: EngineChoice;
  jobs?: number;
  /** Reuse a running predictor over `set.x` (the sweep does); engine and jobs are then its own. */
  predictor?: Predictor;
  /** Name for the report (default: the model's description). */
  modelName?: string;
  /** Draw a progress bar on stderr (default true); false: quiet. */
  progress?: boolean;
  /** Save the predictions to `file` after every `segmentClips` clips (default 512); with `resume`, start from it. */
  checkpoint?: { file: string; identity: CheckpointIdentity; resume?: boolean; segmentClips?: number };
}

/** Refuses a model whose labels or clip format differ from the set's (the set was loaded for other labels). */
export function checkModelFitsSet(model: Model, set: EvalSet): void {
  if (model.labels.length !== set.labels.length || model.labels.some((l, k) => l !== set.labels[k])) {
    throw new UsageError(`the model's labels (${model.labels.join(',')}) are not the ones the data was loaded for (${set.labels.join(',')})`);
  }
  if (model.sampleRateHz !== 16000 || model.clipSamples !== 16000) {
    throw new UsageError(`the model takes ${model.clipSamples} samples at ${model.sampleRateHz} Hz; the data reader gives 1-s clips at 16 kHz`);
  }
}

/** Predicted class of every clip of `set`, with a progress bar (and a checkpoint, if asked). */
export async function predictSet(model: Model, set: EvalSet, options: EvaluateOptions = {}, label = 'eval'): Promise<{ predictions: Int32Array; seconds: number; jobs: number; resumedClips: number }> {
  checkModelFitsSet(model, set);
  const n = set.clips.length;
  const { checkpoint } = options;
  const predictions = (checkpoint?.resume ? readCheckpoint(checkpoint.file, checkpoint.identity, n) : null) ?? new Int32Array(n).fill(-1);
  const resumedClips = predictions.reduce((count, p) => count + (p >= 0 ? 1 : 0), 0);
  const predictor = options.predictor ?? await createPredictor(set.x, 16000, { engine: options.engine, jobs: options.jobs });
  const stream = options.progress === false ? null : process.stderr;
  const progress = new Progress(n, label, 'clips', stream);
  progress.skip(resumedClips);
  const started = performance.now();
  try {
    const segment = checkpoint ? checkpoint.segmentClips ?? 512 : n;
    for (let from = 0; from < n; from += segment) {
      const to = Math.min(n, from + segment);
      if (predictions.subarray(from, to).every((p) => p >= 0)) continue;
      predictions.set(await predictor.predict(model, (k) => progress.tick(k), { from, to }), from);
      if (checkpoint) writeCheckpoint(checkpoint.file, checkpoint.identity, predictions);
    }
    if (stream?.isTTY) progress.finish(); // elsewhere the last tick printed the final line
    return { predictions, seconds: (performance.now() - started) / 1000, jobs: predictor.jobs, resumedClips };
  } finally {
    if (!options.predictor) await predictor.close();
  }
}

export async function evaluateModel(model: Model, set: EvalSet, options: EvaluateOptions = {}): Promise<EvalReport> {
  const { predictions, seconds, jobs, resumedClips } = await predictSet(model, set, options);
  const s = scores(set.labels, set.truth, predictions);
  const misclassified: EvalReport['misclassified'] = [];
  set.clips.forEach((clip, i) => {
    if (predictions[i] !== set.truth[i]) misclassified.push({ path: clip.path, label: set.labels[set.truth[i]], predicted: set.labels[predictions[i]] });
  });
  return {
    model: options.modelName ?? model.description ?? 'model',
    modelDescription: model.description ?? null,
    data: set.root,
    split: set.split,
    clips: s.clips,
    splitClips: set.splitClips,
    croppedClips: set.cropped,
    perturb: set.perturb,
    correct: s.correct,
    accuracy: s.accuracy,
    perClass: s.perClass,
    labels: [...set.labels],
    confusion: s.confusion,
    stepScales: stepScalesOf(model),
    mflopsPerSecond: flopsPerSecond(model).lower / 1e6,
    standardised: model.inputMean !== null && model.inputStd !== null,
    inputMean: model.inputMean,
    inputStd: model.inputStd,
    engine: options.engine ?? 'auto',
    jobs,
    seconds,
    clipsPerSecond: (s.clips - resumedClips) / Math.max(seconds, 1e-9),
    resumedClips,
    misclassified,
  };
}

/** Text report: accuracy, then the classes sorted from worst, then the most frequent confusions. */
export function formatEvalReport(r: EvalReport): string {
  const pct = (v: number | null) => (v === null ? '   –  ' : `${(100 * v).toFixed(1).padStart(5)} %`);
  const cropped = (r.croppedClips ? `, ${r.croppedClips} cut to their loudest second` : '') + (r.perturb ? `, perturbed ${r.perturb}` : '');
  const lines = [
    `${r.model} on ${r.data} (${r.split}${r.clips < r.splitClips ? `, ${r.clips} of ${r.splitClips} clips` : `, ${r.clips} clips`}${cropped}), ` +
      `step scales [${r.stepScales.join(',')}], ${r.mflopsPerSecond.toFixed(2)} MFLOP/s`,
    ...(r.modelDescription && r.modelDescription !== r.model ? [`  (${r.modelDescription})`] : []),
    `accuracy ${(100 * r.accuracy).toFixed(2)} % (${r.correct}/${r.clips})  ·  ${r.seconds.toFixed(1)} s, ${r.clipsPerSecond.toFixed(0)} clips/s, ${r.jobs} thread(s)`,
    '',
    'per class (worst first):',
  ];
  const classes = Object.entries(r.perClass).filter(([, c]) => c.clips > 0).sort((a, b) => (a[1].accuracy ?? 0) - (b[1].accuracy ?? 0));
  for (const [label, c] of classes) lines.push(`  ${label.padEnd(10)} ${pct(c.accuracy)}  ${String(c.correct).padStart(5)}/${c.clips}`);
  const pairs: { from: string; to: string; n: number }[] = [];
  r.confusion.forEach((row, i) => row.forEach((n, j) => { if (i !== j && n > 0) pairs.push({ from: r.labels[i], to: r.labels[j], n }); }));
  pairs.sort((a, b) => b.n - a.n);
  if (pairs.length > 0) {
    lines.push('', 'most frequent confusions (true → predicted):');
    for (const p of pairs.slice(0, 10)) lines.push(`  ${p.from} → ${p.to}: ${p.n}`);
  }
  return lines.join('\n');
}
