/**
 * Weight layouts for the emitted kernels, made from the same Model the runtime uses. Every layout is
 * chosen so that each inner loop is one contiguous dot product (Cpp-NN packs for the same reason):
 *
 *   B  (P, 2, I): row 2p = Re B̄[p,:], row 2p+1 = Im B̄[p,:]     → Bu_p = (B[2p]·u, B[2p+1]·u)
 *   C  (H, 2P):   row h = [Re C[h,:] | −Im C[h,:]]               → Re(C x)_h = C[h]·[Re x | Im x]
 *   S  (H, I), W (K, H): the model's row-major layout.
 *
 * `--int8` quantises B, C, S and W per output row (symmetric, scale = max|row|/127, round to
 * nearest); A, the biases and the state stay float. B's Re and Im rows of a state have a scale each.
 * The biases then absorb the rounding error at the settled silent input (correctBiases).
 */
import type { Model } from '../../src/model/model.js';
import { settles, silentSteadyState, silentSteadyStateOutput, type SettledLayer } from './centre.js';
import type { CppPlan } from './plan.js';

export type WeightArray =
  | { name: string; type: 'float'; values: Float32Array; comment: string }
  | { name: string; type: 'int8'; values: Int8Array; comment: string };

export interface PackedWeights {
  arrays: WeightArray[];
  /** sizeof of all weight arrays together (what sits in flash besides code). */
  weightBytes: number;
}

export function packWeights(model: Model, plan: CppPlan, int8: boolean): PackedWeights {
  const arrays: WeightArray[] = [];
  const f32 = (name: string, values: Float32Array, comment: string) => arrays.push({ name, type: 'float', values, comment });
  const settled = int8 ? silentSteadyState(model) : [];

  plan.layers.forEach(({ index: j, I, P, H, skip }) => {
    const layer = model.layers[j];
    f32(`l${j}_a_re`, Float32Array.from(layer.aRe), `Re Ā (${P})`);
    f32(`l${j}_a_im`, Float32Array.from(layer.aIm), `Im Ā (${P})`);
    const b = new Float32Array(2 * P * I);
    for (let p = 0; p < P; p++) {
      b.set(layer.bRe.subarray(p * I, p * I + I), 2 * p * I);
      b.set(layer.bIm.subarray(p * I, p * I + I), (2 * p + 1) * I);
    }
    const c = new Float32Array(2 * H * P);
    for (let h = 0; h < H; h++) {
      c.set(layer.cRe.subarray(h * P, h * P + P), 2 * h * P);
      for (let p = 0; p < P; p++) c[2 * h * P + P + p] = -layer.cIm[h * P + p];
    }
    const biasBRe = Float32Array.from(layer.biasBRe), biasBIm = Float32Array.from(layer.biasBIm), biasC = Float32Array.from(layer.biasCRe);
    const bq = int8 ? quantiseRows(b, 2 * P, I) : null;
    const cq = int8 ? quantiseRows(c, H, 2 * P) : null;
    if (bq && cq) correctBiases(settled[j], b, bq, c, cq, biasBRe, biasBIm, biasC);
    f32(`l${j}_bias_b_re`, biasBRe, `Re b̄ (${P})${bq ? ', corrected for int8 B̄' : ''}`);
    f32(`l${j}_bias_b_im`, biasBIm, `Im b̄ (${P})`);
    f32(`l${j}_bias_c`, biasC, `Re c (${H})${cq ? ', corrected for int8 C' : ''}`);
    if (bq && cq) {
      pushInt8(arrays, `l${j}_b`, bq, 2 * P, `B̄ packed (P=${P}, 2, I=${I}), int8 per row (Re and Im of each state)`);
      pushInt8(arrays, `l${j}_c`, cq, H, `C packed (H=${H}, [Re | −Im] 2P=${2 * P}), int8 per output`);
    } else {
      f32(`l${j}_b`, b, `B̄ packed (P=${P}, 2, I=${I}): rows Re, Im per state`);
      f32(`l${j}_c`, c, `C packed (H=${H}, 2P=${2 * P}): [Re C | −Im C] per output`);
    }
    if (skip === 'matrix') {
      const s = Float32Array.from(layer.skip as Float32Array);
      if (int8) pushInt8(arrays, `l${j}_skip`, quantiseRows(s, H, I), H, `skip S (H=${H}, I=${I}), int8 per output`);
      else f32(`l${j}_skip`, s, `skip S (H=${H}, I=${I})`);
    }
  });
  const { weight, bias } = model.decoder;
  const K = plan.classes;
  const H = plan.hLast;
  if (int8) pushInt8(arrays, 'dec_w', quantiseRows(Float32Array.from(weight), K, H), K, `decoder W (K=${K}, H=${H}), int8 per class`);
  else f32('dec_w', Float32Array.from(weight), `decoder W (K=${K}, H=${H})`);
  f32('dec_b', Float32Array.from(bias), `decoder bias (${K}): logits before anything was pooled`);
  const centre = Float32Array.from(silentSteadyStateOutput(model));
  f32('pool_centre', centre, `pooling centre (${H}): last-layer output for a silent input, subtracted before summing`);
  // The float W here, also with --int8: logits = Wq·(mean o − centre) + b + W·centre, so int8 W errs
  // only on what the clip moves away from silence.
  const biasCentred = Float32Array.from(bias, (b, k) => {
    let acc = b;
    for (let h = 0; h < H; h++) acc += weight[k * H + h] * centre[h];
    return acc;
  });
  f32('dec_b_centred', biasCentred, `decoder bias + W·pool_centre (${K})`);

  for (const a of arrays) {
    if (a.type === 'float') {
      const bad = a.values.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) throw new RangeError(`export-cpp: weight '${a.name}' element ${bad} is ${a.values[bad]}, expected a finite number`);
    }
  }
  const weightBytes = arrays.reduce((n, a) => n + a.values.length * (a.type === 'float' ? 4 : 1), 0);
  return { arrays, weightBytes };
}

/** Symmetric per-row int8: q = round(w / scale), scale = max|row| / 127 (1 for an all-zero row). */
export function quantiseRows(values: Float32Array, rows: number, cols: number): { q: Int8Array; scale: Float32Array } {
  const q = new Int8Array(rows * cols);
  const scale = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    let max = 0;
    for (let c = 0; c < cols; c++) max = Math.max(max, Math.abs(values[r * cols + c]));
    const s = max > 0 ? Math.fround(max / 127) : 1;
    scale[r] = s;
    for (let c = 0; c < cols; c++) q[r * cols + c] = Math.max(-127, Math.min(127, Math.round(values[r * cols + c] / s)));
  }
  return { q, scale };
}

type Quantised = ReturnType<typeof quantiseRows>;

/** The weights the int8 kernels compute with: q · scale of its row, in float64 (as the float products are exact). */
export const dequantiseRows = ({ q, scale }: Quantised, cols: number): Float64Array => Float64Array.from(q, (v, n) => v * scale[Math.floor(n / cols)]);

function pushInt8(arrays: WeightArray[], name: string, quantised: Quantised, rows: number, comment: string) {
  arrays.push({ name: `${name}_q`, type: 'int8', values: quantised.q, comment });
  arrays.push({ name: `${name}_scale`, type: 'float', values: quantised.scale, comment: `per-row scale of ${name}_q (${rows})` });
}

/**
 * Bias correction for int8 B̄ and C: the rounding error times the layer's settled input u* (for B̄)
 * and state x* (for C) moves to the float biases, b̄ += (B̄ − B̄q)·u*, c += Re((C − Cq)·x*), so the
 * quantised layer settles on silence exactly where the float one does. Without it, C's error times
 * the large settled state of the slow states dominated: on the default model, int8 C of layer 0
 * alone moved the logits by 5.7 % of the largest |logit| (median), 0.6 % with the correction.
 * Skipped for a layer whose poles do not settle.
 */
function correctBiases(settled: SettledLayer, b: Float32Array, bq: Quantised, c: Float32Array, cq: Quantised,
  biasBRe: Float32Array, biasBIm: Float32Array, biasC: Float32Array): void {
  const { input: u, stateRe, stateIm } = settled;
  if (!(settles(u) && settles(stateRe) && settles(stateIm))) return;
  const I = u.length, P = stateRe.length, H = biasC.length;
  const bDq = dequantiseRows(bq, I), cDq = dequantiseRows(cq, 2 * P);
  for (let p = 0; p < P; p++) {
    let re = 0, im = 0;
    for (let i = 0; i < I; i++) {
      re += (b[2 * p * I + i] - bDq[2 * p * I + i]) * u[i];
      im += (b[(2 * p + 1) * I + i] - bDq[(2 * p + 1) * I + i]) * u[i];
    }
    biasBRe[p] += re;
    biasBIm[p] += im;
  }
  for (let h = 0; h < H; h++) {
    let acc = 0;
    for (let k = 0; k < 2 * P; k++) acc += (c[2 * h * P + k] - cDq[2 * h * P + k]) * (k < P ? stateRe[k] : stateIm[k - P]);
    biasC[h] += acc;
  }
}
