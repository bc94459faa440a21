/**
 * The authors' PyTorch state dict as .npz (golden README §3.5): import into a SedgeModel, so that a
 * model trained with their code continues here, and export back in the same keys, order, dtypes
 * (float32; num_batches_tracked int64, 0-d) and shapes.
 *
 * On import both Λ projections are applied (golden README §8 item 1): a checkpoint saved right
 * after an optimizer step may hold Im Λ < 0, which their forward pass would flip before use.
 */
import type { Model } from '../../src/model/model.js';
import type { NpyArray } from '../../src/model/npy.js';
import { parseNpz } from '../../src/model/npy.js';
import type { BatchNormBuffers } from '../autograd/batchnorm.js';
import type { Data, Tensor } from '../autograd/tensor.js';
import { encodeNpz } from '../export/npz.js';
import type { SedgeModel } from './model.js';
import { interleave } from '../../src/model/complex.js';

type Entry =
  | { kind: 'tensor'; name: string; tensor: Tensor }
  | { kind: 'buffer'; name: string; data: Data }
  | { kind: 'counter'; name: string; buffers: BatchNormBuffers };

function bnEntries(prefix: string, weight: Tensor, bias: Tensor, buffers: BatchNormBuffers): Entry[] {
  return [
    { kind: 'tensor', name: `${prefix}.weight`, tensor: weight },
    { kind: 'tensor', name: `${prefix}.bias`, tensor: bias },
    { kind: 'buffer', name: `${prefix}.running_mean`, data: buffers.runningMean },
    { kind: 'buffer', name: `${prefix}.running_var`, data: buffers.runningVar },
    { kind: 'counter', name: `${prefix}.num_batches_tracked`, buffers },
  ];
}

/** Every state-dict entry of the model, in PyTorch's order. */
function entries(model: SedgeModel): Entry[] {
  const out: Entry[] = [];
  model.layers.forEach((l, j) => {
    for (const t of [l.lambda, l.logStep, l.bBias, l.cBias, l.b, l.c]) out.push({ kind: 'tensor', name: t.name, tensor: t });
    if (l.skip) out.push({ kind: 'tensor', name: l.skip.name, tensor: l.skip });
    if (l.bn) out.push(...bnEntries(`seq.${j}.attn_norm`, l.bnWeight!, l.bnBias!, l.bn));
  });
  out.push({ kind: 'tensor', name: 'decoder.weight', tensor: model.decoderWeight }, { kind: 'tensor', name: 'decoder.bias', tensor: model.decoderBias });
  out.push(...bnEntries('input_norm', model.inputNorm.weight, model.inputNorm.bias, model.inputNorm.buffers));
  return out;
}

const shapeOf = (e: Entry): number[] =>
  e.kind === 'tensor' ? [...e.tensor.shape] : e.kind === 'buffer' ? [e.data.length] : [];

export interface LoadOptions {
  /** File name for errors. */
  name?: string;
  /** Refuse unknown keys (default true). Missing keys are always an error. */
  strict?: boolean;
}

/** Copies a state dict (e.g. parseNpz of `tiny.state_dict.npz`) into the model, checking keys and shapes. */
export function loadStateDict(model: SedgeModel, arrays: ReadonlyMap<string, NpyArray>, options: LoadOptions = {}): void {
  const name = options.name ?? 'state dict';
  const expected = entries(model);
  const known = new Set(expected.map((e) => e.name));
  if (options.strict ?? true) {
    const unknown = [...arrays.keys()].filter((k) => !known.has(k));
    if (unknown.length > 0) throw new RangeError(`${name}: unknown keys ${unknown.join(', ')} (this model has ${[...known].join(', ')})`);
  }
  // Check everything before writing anything, so a failed load leaves the model untouched.
  for (const e of expected) {
    const a = arrays.get(e.name);
    if (!a) throw new RangeError(`${name}: missing '${e.name}'`);
    const shape = shapeOf(e);
    if (a.shape.length !== shape.length || a.shape.some((d, i) => d !== shape[i])) {
      throw new RangeError(`${name}: '${e.name}' has shape [${a.shape}], the model expects [${shape}]`);
    }
    const wanted = e.kind === 'counter' ? '<i8' : ['<f4', '<f8'];
    if (!wanted.includes(a.dtype)) throw new RangeError(`${name}: '${e.name}' has dtype '${a.dtype}', expected ${[wanted].flat().join(' or ')}`);
  }
  for (const e of expected) {
    const a = arrays.get(e.name)!;
    if (e.kind === 'tensor') e.tensor.data.set(a.data as Float32Array | Float64Array);
    else if (e.kind === 'buffer') e.data.set(a.data as Float32Array | Float64Array);
    else e.buffers.numBatchesTracked = Number((a.data as BigInt64Array)[0]);
  }
  model.projectEigenvalues();
}

export function loadStateDictNpz(model: SedgeModel, bytes: Uint8Array, options: LoadOptions = {}): void {
  const name = options.name ?? 'state_dict.npz';
  loadStateDict(model, parseNpz(bytes, name), { ...options, name });
}

/** The model's state dict as float32 arrays (num_batches_tracked as 0-d int64), in PyTorch's key order. */
export function stateDict(model: SedgeModel): Map<string, NpyArray> {
  const out = new Map<string, NpyArray>();
  for (const e of entries(model)) {
    if (e.kind === 'counter') out.set(e.name, { dtype: '<i8', shape: [], data: BigInt64Array.of(BigInt(e.buffers.numBatchesTracked)) });
    else out.set(e.name, { dtype: '<f4', shape: shapeOf(e), data: Float32Array.from(e.kind === 'tensor' ? e.tensor.data : e.data) });
  }
  return out;
}

export const encodeStateDictNpz = (model: SedgeModel): Uint8Array => encodeNpz(stateDict(model));

/**
 * A trained sedge model (a .safetensors with continuous parameters, e.g. models/sedge-tiny.safetensors)
 * as the state dict of the BatchNorm-free SedgeModel that computes the same function: its BatchNorm is
 * already folded into B and B_bias (export step 2), so the model continues training with `norm: false`.
 * The optimizer's moments are not in the file: a run started from it has a fresh AdamW.
 */
export function stateDictOfModel(model: Model, name: string): Map<string, NpyArray> {
  const out = new Map<string, NpyArray>();
  const f32 = (shape: number[], data: Float32Array): NpyArray => ({ dtype: '<f4', shape, data });
  const complex = (re: Float32Array, im: Float32Array, shape: number[]) => f32([...shape, 2], interleave(re, im));
  model.layers.forEach((l, j) => {
    const c = l.continuous;
    if (!c) throw new RangeError(`${name}: layer ${j} has no continuous parameters (layers.${j}.continuous.*), so it cannot be re-discretised or trained further; only models written by sedge train have them`);
    const { inputSize: I, stateSize: P, outputSize: H } = l;
    const at = `seq.${j}.s5.seq.`;
    out.set(`${at}Lambda`, complex(c.lambdaRe, c.lambdaIm, [P]));
    out.set(`${at}log_step`, f32([P], c.logStep));
    out.set(`${at}B_bias`, complex(c.biasBRe, c.biasBIm, [P]));
    out.set(`${at}C_bias`, complex(l.biasCRe, l.biasCIm, [H]));
    out.set(`${at}B`, complex(c.bRe, c.bIm, [P, I]));
    out.set(`${at}C`, complex(l.cRe, l.cIm, [H, P]));
    if (l.skip) out.set(`seq.${j}.skipLayer.weight`, f32([H, I], l.skip));
  });
  const K = model.decoder.bias.length;
  out.set('decoder.weight', f32([K, model.decoder.weight.length / K], model.decoder.weight));
  out.set('decoder.bias', f32([K], model.decoder.bias));
  // The authors' unused input_norm, at its initial values.
  out.set('input_norm.weight', f32([1], Float32Array.of(1)));
  out.set('input_norm.bias', f32([1], Float32Array.of(0)));
  out.set('input_norm.running_mean', f32([1], Float32Array.of(0)));
  out.set('input_norm.running_var', f32([1], Float32Array.of(1)));
  out.set('input_norm.num_batches_tracked', { dtype: '<i8', shape: [], data: BigInt64Array.of(0n) });
  return out;
}
