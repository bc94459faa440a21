/**
 * sedge's native model file: safetensors with F32 tensors and string metadata.
 *
 *   layers.{i}.A (P,2)  .B (P,I,2)  .B_bias (P,2)  .C (H,P,2)  .C_bias (H,2)  .skip (H,I) [absent = identity]
 *   layers.{i}.continuous.Lambda (P,2)  .log_step (P)  .B (P,I,2)  .B_bias (P,2)   [optional, all or none]
 *   decoder.weight (K,H_last)  decoder.bias (K)
 * Complex tensors carry a trailing dimension 2 = (re, im), like the authors' `Lambda (P,2)`.
 * __metadata__: format "sedge", format_version "1", architecture "s-edge", labels, sample_rate_hz,
 * clip_samples, input_mean, input_std, step_scales, layer_sizes, description (values are JSON text).
 */
import { ModelFormatError } from '../errors.js';
import type { ContinuousParams, Model, SsmLayer } from './model.js';
import { encodeSafetensorsContainer, readSafetensorsContainer, type F32Tensor } from './safetensors-container.js';
import { validateModel } from './validate.js';
import { deinterleave, interleave } from './complex.js';

const FORMAT = 'sedge';
const FORMAT_VERSION = '1';
const ARCHITECTURE = 's-edge';

const complex = (re: Float32Array, im: Float32Array, shape: number[]): F32Tensor => ({ shape: [...shape, 2], data: interleave(re, im) });

/** Serialises a (validated) Model; the result opens with Python's `safetensors.safe_open`. */
export function encodeSafetensors(model: Model): Uint8Array {
  validateModel(model, 'encodeSafetensors');
  const tensors = new Map<string, F32Tensor>();
  model.layers.forEach((l, i) => {
    const { inputSize: I, stateSize: P, outputSize: H } = l;
    const at = `layers.${i}.`;
    tensors.set(`${at}A`, complex(l.aRe, l.aIm, [P]));
    tensors.set(`${at}B`, complex(l.bRe, l.bIm, [P, I]));
    tensors.set(`${at}B_bias`, complex(l.biasBRe, l.biasBIm, [P]));
    tensors.set(`${at}C`, complex(l.cRe, l.cIm, [H, P]));
    tensors.set(`${at}C_bias`, complex(l.biasCRe, l.biasCIm, [H]));
    if (l.skip !== null) tensors.set(`${at}skip`, { shape: [H, I], data: l.skip });
    const c = l.continuous;
    if (c) {
      tensors.set(`${at}continuous.Lambda`, complex(c.lambdaRe, c.lambdaIm, [P]));
      tensors.set(`${at}continuous.log_step`, { shape: [P], data: c.logStep });
      tensors.set(`${at}continuous.B`, complex(c.bRe, c.bIm, [P, I]));
      tensors.set(`${at}continuous.B_bias`, complex(c.biasBRe, c.biasBIm, [P]));
    }
  });
  const K = model.decoder.bias.length;
  tensors.set('decoder.weight', { shape: [K, model.decoder.weight.length / K], data: model.decoder.weight });
  tensors.set('decoder.bias', { shape: [K], data: model.decoder.bias });

  const metadata: Record<string, string> = {
    format: FORMAT,
    format_version: FORMAT_VERSION,
    architecture: ARCHITECTURE,
    labels: JSON.stringify(model.labels),
    sample_rate_hz: JSON.stringify(model.sampleRateHz),
    clip_samples: JSON.stringify(model.clipSamples),
    input_mean: JSON.stringify(model.inputMean),
    input_std: JSON.stringify(model.inputStd),
    step_scales: JSON.stringify(model.layers.map((l) => l.stepScale)),
    layer_sizes: JSON.stringify(model.layers.map((l) => ({ in: l.inputSize, state: l.stateSize, out: l.outputSize }))),
  };
  if (model.description !== undefined) metadata.description = model.description;
  return encodeSafetensorsContainer({ metadata, tensors });
}

const TENSOR_NAME = /^layers\.(0|[1-9]\d{0,5})\.(A|B|B_bias|C|C_bias|skip|continuous\.(?:Lambda|log_step|B|B_bias))$/;

export interface SafetensorsOptions {
  /** Replace the stored labels (same count as the decoder's classes). */
  labels?: readonly string[];
  /** Replace the stored sample rate. */
  sampleRateHz?: number;
}

export function modelFromSafetensors(bytes: Uint8Array, name: string, options: SafetensorsOptions = {}): Model {
  const fail = (why: string): never => {
    throw new ModelFormatError(`${name}: ${why}`);
  };
  const { metadata, tensors } = readSafetensorsContainer(bytes, name);
  if (metadata.format !== FORMAT) fail(`not a sedge model (metadata format ${JSON.stringify(metadata.format)}, expected "${FORMAT}")`);
  if (metadata.format_version !== FORMAT_VERSION) fail(`format_version ${JSON.stringify(metadata.format_version)} is not supported (expected "${FORMAT_VERSION}")`);
  if (metadata.architecture !== ARCHITECTURE) fail(`architecture ${JSON.stringify(metadata.architecture)} is not "${ARCHITECTURE}"`);
  const json = (key: string, check: (v: unknown) => boolean, expected: string): unknown => {
    let value: unknown;
    try {
      value = JSON.parse(metadata[key] ?? fail(`metadata '${key}' is missing`));
    } catch (err) {
      if (err instanceof ModelFormatError) throw err;
      fail(`metadata '${key}' is not valid JSON: ${JSON.stringify(metadata[key].slice(0, 100))}`);
    }
    return check(value) ? value : fail(`metadata '${key}' is ${metadata[key].slice(0, 100)}, expected ${expected}`);
  };
  const isNumber = (v: unknown) => typeof v === 'number';
  const isCount = (v: unknown) => Number.isSafeInteger(v) && (v as number) > 0;
  const labels = json('labels', (v) => Array.isArray(v) && v.every((l) => typeof l === 'string'), 'a JSON array of strings') as string[];
  const sampleRateHz = json('sample_rate_hz', isNumber, 'a number') as number;
  const clipSamples = json('clip_samples', isNumber, 'a number') as number;
  const inputMean = json('input_mean', (v) => v === null || isNumber(v), 'a number or null') as number | null;
  const inputStd = json('input_std', (v) => v === null || isNumber(v), 'a number or null') as number | null;
  const stepScales = json('step_scales', (v) => Array.isArray(v) && v.every(isNumber), 'a JSON array of numbers') as number[];
  const sizes = json('layer_sizes', (v) => Array.isArray(v) && v.length > 0 && v.every((s) => isCount(s?.in) && isCount(s?.state) && isCount(s?.out)),
    'a non-empty JSON array of {in, state, out} positive integers') as Array<{ in: number; state: number; out: number }>;
  if (stepScales.length !== sizes.length) fail(`metadata has ${stepScales.length} step_scales but ${sizes.length} layer_sizes`);

  const used = new Set<string>();
  const take = (tensor: string, shape: number[], optional = false): Float32Array | null => {
    const t = tensors.get(tensor);
    if (!t) return optional ? null : fail(`tensor '${tensor}' is missing`);
    if (t.shape.length !== shape.length || t.shape.some((d, k) => d !== shape[k])) fail(`tensor '${tensor}' has shape [${t.shape}], expected [${shape}]`);
    used.add(tensor);
    return t.data;
  };
  const takeComplex = (tensor: string, shape: number[]): [Float32Array, Float32Array] => deinterleave(take(tensor, [...shape, 2])!);

  const layers: SsmLayer[] = sizes.map(({ in: I, state: P, out: H }, i) => {
    const at = `layers.${i}.`;
    const [aRe, aIm] = takeComplex(`${at}A`, [P]);
    const [bRe, bIm] = takeComplex(`${at}B`, [P, I]);
    const [biasBRe, biasBIm] = takeComplex(`${at}B_bias`, [P]);
    const [cRe, cIm] = takeComplex(`${at}C`, [H, P]);
    const [biasCRe, biasCIm] = takeComplex(`${at}C_bias`, [H]);
    const skip = take(`${at}skip`, [H, I], true);
    const layer: SsmLayer = { inputSize: I, stateSize: P, outputSize: H, stepScale: stepScales[i], aRe, aIm, bRe, bIm, biasBRe, biasBIm, cRe, cIm, biasCRe, biasCIm, skip };
    const continuousNames = ['Lambda', 'log_step', 'B', 'B_bias'].map((n) => `${at}continuous.${n}`);
    const present = continuousNames.filter((n) => tensors.has(n));
    if (present.length > 0 && present.length < continuousNames.length) {
      fail(`layer ${i} has only some continuous tensors (${present.join(', ')}); all four or none are needed`);
    }
    if (present.length > 0) layer.continuous = readContinuous(at, P, I, takeComplex, take);
    return layer;
  });

  const bias = tensors.get('decoder.bias');
  if (!bias || bias.shape.length !== 1) fail(`tensor 'decoder.bias' is missing or not 1-D`);
  const K = bias!.shape[0];
  const weight = take('decoder.weight', [K, sizes[sizes.length - 1].out])!;
  take('decoder.bias', [K]);
  for (const tensor of tensors.keys()) {
    if (used.has(tensor)) continue;
    const layer = TENSOR_NAME.exec(tensor);
    fail(layer ? `tensor '${tensor}' is for layer ${layer[1]}, but layer_sizes lists ${sizes.length} layers` : `unknown tensor '${tensor}'`);
  }

  const model: Model = {
    layers, decoder: { weight, bias: bias!.data }, labels: options.labels ? [...options.labels] : labels,
    sampleRateHz: options.sampleRateHz ?? sampleRateHz, clipSamples, inputMean, inputStd,
  };
  if (metadata.description !== undefined) model.description = metadata.description;
  validateModel(model, name);
  return model;
}

function readContinuous(
  at: string, P: number, I: number,
  takeComplex: (tensor: string, shape: number[]) => [Float32Array, Float32Array],
  take: (tensor: string, shape: number[]) => Float32Array | null,
): ContinuousParams {
  const [lambdaRe, lambdaIm] = takeComplex(`${at}continuous.Lambda`, [P]);
  const logStep = take(`${at}continuous.log_step`, [P])!;
  const [bRe, bIm] = takeComplex(`${at}continuous.B`, [P, I]);
  const [biasBRe, biasBIm] = takeComplex(`${at}continuous.B_bias`, [P]);
  return { lambdaRe, lambdaIm, logStep, bRe, bIm, biasBRe, biasBIm };
}
