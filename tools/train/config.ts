/**
 * Training configurations: the authors' four published models as presets (spec §5.8) with their
 * default hyperparameters (spec §5.7, [SE] `hyperparams/Speech_Commands_Default.yaml`), or a YAML
 * file written with the authors' keys — a model description ([SE] `model_descriptions/*.yaml`), a
 * hyperparameter file, or both in one file:
 *
 *   preset: tiny                     # sedge: start from a preset, then override
 *   hidden_sizes: [32, 16, 8]        # P per layer
 *   output_sizes: [8, 32, 64]        # H per layer
 *   trainable_skip_connections: true # false: identity skip
 *   norm: true                       # BatchNorm on each layer input (folded at export)
 *   B_C_init: orthogonal             # or S5
 *   bias_init: uniform               # or zero
 *   zeroOrderHoldRegularization: [0.33, 0.67, 1.0]   # RZOH probability per layer; [] = off
 *   dropout: 0.0
 *   learning_rate: 0.002             # (or lr) SSM group; the other group gets 4×
 *   epochs: 40
 *   batch_size: 16
 *   weight_decay: 0.04
 *   seed: 1234
 *   augments: weak                   # none | weak | strong
 *   background_noise: 0.5            # sedge: probability of mixing a _background_noise_ slice
 *   train_step_scales: [1, 2, 6]     # sedge: step scales of the training forward/backward (default all 1)
 *   shelves: 0.5                     # sedge: probability of random low and high shelves on a training clip (augment.ts SHELVES)
 *   stretch: 0.5                     # sedge: probability of slowing a training clip down at the same pitch (augment.ts STRETCH)
 *   stretch_range: [0.8, 1.5]        # sedge: its factor range (default [1, 1.5]); below 1 speeds up
 *   teacher: ../runs/s/best-val-acc.safetensors  # sedge: distil from this model (path relative to the yaml)
 *   distill_weight: 0.5              # sedge: loss = (1 − w)·CE + w·T²·KL(teacher ‖ student) at temperature T
 *   distill_temperature: 2           # sedge: T
 *   teacher_step_scales: [1, 2, 2, 6, 18, 54]  # sedge: run the teacher at these (default: as stored); cheaper
 *
 * Keys the authors' yamls carry but whose alternatives sedge does not implement (act, norm_type,
 * stability, input_bias, output_bias, complex_output, input_size) are accepted with the published
 * value only. Any other key is an error that names it and lists the valid ones: a misspelt key
 * must not silently train the wrong model for hours.
 *
 * Presets: RZOH is on with the default probabilities [round(i/L, 2)] (spec §5.5), because the
 * README rows the runtime reproduces were trained with it (spec §5.8 †), although the yamls of
 * Tiny/S/L list []. Augmentation is off, as in the authors' defaults.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { UsageError } from '../../src/errors.js';
import { SPEECH_COMMANDS_LABELS } from '../../src/model/model.js';
import { STRETCH_LIMITS } from '../data/augment.js';
import { checkStepScales, defaultRzohProbabilities, SEDGE_CONFIGS, type SedgeConfig } from './model.js';

export type AugmentPreset = 'none' | 'weak' | 'strong';

export interface TrainConfig {
  /** Where it came from: a preset name or the YAML path. */
  source: string;
  model: Required<Pick<SedgeConfig, 'stateSizes' | 'outputSizes' | 'trainableSkip' | 'batchNorm' | 'init' | 'biasInit' | 'dropout'>>;
  /** RZOH probability per layer ([] = off). */
  rzoh: number[];
  epochs: number;
  /** Max lr of the SSM group; the other group runs at 4×. */
  learningRate: number;
  batchSize: number;
  weightDecay: number;
  seed: number;
  augments: AugmentPreset;
  /** Probability of adding a slice of a `_background_noise_` recording to a training clip. */
  backgroundNoise: number;
  /** Linear warm-up length in optimizer steps (the authors': 100). */
  warmupSteps: number;
  /** Class labels, index = class (default: the 35 Speech Commands words). */
  labels: string[];
  /**
   * Step scales of the training passes (absent: all 1). The layers are continuous-time, so a model
   * trained at [1,2,6] runs at [1,1,1] too, and the training passes cost about a third. Validation
   * and the exported model stay at step scale 1.
   */
  trainStepScales?: number[];
  /**
   * Probability of random low and high shelves (augment.ts SHELVES) on a training clip, with or
   * without `augments` (absent: 0, as in runs made before it existed).
   */
  shelves?: number;
  /** Probability of a pitch-preserving slow-down (augment.ts STRETCH) of a training clip (absent: 0). */
  stretch?: number;
  /** Its factor range, log-uniform (absent: augment.ts STRETCH.factor, slow-downs only). */
  stretchRange?: [number, number];
  /**
   * Knowledge distillation (absent: none): a trained model (absolute path) that sees every training
   * clip as the student does, after augmentation; the loss becomes (1 − weight)·CE +
   * weight·T²·KL(teacher ‖ student) at temperature T (autograd/loss.ts distillation).
   */
  distill?: { teacher: string; weight: number; temperature: number; stepScales?: number[] };
}

/** Distillation defaults when a config names a teacher: Hinton et al.'s usual middle ground. */
export const DISTILL_DEFAULTS = { weight: 0.5, temperature: 2 } as const;

/** The authors' hyperparameter defaults (Speech_Commands_Default.yaml). */
const DEFAULT_HYPERPARAMETERS = {
  epochs: 40, learningRate: 0.002, batchSize: 16, weightDecay: 0.04, seed: 1234, augments: 'none' as AugmentPreset,
  backgroundNoise: 0, warmupSteps: 100,
};

const PRESET_MODELS = {
  tiny: SEDGE_CONFIGS.tiny,
  s: SEDGE_CONFIGS.small,
  m: SEDGE_CONFIGS.medium,
  l: SEDGE_CONFIGS.large,
  full: SEDGE_CONFIGS.full,
} as const;
const PRESET_ALIASES: Record<string, keyof typeof PRESET_MODELS> = { small: 's', medium: 'm', large: 'l' };
export const PRESET_NAMES = ['tiny', 's', 'm', 'l', 'full'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

/** A preset by name (tiny, s|small, m|medium, l|large, full), or null. */
export function presetConfig(name: string): TrainConfig | null {
  const key = (PRESET_ALIASES[name.toLowerCase()] ?? name.toLowerCase()) as PresetName;
  const m = PRESET_MODELS[key];
  if (!m) return null;
  return {
    source: key,
    model: {
      stateSizes: [...m.stateSizes], outputSizes: [...m.outputSizes], trainableSkip: m.trainableSkip, batchNorm: m.batchNorm,
      init: m.init, biasInit: 'uniform', dropout: 0,
    },
    rzoh: defaultRzohProbabilities(m.stateSizes.length),
    ...DEFAULT_HYPERPARAMETERS,
    labels: [...SPEECH_COMMANDS_LABELS],
  };
}

type Apply = (config: TrainConfig, value: unknown, fail: (message: string) => never) => void;

const onlyValue = (expected: unknown): Apply => (_, value, fail) => {
  const same = typeof expected === 'string' && typeof value === 'string' ? expected.toLowerCase() === value.toLowerCase() : value === expected;
  if (!same) fail(`${JSON.stringify(value)} is not supported; sedge implements the published models (${JSON.stringify(expected)})`);
};

function intList(value: unknown, fail: (message: string) => never): number[] {
  if (!Array.isArray(value) || value.length === 0 || !value.every((v) => Number.isInteger(v) && v > 0)) {
    fail(`${JSON.stringify(value)} must be a non-empty list of positive integers`);
  }
  return [...value];
}

function positiveInt(value: unknown, fail: (message: string) => never): number {
  if (!(Number.isInteger(value) && (value as number) > 0)) fail(`${JSON.stringify(value)} must be a positive integer`);
  return value as number;
}

function nonNegative(value: unknown, fail: (message: string) => never, max = Infinity, maxOpen = false): number {
  const ok = typeof value === 'number' && Number.isFinite(value) && value >= 0 && (maxOpen ? value < max : value <= max);
  if (!ok) fail(`${JSON.stringify(value)} must be a number in [0, ${max}${maxOpen ? ')' : ']'}`);
  return value as number;
}

function bool(value: unknown, fail: (message: string) => never): boolean {
  if (typeof value !== 'boolean') fail(`${JSON.stringify(value)} must be true or false`);
  return value as boolean;
}

function choice<T extends string>(value: unknown, choices: readonly T[], fail: (message: string) => never): T {
  const hit = choices.find((c) => typeof value === 'string' && c.toLowerCase() === value.toLowerCase());
  if (!hit) fail(`${JSON.stringify(value)} must be one of ${choices.join(', ')}`);
  return hit!;
}

/** The config's distillation so far, with the defaults (teacher '' until `teacher` is read: checkConfig refuses that). */
const distillOf = (c: TrainConfig): NonNullable<TrainConfig['distill']> => ({ ...DISTILL_DEFAULTS, teacher: '', ...c.distill });

/** Every key a config file may hold, and what it does (applied in this order, after `preset`). */
const KEYS: Record<string, Apply> = {
  hidden_sizes: (c, v, fail) => { c.model.stateSizes = intList(v, fail); },
  output_sizes: (c, v, fail) => { c.model.outputSizes = intList(v, fail); },
  trainable_skip_connections: (c, v, fail) => { c.model.trainableSkip = bool(v, fail); },
  norm: (c, v, fail) => { c.model.batchNorm = bool(v, fail); },
  B_C_init: (c, v, fail) => { c.model.init = choice(v, ['orthogonal', 'S5'] as const, fail); },
  bias_init: (c, v, fail) => { c.model.biasInit = choice(v, ['uniform', 'zero'] as const, fail); },
  zeroOrderHoldRegularization: (c, v, fail) => {
    if (!Array.isArray(v) || !v.every((p) => typeof p === 'number' && p >= 0 && p <= 1)) fail(`${JSON.stringify(v)} must be a list of probabilities in [0, 1], one per layer, or []`);
    c.rzoh = [...(v as number[])];
  },
  dropout: (c, v, fail) => { c.model.dropout = nonNegative(v, fail, 1, true); },
  learning_rate: (c, v, fail) => {
    if (!(typeof v === 'number' && v > 0 && Number.isFinite(v))) fail(`${JSON.stringify(v)} must be a positive number`);
    c.learningRate = v as number;
  },
  epochs: (c, v, fail) => { c.epochs = positiveInt(v, fail); },
  batch_size: (c, v, fail) => { c.batchSize = positiveInt(v, fail); },
  weight_decay: (c, v, fail) => { c.weightDecay = nonNegative(v, fail); },
  seed: (c, v, fail) => {
    if (!(Number.isInteger(v) && (v as number) >= 0 && (v as number) < 2 ** 32)) fail(`${JSON.stringify(v)} must be an integer in [0, 2^32)`);
    c.seed = v as number;
  },
  augments: (c, v, fail) => { c.augments = choice(v, ['none', 'weak', 'strong'] as const, fail); },
  classes: (c, v, fail) => {
    const n = positiveInt(v, fail);
    if (n !== c.labels.length) fail(`${n} classes, but the label list has ${c.labels.length} words (set \`labels\` to train on other words)`);
  },
  // The published models' fixed choices.
  input_size: onlyValue(1),
  input_bias: onlyValue(true),
  output_bias: onlyValue(true),
  complex_output: onlyValue(false),
  act: onlyValue('LeakyRELu'),
  norm_type: onlyValue('bn'),
  stability: onlyValue('abs'),
  // sedge extensions.
  background_noise: (c, v, fail) => { c.backgroundNoise = nonNegative(v, fail, 1); },
  warmup_steps: (c, v, fail) => {
    if (!(Number.isInteger(v) && (v as number) >= 0)) fail(`${JSON.stringify(v)} must be a non-negative integer`);
    c.warmupSteps = v as number;
  },
  train_step_scales: (c, v, fail) => { c.trainStepScales = intList(v, fail); },
  shelves: (c, v, fail) => { c.shelves = nonNegative(v, fail, 1); },
  stretch: (c, v, fail) => { c.stretch = nonNegative(v, fail, 1); },
  stretch_range: (c, v, fail) => {
    const [lo, hi] = STRETCH_LIMITS;
    if (!(Array.isArray(v) && v.length === 2 && v.every((f) => typeof f === 'number' && f >= lo && f <= hi) && v[0] < v[1])) {
      fail(`${JSON.stringify(v)} must be two factors [low, high] with ${lo} <= low < high <= ${hi}`);
    }
    const [low, high] = v as [number, number];
    c.stretchRange = [low, high];
  },
  teacher: (c, v, fail) => {
    if (typeof v !== 'string' || v.trim() === '') fail(`${JSON.stringify(v)} must be the path of a model file (.safetensors)`);
    c.distill = { ...distillOf(c), teacher: resolve(dirname(c.source), v as string) };
  },
  distill_weight: (c, v, fail) => {
    if (!(typeof v === 'number' && v > 0 && v <= 1)) fail(`${JSON.stringify(v)} must be a number in (0, 1]`);
    c.distill = { ...distillOf(c), weight: v as number };
  },
  distill_temperature: (c, v, fail) => {
    if (!(typeof v === 'number' && v > 0 && Number.isFinite(v))) fail(`${JSON.stringify(v)} must be a positive number`);
    c.distill = { ...distillOf(c), temperature: v as number };
  },
  teacher_step_scales: (c, v, fail) => { c.distill = { ...distillOf(c), stepScales: intList(v, fail) }; },
  labels: (c, v, fail) => {
    if (!Array.isArray(v) || v.length < 2 || !v.every((w) => typeof w === 'string' && w.length > 0)) fail(`${JSON.stringify(v)} must be a list of at least two words`);
    const words = v as string[];
    if (new Set(words).size !== words.length) fail(`${JSON.stringify(v)} has duplicates`);
    c.labels = [...words];
  },
};
const ALIASES: Record<string, string> = { lr: 'learning_rate' };
/** Applied first, whatever their place in the file: `classes` is checked against them. */
const FIRST = ['labels'];

export const CONFIG_KEYS: readonly string[] = ['preset', ...Object.keys(KEYS), ...Object.keys(ALIASES)];

/** A config from a YAML document (the text of FILE.yaml); `source` names it in errors. */
export function parseConfigYaml(text: string, source: string): TrainConfig {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (error) {
    throw new UsageError(`config ${source}: not valid YAML (${(error as Error).message.split('\n')[0]})`);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new UsageError(`config ${source}: expected a mapping of keys to values`);
  const entries = Object.entries(doc as Record<string, unknown>).map(([k, v]) => [k.trim(), v] as const); // the authors write `norm : true`
  const unknown = entries.map(([k]) => k).filter((k) => !CONFIG_KEYS.includes(k));
  if (unknown.length > 0) {
    throw new UsageError(`config ${source}: unknown key${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `'${k}'`).join(', ')}; valid keys: ${CONFIG_KEYS.join(', ')}`);
  }
  const seen = new Set<string>();
  for (const [k] of entries) {
    const key = ALIASES[k] ?? k;
    if (seen.has(key)) throw new UsageError(`config ${source}: '${k}' given twice (lr is learning_rate)`);
    seen.add(key);
  }
  const presetEntry = entries.find(([k]) => k === 'preset');
  let config: TrainConfig;
  if (presetEntry) {
    const preset = typeof presetEntry[1] === 'string' ? presetConfig(presetEntry[1]) : null;
    if (!preset) throw new UsageError(`config ${source}: preset ${JSON.stringify(presetEntry[1])} is not one of ${PRESET_NAMES.join(', ')}`);
    config = preset;
  } else {
    if (!seen.has('hidden_sizes') || !seen.has('output_sizes')) {
      throw new UsageError(`config ${source}: give hidden_sizes and output_sizes (a model description), or a preset (${PRESET_NAMES.join(', ')})`);
    }
    config = presetConfig('tiny')!;
    config.model.trainableSkip = true;
    config.rzoh = [];
  }
  config.source = source;
  const ordered = [...entries].sort(([a], [b]) => Number(FIRST.includes(b)) - Number(FIRST.includes(a)));
  let rzohGiven = false;
  for (const [k, v] of ordered) {
    if (k === 'preset') continue;
    const key = ALIASES[k] ?? k;
    if (key === 'zeroOrderHoldRegularization') rzohGiven = true;
    KEYS[key](config, v, (message) => {
      throw new UsageError(`config ${source}: ${k}: ${message}`);
    });
  }
  // A preset's RZOH list follows its layer count when the file changes the layers but not the list.
  if (presetEntry && !rzohGiven && config.rzoh.length !== config.model.stateSizes.length) config.rzoh = defaultRzohProbabilities(config.model.stateSizes.length);
  return checkConfig(config);
}

/** Cross-key checks (also run on presets). */
export function checkConfig(config: TrainConfig): TrainConfig {
  const { model, rzoh, source } = config;
  const L = model.stateSizes.length;
  const fail = (message: string): never => {
    throw new UsageError(`config ${source}: ${message}`);
  };
  if (model.outputSizes.length !== L) fail(`hidden_sizes has ${L} layers, output_sizes ${model.outputSizes.length}; give one of each per layer`);
  if (rzoh.length !== 0 && rzoh.length !== L) fail(`zeroOrderHoldRegularization has ${rzoh.length} entries for ${L} layers (give one per layer, or [] for off)`);
  if (!model.trainableSkip) {
    model.outputSizes.forEach((H, j) => {
      const I = j === 0 ? 1 : model.outputSizes[j - 1];
      if (I !== 1 && I !== H) fail(`layer ${j}: an identity skip (trainable_skip_connections: false) needs equal input and output sizes, got ${I} → ${H}`);
    });
  }
  if (config.augments === 'none' && config.backgroundNoise > 0) fail('background_noise needs augments: weak or strong');
  if (config.stretchRange && !config.stretch) fail('stretch_range needs stretch: the probability of stretching a clip');
  if (config.distill && !config.distill.teacher) fail('distill_weight, distill_temperature and teacher_step_scales need teacher: the model to distil from');
  if (config.trainStepScales) {
    try {
      checkStepScales(config.trainStepScales, L);
    } catch (error) {
      fail(`train_step_scales: ${(error as Error).message}`);
    }
  }
  return config;
}

/** `tiny | s | m | l | full` (or small/medium/large), else a path to a YAML file. */
export function resolveConfig(spec: string): TrainConfig {
  const preset = presetConfig(spec);
  if (preset) return checkConfig(preset);
  if (!/\.ya?ml$/i.test(spec)) throw new UsageError(`--config ${spec}: not a preset (${PRESET_NAMES.join(', ')}) nor a .yaml file`);
  let text: string;
  try {
    text = readFileSync(spec, 'utf8');
  } catch (error) {
    throw new UsageError(`config ${spec}: cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  return parseConfigYaml(text, spec);
}

/** The SedgeConfig the model is built from. */
export const modelConfigOf = (config: TrainConfig): SedgeConfig => ({ ...config.model, classes: config.labels.length, inputSize: 1 });

/** The same run? (everything that shapes the result; `source` is only a name). */
export function sameRun(a: TrainConfig, b: TrainConfig): string[] {
  const strip = ({ source: _, ...rest }: TrainConfig) => rest;
  const x = strip(a) as Record<string, unknown>, y = strip(b) as Record<string, unknown>;
  return Object.keys(x).filter((k) => JSON.stringify(x[k]) !== JSON.stringify(y[k]));
}
