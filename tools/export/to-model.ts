/**
 * From the trainer's model to the runtime's Model (spec §2.2, [SE] `src/utils/export_model.py`):
 *
 *   1. Λ = −|Re| + i·|Im| (both stability projections: what the forward pass uses; the authors'
 *      exporter re-applies only the real one, which differs only for a checkpoint saved between
 *      an optimizer step and the next forward, golden README §8 item 1)
 *   2. BatchNorm folded in continuous time, in f64: g = γ/√(running_var + 1e-5),
 *      h = β − running_mean·g;  b ← b + Σ_j B[:, j]·h_j,  B ← B·diag(g)
 *   3. ZOH at Δ_eff = s_i·exp(log_step) for the requested step scales — by src/model/rescale.ts
 *      (`withStepScales`, with its expm1 guard), so the runtime and the exporter share one
 *      discretisation
 *   4. C, C_bias, the skip and the decoder copied
 *
 * The Model keeps the continuous parameters (BatchNorm folded), so `withStepScales` can move it to
 * any other step scales later, and `encodeSafetensors` stores them.
 */
import { SPEECH_COMMANDS_LABELS, type ContinuousParams, type Model, type SsmLayer } from '../../src/model/model.js';
import { withStepScales } from '../../src/model/rescale.js';
import { BN_EPS } from '../autograd/batchnorm.js';
import type { SedgeModel } from '../train/model.js';
import { deinterleave } from '../../src/model/complex.js';

export interface ExportOptions {
  /** Absolute step scale per layer, each dividing the next (spec §5.4); all ones by default. */
  stepScales?: readonly number[];
  labels?: readonly string[];
  sampleRateHz?: number;
  clipSamples?: number;
  /** The training set's global standardisation (spec §3.4), when known. */
  inputMean?: number | null;
  inputStd?: number | null;
  description?: string;
}

/** The continuous parameters of layer j with BatchNorm folded in (f64 arithmetic, f32 result). */
export function foldedContinuous(model: SedgeModel, j: number): ContinuousParams {
  const l = model.layers[j];
  const { I, P } = l;
  const lambda = l.lambda.data, logStep = l.logStep.data, B = l.b.data, bias = l.bBias.data;
  const gain = new Float64Array(I).fill(1), shift = new Float64Array(I);
  if (l.bn) {
    for (let i = 0; i < I; i++) {
      gain[i] = l.bnWeight!.data[i] / Math.sqrt(l.bn.runningVar[i] + BN_EPS);
      shift[i] = l.bnBias!.data[i] - l.bn.runningMean[i] * gain[i];
    }
  }
  const c: ContinuousParams = {
    lambdaRe: new Float32Array(P), lambdaIm: new Float32Array(P), logStep: Float32Array.from(logStep),
    bRe: new Float32Array(P * I), bIm: new Float32Array(P * I), biasBRe: new Float32Array(P), biasBIm: new Float32Array(P),
  };
  for (let p = 0; p < P; p++) {
    c.lambdaRe[p] = -Math.abs(lambda[2 * p]);
    c.lambdaIm[p] = Math.abs(lambda[2 * p + 1]);
    let re = bias[2 * p], im = bias[2 * p + 1];
    for (let i = 0; i < I; i++) {
      const k = p * I + i;
      re += B[2 * k] * shift[i];
      im += B[2 * k + 1] * shift[i];
      c.bRe[k] = B[2 * k] * gain[i];
      c.bIm[k] = B[2 * k + 1] * gain[i];
    }
    c.biasBRe[p] = re;
    c.biasBIm[p] = im;
  }
  return c;
}

const NO_DISCRETE = new Float32Array(0);

export function exportModel(model: SedgeModel, options: ExportOptions = {}): Model {
  const L = model.layers.length;
  const K = model.config.classes;
  const layers: SsmLayer[] = model.layers.map((l, j) => {
    const [cRe, cIm] = deinterleave(l.c.data, l.H * l.P);
    const [biasCRe, biasCIm] = deinterleave(l.cBias.data, l.H);
    return {
      inputSize: l.I, stateSize: l.P, outputSize: l.H,
      // Not discretised yet: withStepScales re-discretises every layer whose step scale differs
      // from the requested one, and 0 differs from all of them.
      stepScale: 0,
      aRe: NO_DISCRETE, aIm: NO_DISCRETE, bRe: NO_DISCRETE, bIm: NO_DISCRETE, biasBRe: NO_DISCRETE, biasBIm: NO_DISCRETE,
      cRe, cIm, biasCRe, biasCIm,
      skip: l.skip ? Float32Array.from(l.skip.data) : null,
      continuous: foldedContinuous(model, j),
    };
  });
  const labels = options.labels ? [...options.labels] : K === SPEECH_COMMANDS_LABELS.length ? [...SPEECH_COMMANDS_LABELS] : null;
  if (!labels || labels.length !== K) throw new RangeError(`exportModel: the decoder has ${K} classes; pass ${K} labels`);
  const continuousOnly: Model = {
    layers,
    decoder: { weight: Float32Array.from(model.decoderWeight.data), bias: Float32Array.from(model.decoderBias.data) },
    labels,
    sampleRateHz: options.sampleRateHz ?? 16000,
    clipSamples: options.clipSamples ?? 16000,
    inputMean: options.inputMean ?? null,
    inputStd: options.inputStd ?? null,
    description: options.description ?? 'exported by tools/export from a trained S-Edge model',
  };
  return withStepScales(continuousOnly, options.stepScales ?? new Array<number>(L).fill(1));
}
