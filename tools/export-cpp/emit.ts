/**
 * Model → the text of a self-contained C++17 package (no file system here; see write.ts).
 *
 *   NAME.hpp          C++ API and the compile-time sizes (kArenaBytes, …)
 *   NAME.h            plain-C API for C callers
 *   NAME.cpp          kernels (templates/package.cpp.tpl), the static arena and the generated schedule
 *   NAME_weights.hpp  const weight arrays, packed for the kernels (pack.ts); included by NAME.cpp only
 *   README.md         how to build and call it, sizes, provenance
 *   NAME.json         the plan as data (sizes, step scales), for tools
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { assetDir } from './assets.js';
import { UsageError } from '../../src/errors.js';
import { LEAKY_SLOPE, STANDARDISE_EPS, type Model } from '../../src/model/model.js';
import { arrayDefinition, floatLiteral } from './format.js';
import { packWeights, type PackedWeights } from './pack.js';
import { planCppPackage, type CppPlan, type LayerPlan } from './plan.js';
import { renderReadme } from './readme.js';

export interface EmitOptions {
  /** C identifier used as namespace, file stem and C prefix. */
  name: string;
  /** Per-row int8 B, C, skip and decoder (A, biases and state stay float). */
  int8?: boolean;
  /** Where the model came from, written into every file's header comment. */
  source?: string;
  /** Kahan-compensate the pooled sum (costs 4·H_last bytes of RAM beyond Cpp-NN's budget). */
  poolKahan?: boolean;
}

export interface CppPackage {
  name: string;
  files: Map<string, string>;
  plan: CppPlan;
  weights: PackedWeights;
  int8: boolean;
}

const CPP_KEYWORDS = new Set(
  ('alignas alignof and asm auto bool break case catch char class const constexpr continue decltype default delete do double ' +
    'else enum explicit export extern false float for friend goto if inline int long mutable namespace new noexcept not nullptr ' +
    'operator or private protected public register return short signed sizeof static struct switch template this throw true try ' +
    'typedef typeid typename union unsigned using virtual void volatile while xor main std weights').split(' '),
);

/** Throws UsageError unless `name` can be a C/C++ identifier, namespace and file stem. */
export function checkPackageName(name: string): void {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(name) || name.startsWith('__') || /^_[A-Z]/.test(name)) {
    throw new UsageError(`export-cpp: --name '${name}' is not usable as a C identifier (letters, digits, '_', not starting with a digit or a reserved '__'/'_X' prefix)`);
  }
  if (CPP_KEYWORDS.has(name)) throw new UsageError(`export-cpp: --name '${name}' is a C/C++ keyword or reserved name`);
}

/** A default package name from a model file name: "tiny_1-9-54.npy" → "sedge_tiny_1_9_54". */
export function defaultPackageName(modelPath: string): string {
  const stem = modelPath.replace(/^.*[\\/]/, '').replace(/\.(npy|safetensors|json)$/i, '');
  const cleaned = stem.toLowerCase().replace(/[^a-z0-9_]+/g, '_').replace(/^_+|_+$/g, '');
  return `sedge_${cleaned || 'model'}`.slice(0, 63);
}

export function emitCppPackage(model: Model, options: EmitOptions): CppPackage {
  const { name, int8 = false } = options;
  checkPackageName(name);
  const source = (options.source ?? model.description ?? 'a sedge Model').replace(/\*\//g, '* /').replace(/[\r\n]+/g, ' ');
  const plan = planCppPackage(model, { poolKahan: options.poolKahan ?? false });
  const weights = packWeights(model, plan, int8);
  if (model.labels.length !== plan.classes) {
    throw new UsageError(`export-cpp: model has ${model.labels.length} labels but the decoder has ${plan.classes} outputs`);
  }

  const vars: Record<string, string> = {
    NAME: name,
    UPPER: name.toUpperCase(),
    GUARD: `${name.toUpperCase()}_H_`,
    SOURCE: source,
    CLASSES: String(plan.classes),
    CLIP_SAMPLES: String(plan.clipSamples),
    SAMPLE_RATE: String(Math.round(model.sampleRateHz)),
    LAYERS: String(plan.layers.length),
    S_LAST: String(plan.sLast),
    TICKS_PER_CLIP: String(plan.ticksPerClip),
    STATE_FLOATS: String(plan.stateFloats),
    POOL_FLOATS: String(plan.hLast),
    SCRATCH_FLOATS: String(plan.scratchFloats),
    PERMANENT_BYTES: String(plan.permanentBytes),
    SCRATCH_BYTES: String(plan.scratchBytes),
    ARENA_BYTES: String(plan.arenaBytes),
    WEIGHT_BYTES: String(weights.weightBytes),
    STEP_SCALES: plan.stepScales.join(', '),
    LEAKY_SLOPE: floatLiteral(LEAKY_SLOPE),
    STANDARDISE: standardiseBody(model),
    TICK_BODY: tickBody(plan, int8),
    DECODER_ARGS: int8 ? 'W::dec_w_q, W::dec_w_scale, W::dec_b_centred' : 'W::dec_w, kNoScale, W::dec_b_centred',
    POOL_KAHAN: plan.poolKahan ? '1' : '0',
    LABELS: model.labels.map((l) => `    ${cString(l)},`).join('\n'),
  };
  const files = new Map<string, string>();
  files.set(`${name}.hpp`, fill('package.hpp.tpl', vars));
  files.set(`${name}.h`, fill('package.h.tpl', vars));
  files.set(`${name}.cpp`, fill('package.cpp.tpl', vars));
  files.set(`${name}_weights.hpp`, weightsHeader(name, source, weights));
  files.set('README.md', renderReadme({ name, source, plan, weights, int8, model }));
  files.set(`${name}.json`, `${JSON.stringify(manifest(name, source, plan, weights, int8), null, 2)}\n`);
  return { name, files, plan, weights, int8 };
}

function fill(template: string, vars: Record<string, string>): string {
  const text = readFileSync(join(assetDir('templates'), template), 'utf8');
  return text.replace(/\{\{([A-Z_0-9]+)\}\}/g, (whole, key: string) => {
    if (!(key in vars)) throw new Error(`export-cpp: template ${template} uses unknown {{${key}}}`);
    return vars[key];
  });
}

function standardiseBody(model: Model): string {
  if (model.inputMean === null || model.inputStd === null) return '  return sample;  // the model has no input standardisation';
  // Same form as the engine: (x − mean) · (1 / (std + 1e-5)), the reciprocal taken in float64.
  const scale = 1 / (model.inputStd + STANDARDISE_EPS);
  return [
    `  // x ← (x − mean) / (std + 1e-5) (spec §3.4), mean = ${model.inputMean}, std = ${model.inputStd}`,
    `  return (sample - ${floatLiteral(model.inputMean)}) * ${floatLiteral(scale)};`,
  ].join('\n');
}

/** The per-sample schedule, written out layer by layer so that it reads like spec §4.2. */
function tickBody(plan: CppPlan, int8: boolean): string {
  const lines: string[] = [];
  const L = plan.layers.length;
  const guard = (s: number, why: string) => {
    if (s > 1) lines.push(`  if (phase % ${s}u != 0u) return;  // ${why}`);
  };
  plan.layers.forEach((layer, j) => {
    const { I, P, H, stepScale } = layer;
    const input = j === 0 ? '&u0' : `g.scratch + ${layer.inputScratchOffset}`;
    if (j === 0) {
      guard(stepScale, `layer 0 ticks at i ≡ 0 (mod ${stepScale})`);
      lines.push('  const float u0 = standardise(sample);');
    }
    lines.push(`  // layer ${j}: I=${I} P=${P} H=${H}, state update at i ≡ 0 (mod ${stepScale})`);
    const b = int8 ? `W::l${j}_b_q, W::l${j}_b_scale` : `W::l${j}_b, kNoScale`;
    lines.push(
      `  ssmUpdate<${I}, ${P}>(g.state + ${layer.stateOffset}, W::l${j}_a_re, W::l${j}_a_im, ${b}, W::l${j}_bias_b_re, W::l${j}_bias_b_im, ${input});`,
    );
    if (j < L - 1) guard(layer.outputStepScale, `layer ${j + 1} consumes layer ${j}'s output only at i ≡ 0 (mod ${layer.outputStepScale})`);
    lines.push(outputCall(layer, j === L - 1, input, int8));
  });
  lines.push('  ++g.count;');
  return lines.join('\n');
}

function outputCall(layer: LayerPlan, last: boolean, input: string, int8: boolean): string {
  const { index: j, I, P, H } = layer;
  const skipKind = { matrix: 'kSkipMatrix', identity: 'kSkipIdentity', broadcast: 'kSkipBroadcast' }[layer.skip];
  const out = last ? 'g.pool' : `g.scratch + ${layer.outputScratchOffset}`;
  const c = int8 ? `W::l${j}_c_q, W::l${j}_c_scale` : `W::l${j}_c, kNoScale`;
  const weightType = int8 ? 'int8_t' : 'float';
  let s: string;
  if (layer.skip !== 'matrix') s = `static_cast<const ${weightType}*>(nullptr), kNoScale`;
  else s = int8 ? `W::l${j}_skip_q, W::l${j}_skip_scale` : `W::l${j}_skip, kNoScale`;
  const what = last ? 'output added into the pooled sum' : 'output';
  return `  ssmOutput<${I}, ${P}, ${H}, ${skipKind}, ${last ? 'kPool' : 'kStore'}>(${out}, g.state + ${layer.stateOffset}, ${c}, W::l${j}_bias_c, ${s}, ${input});  // ${what}`;
}

function weightsHeader(name: string, source: string, weights: PackedWeights): string {
  const parts = [
    `// ${name}_weights.hpp: weights for ${name}.cpp, generated by \`sedge export-cpp\` from ${source}.`,
    '// Included by that file only. constexpr arrays live in read-only memory (flash on a microcontroller).',
    `// ${weights.weightBytes} bytes in total.`,
    '#pragma once',
    '#include <stdint.h>',
    '',
    `namespace ${name} {`,
    'namespace weights {',
    '',
    ...weights.arrays.map(arrayDefinition),
    '}  // namespace weights',
    `}  // namespace ${name}`,
    '',
  ];
  return parts.join('\n');
}

function manifest(name: string, source: string, plan: CppPlan, weights: PackedWeights, int8: boolean) {
  return {
    name,
    source,
    int8,
    poolKahan: plan.poolKahan,
    stepScales: plan.stepScales,
    clipSamples: plan.clipSamples,
    classes: plan.classes,
    ticksPerClip: plan.ticksPerClip,
    layers: plan.layers.map(({ I, P, H, stepScale, outputStepScale, skip }) => ({ I, P, H, stepScale, outputStepScale, skip })),
    bytes: {
      weights: weights.weightBytes,
      permanent: plan.permanentBytes,
      scratch: plan.scratchBytes,
      arena: plan.arenaBytes,
    },
  };
}

function cString(text: string): string {
  return `"${text.replace(/[^\x20-\x7e]|["\\]/g, (ch) => (ch === '"' || ch === '\\' ? `\\${ch}` : `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}""`))}"`;
}
