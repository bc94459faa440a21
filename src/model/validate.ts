/**
 * The invariants every Model must satisfy before an engine may run it. Readers call this after
 * parsing; consumers handed a hand-built Model call it too. The engine then loops unchecked, so
 * anything it relies on (sizes, finiteness, stability, nested step scales) is checked here.
 */
import { ModelFormatError } from '../errors.js';
import type { ContinuousParams, Model, SsmLayer } from './model.js';

/** Throws a ModelFormatError prefixed with `source` (a file name or other origin) at the first problem. */
export function validateModel(model: Model, source: string): void {
  const fail = (why: string): never => {
    throw new ModelFormatError(`${source}: ${why}`);
  };
  if (typeof model !== 'object' || model === null) fail('model is not an object');
  if (!Array.isArray(model.layers) || model.layers.length === 0) fail('model has no SSM layers');

  let previousOutput = 1; // I_0 = 1: the input is mono audio
  model.layers.forEach((layer, j) => {
    checkSizes(layer, j, previousOutput, fail);
    checkLayerTensors(layer, j, fail);
    previousOutput = layer.outputSize;
  });
  checkStepScales(model.layers.map((l) => l.stepScale), fail);

  const { decoder } = model;
  if (typeof decoder !== 'object' || decoder === null) fail('model has no decoder');
  const K = decoder.bias instanceof Float32Array ? decoder.bias.length : 0;
  if (K < 1) fail('decoder bias must be a non-empty Float32Array (one entry per class)');
  checkTensor(decoder.weight, [K, previousOutput], 'decoder weight', fail);
  checkTensor(decoder.bias, [K], 'decoder bias', fail);

  if (!Array.isArray(model.labels) || !model.labels.every((l) => typeof l === 'string')) fail('labels must be an array of strings');
  if (model.labels.length !== K) fail(`has ${model.labels.length} labels but the decoder has K=${K} classes`);
  if (!(Number.isFinite(model.sampleRateHz) && model.sampleRateHz > 0)) fail(`sampleRateHz must be a positive number, got ${model.sampleRateHz}`);
  if (!(Number.isSafeInteger(model.clipSamples) && model.clipSamples > 0)) fail(`clipSamples must be a positive integer, got ${model.clipSamples}`);
  if ((model.inputMean === null) !== (model.inputStd === null)) fail('inputMean and inputStd must both be set or both be null');
  if (model.inputMean !== null && !Number.isFinite(model.inputMean)) fail(`inputMean must be finite, got ${model.inputMean}`);
  if (model.inputStd !== null && !(Number.isFinite(model.inputStd) && model.inputStd > 0)) fail(`inputStd must be a positive number, got ${model.inputStd}`);
  if (model.description !== undefined && typeof model.description !== 'string') fail('description must be a string');
}

type Fail = (why: string) => never;

function checkSizes(layer: SsmLayer, j: number, expectedInput: number, fail: Fail): void {
  if (typeof layer !== 'object' || layer === null) fail(`layer ${j} is not an object`);
  for (const key of ['inputSize', 'stateSize', 'outputSize'] as const) {
    if (!(Number.isSafeInteger(layer[key]) && layer[key] > 0)) fail(`layer ${j} ${key} must be a positive integer, got ${layer[key]}`);
  }
  if (layer.inputSize !== expectedInput) {
    fail(`layer ${j} has inputSize ${layer.inputSize}, expected ${expectedInput} (${j === 0 ? 'mono input' : `H of layer ${j - 1}`})`);
  }
  if (layer.skip === null && layer.inputSize !== 1 && layer.inputSize !== layer.outputSize) {
    fail(`layer ${j} has an identity skip (skip: null), which needs I = 1 or I = H; got I=${layer.inputSize}, H=${layer.outputSize}`);
  }
}

function checkLayerTensors(layer: SsmLayer, j: number, fail: Fail): void {
  const { inputSize: I, stateSize: P, outputSize: H } = layer;
  const at = (field: string) => `layer ${j} '${field}'`;
  for (const [field, dims] of [
    ['aRe', [P]], ['aIm', [P]], ['bRe', [P, I]], ['bIm', [P, I]], ['biasBRe', [P]], ['biasBIm', [P]],
    ['cRe', [H, P]], ['cIm', [H, P]], ['biasCRe', [H]], ['biasCIm', [H]],
  ] as const) {
    checkTensor(layer[field], dims, at(field), fail);
  }
  if (layer.skip !== null) checkTensor(layer.skip, [H, I], at('skip'), fail);
  // Stability: the state must decay, or 16000 steps of A^k blow up (and the C++ engine overflows).
  for (let p = 0; p < P; p++) {
    const magnitude = Math.hypot(layer.aRe[p], layer.aIm[p]);
    if (!(magnitude < 1)) fail(`layer ${j} state ${p} has |A| = ${magnitude} ≥ 1 (unstable; every |A| must be < 1)`);
  }
  if (layer.continuous !== undefined) checkContinuous(layer.continuous, I, P, j, fail);
}

function checkContinuous(c: ContinuousParams, I: number, P: number, j: number, fail: Fail): void {
  if (typeof c !== 'object' || c === null) fail(`layer ${j} continuous parameters are not an object`);
  const at = (field: string) => `layer ${j} continuous '${field}'`;
  for (const [field, dims] of [
    ['lambdaRe', [P]], ['lambdaIm', [P]], ['logStep', [P]], ['bRe', [P, I]], ['bIm', [P, I]], ['biasBRe', [P]], ['biasBIm', [P]],
  ] as const) {
    checkTensor(c[field], dims, at(field), fail);
  }
  const positive = c.lambdaRe.findIndex((v) => v > 0);
  if (positive >= 0) fail(`${at('lambdaRe')}[${positive}] = ${c.lambdaRe[positive]} > 0 (Re Λ must be ≤ 0 for a stable layer)`);
}

/** A Float32Array of exactly prod(dims) finite values; errors name the first bad (multi-)index. */
function checkTensor(values: unknown, dims: readonly number[], where: string, fail: Fail): void {
  if (!(values instanceof Float32Array)) return fail(`${where} must be a Float32Array`);
  const expected = dims.reduce((a, b) => a * b, 1);
  if (values.length !== expected) fail(`${where} has ${values.length} values, expected ${expected} (shape [${dims.join(',')}])`);
  for (let k = 0; k < values.length; k++) {
    if (!Number.isFinite(values[k])) {
      const index = dims.length === 2 ? `${Math.floor(k / dims[1])}, ${k % dims[1]}` : `${k}`;
      fail(`${where}[${index}] is ${values[k]} (all weights must be finite)`);
    }
  }
}

/** Spec §4.2: positive integers with s_j | s_{j+1}, or the decimation schedules do not nest. */
function checkStepScales(stepScales: number[], fail: Fail): void {
  stepScales.forEach((s, j) => {
    if (!(Number.isSafeInteger(s) && s >= 1)) fail(`layer ${j} step scale must be a positive integer, got ${s}`);
    if (j > 0 && s % stepScales[j - 1] !== 0) {
      fail(`step scales [${stepScales.join(',')}] do not nest: ${s} (layer ${j}) is not a multiple of ${stepScales[j - 1]} (layer ${j - 1})`);
    }
  });
}
