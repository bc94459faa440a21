/**
 * Layer-wise downsampling (spec §5.4): the same network at other step scales.
 *
 * With continuous parameters (Λ, log Δ, B, b) the layer is re-discretised exactly by ZOH with
 * Δ_eff = s·exp(log_step). A discrete-only model (a model_dict.npy) can still move to any integer
 * multiple k of its exported step scale, because ZOH composes: holding the input for k steps gives
 *   Ā' = Ā^k,   B̄' = (1 + Ā + … + Ā^{k−1}) B̄   (and the same for b̄),
 * which is exact in exact arithmetic. Finer step scales need the continuous parameters.
 */
import { UsageError } from '../errors.js';
import type { Model, SsmLayer } from './model.js';
import { validateModel } from './validate.js';

/** A copy of `model` running at `stepScales` (one per layer, each dividing the next). */
export function withStepScales(model: Model, stepScales: readonly number[]): Model {
  if (stepScales.length !== model.layers.length) {
    throw new UsageError(`step scales [${stepScales.join(',')}] have ${stepScales.length} entries, the model has ${model.layers.length} layers`);
  }
  const layers = model.layers.map((layer, j) => rescaleLayer(layer, stepScales[j], j));
  const rescaled = { ...model, layers };
  validateModel(rescaled, `step scales [${stepScales.join(',')}]`);
  return rescaled;
}

function rescaleLayer(layer: SsmLayer, target: number, j: number): SsmLayer {
  if (!Number.isInteger(target) || target < 1) throw new UsageError(`step scale of layer ${j} must be a positive integer, got ${target}`);
  if (target === layer.stepScale) return layer;
  if (layer.continuous) return { ...layer, ...discretise(layer, target), stepScale: target };
  if (target % layer.stepScale !== 0) {
    throw new UsageError(`layer ${j}: step scale ${target} is not a multiple of the exported ${layer.stepScale}; ` +
      'a model without continuous parameters (e.g. a model_dict.npy) can only be coarsened by integer factors');
  }
  return { ...layer, ...compose(layer, target / layer.stepScale), stepScale: target };
}

type Discrete = Pick<SsmLayer, 'aRe' | 'aIm' | 'bRe' | 'bIm' | 'biasBRe' | 'biasBIm'>;

/** Scales row p of B (P × I) and b̄ by the complex factor (gRe[p] + i·gIm[p]), into new arrays. */
function scaleRows(layer: Pick<SsmLayer, 'bRe' | 'bIm' | 'biasBRe' | 'biasBIm' | 'inputSize'>, gRe: Float64Array, gIm: Float64Array) {
  const I = layer.inputSize, P = gRe.length;
  const bRe = new Float32Array(P * I), bIm = new Float32Array(P * I);
  const biasBRe = new Float32Array(P), biasBIm = new Float32Array(P);
  for (let p = 0; p < P; p++) {
    for (let i = 0; i < I; i++) {
      const re = layer.bRe[p * I + i], im = layer.bIm[p * I + i];
      bRe[p * I + i] = gRe[p] * re - gIm[p] * im;
      bIm[p * I + i] = gRe[p] * im + gIm[p] * re;
    }
    biasBRe[p] = gRe[p] * layer.biasBRe[p] - gIm[p] * layer.biasBIm[p];
    biasBIm[p] = gRe[p] * layer.biasBIm[p] + gIm[p] * layer.biasBRe[p];
  }
  return { bRe, bIm, biasBRe, biasBIm };
}

function compose(layer: SsmLayer, k: number): Discrete {
  const P = layer.stateSize;
  const aRe = new Float32Array(P), aIm = new Float32Array(P);
  const gRe = new Float64Array(P), gIm = new Float64Array(P);
  for (let p = 0; p < P; p++) {
    // Σ_{m<k} Ā^m and Ā^k by direct accumulation in f64 (k ≤ a few hundred; no 1/(Ā−1) cancellation).
    let powRe = 1, powIm = 0, sumRe = 0, sumIm = 0;
    for (let m = 0; m < k; m++) {
      sumRe += powRe; sumIm += powIm;
      [powRe, powIm] = [powRe * layer.aRe[p] - powIm * layer.aIm[p], powRe * layer.aIm[p] + powIm * layer.aRe[p]];
    }
    aRe[p] = powRe; aIm[p] = powIm; gRe[p] = sumRe; gIm[p] = sumIm;
  }
  return { aRe, aIm, ...scaleRows(layer, gRe, gIm) };
}

/** ZOH at Δ_eff = s·exp(log_step): Ā = exp(ΛΔ), B̄ = (Ā − 1)/Λ · B, with (Ā − 1)/Λ = Δ·expm1(z)/z for accuracy at small z. */
function discretise(layer: SsmLayer, stepScale: number): Discrete {
  const c = layer.continuous!;
  const P = layer.stateSize;
  const aRe = new Float32Array(P), aIm = new Float32Array(P);
  const gRe = new Float64Array(P), gIm = new Float64Array(P);
  for (let p = 0; p < P; p++) {
    const delta = stepScale * Math.exp(c.logStep[p]);
    const zRe = c.lambdaRe[p] * delta, zIm = c.lambdaIm[p] * delta;
    const mag = Math.exp(zRe);
    aRe[p] = mag * Math.cos(zIm);
    aIm[p] = mag * Math.sin(zIm);
    // expm1(z) = e^{zRe}(cos zIm + i sin zIm) − 1, written to keep precision when |z| is small.
    const emRe = Math.expm1(zRe) * Math.cos(zIm) - 2 * Math.sin(zIm / 2) ** 2, emIm = mag * Math.sin(zIm);
    const zz = zRe * zRe + zIm * zIm;
    const [qRe, qIm] = zz === 0 ? [1, 0] : [(emRe * zRe + emIm * zIm) / zz, (emIm * zRe - emRe * zIm) / zz];
    gRe[p] = delta * qRe;
    gIm[p] = delta * qIm;
  }
  return { aRe, aIm, ...scaleRows({ ...c, inputSize: layer.inputSize }, gRe, gIm) };
}
