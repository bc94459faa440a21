import { describe, expect, it } from 'vitest';
import { InputError, ModelFormatError } from '../../src/errors.js';
import type { Model, SsmLayer } from '../../src/model/model.js';
import { referenceForward } from '../../src/reference/forward.js';
import { seededRandom, syntheticModel } from '../helpers/synthetic-model.js';

const F64_TOL = 1e-12; // float64 sums of O(1) terms, reordered
const f32 = (...v: number[]) => Float32Array.from(v);

/** A 1-state, 1-output layer: x_t = a x_{t−1} + u_t, y = Re(x), skip given. */
function scalarLayer(aRe: number, aIm: number, stepScale: number, skip: Float32Array | null): SsmLayer {
  return {
    inputSize: 1, stateSize: 1, outputSize: 1, stepScale,
    aRe: f32(aRe), aIm: f32(aIm), bRe: f32(1), bIm: f32(0), biasBRe: f32(0), biasBIm: f32(0),
    cRe: f32(1), cIm: f32(0), biasCRe: f32(0), biasCIm: f32(0), skip,
  };
}

function modelOf(layers: SsmLayer[], clipSamples: number, W = f32(2), b = f32(1)): Model {
  return {
    layers, decoder: { weight: W, bias: b }, labels: b.length === 1 ? ['only'] : [...b].map((_, k) => `c${k}`),
    sampleRateHz: 16000, clipSamples, inputMean: null, inputStd: null,
  };
}

const ramp = (n: number, scale = 1) => Float32Array.from({ length: n }, (_, k) => scale * (k + 1));
const noise = (n: number, seed: number) => {
  const rand = seededRandom(seed);
  return Float32Array.from({ length: n }, () => 2 * rand() - 1);
};

describe('referenceForward on hand-computed models', () => {
  it('real pole 0.5, impulse input, broadcast skip', () => {
    // x = [1, .5, .25, .125], o = x + u = [2, .5, .25, .125], mean 0.71875, logit 1 + 2·mean
    const r = referenceForward(modelOf([scalarLayer(0.5, 0, 1, null)], 4), [1, 0, 0, 0], { taps: true });
    expect([...r.layerOutputs![0]]).toEqual([2, 0.5, 0.25, 0.125]);
    expect(r.layerMeans[0][0]).toBe(0.71875);
    expect(r.logits[0]).toBe(2.4375);
  });

  it('rotating pole 0.5i: Re(x) goes negative and LeakyReLU scales it by 0.01', () => {
    // x = [1, .5i, −.25, −.125i], y = [1, 0, −.25, 0], o = [1, 0, −.0025, 0] (zero skip)
    const r = referenceForward(modelOf([scalarLayer(0, 0.5, 1, f32(0))], 4), [1, 0, 0, 0], { taps: true });
    const o = r.layerOutputs![0];
    expect(o[0]).toBe(1);
    expect(o[1]).toBeCloseTo(0, 15);
    expect(o[2]).toBeCloseTo(-0.0025, 15);
    expect(o[3]).toBeCloseTo(0, 15);
  });

  it('decimates by s_i/s_{i−1} starting at index 0: a memoryless chain returns clip[t·s_i]', () => {
    // A = 0, B = C = 1, no biases, skip 0: o_t = u_t for positive input
    const layers = [scalarLayer(0, 0, 2, f32(0)), scalarLayer(0, 0, 6, f32(0)), scalarLayer(0, 0, 12, f32(0))];
    const clip = ramp(25);
    const r = referenceForward(modelOf(layers, 25), clip, { taps: true });
    expect([...r.layerOutputs![0]]).toEqual([1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25]); // T = ceil(25/2) = 13
    expect([...r.layerOutputs![1]]).toEqual([1, 7, 13, 19, 25]); // ceil(25/6) = 5
    expect([...r.layerOutputs![2]]).toEqual([1, 13, 25]); // ceil(25/12) = 3
    expect(r.layerMeans[2][0]).toBe(13);
  });
});

describe('referenceForward on synthetic models', () => {
  const shape = { P: [6, 5, 4], H: [3, 4, 4], classes: 5, clipSamples: 60 };

  it('returns (T_i, H_i) taps with T_i = ceil(clipSamples/s_i), and means that match them', () => {
    const model = syntheticModel(shape, [1, 4, 8]);
    const r = referenceForward(model, noise(60, 7), { taps: true });
    expect(r.logits).toHaveLength(5);
    expect(r.layerOutputs!.map((o) => o.length)).toEqual([60 * 3, 15 * 4, 8 * 4]);
    r.layerOutputs!.forEach((o, i) => {
      const H = shape.H[i];
      const T = o.length / H;
      for (let h = 0; h < H; h++) {
        let sum = 0;
        for (let t = 0; t < T; t++) sum += o[t * H + h];
        expect(r.layerMeans[i][h]).toBeCloseTo(sum / T, 14);
      }
    });
    expect(referenceForward(model, noise(60, 7)).layerOutputs).toBeUndefined();
  });

  it('step scales [2,2,2] equal [1,1,1] on the clip decimated by 2', () => {
    const clip = noise(60, 3);
    const slow = referenceForward(syntheticModel(shape, [2, 2, 2], 5), clip);
    const half = referenceForward(syntheticModel({ ...shape, clipSamples: 30 }, [1, 1, 1], 5), clip.filter((_, n) => n % 2 === 0));
    expect(maxAbsDiff(slow.logits, half.logits)).toBe(0);
  });

  it('matches the convolution form y_t = Re(C Σ_k A^{t−k}(B u_k + b̄) + c) of one layer', () => {
    const model = syntheticModel({ P: [7], H: [5], classes: 2, clipSamples: 40 }, [1], 11);
    const clip = noise(40, 12);
    const o = referenceForward(model, clip, { taps: true }).layerOutputs![0];
    const L = model.layers[0];
    for (let t = 0; t < 40; t++) {
      for (let h = 0; h < 5; h++) {
        let y = L.biasCRe[h];
        for (let p = 0; p < 7; p++) {
          let xRe = 0, xIm = 0; // Σ_k A^{t−k} (B u_k + b̄), powers by repeated multiplication
          for (let k = 0; k <= t; k++) {
            let pRe = 1, pIm = 0;
            for (let m = 0; m < t - k; m++) [pRe, pIm] = [pRe * L.aRe[p] - pIm * L.aIm[p], pRe * L.aIm[p] + pIm * L.aRe[p]];
            const vRe = L.bRe[p] * clip[k] + L.biasBRe[p], vIm = L.bIm[p] * clip[k] + L.biasBIm[p];
            xRe += pRe * vRe - pIm * vIm;
            xIm += pRe * vIm + pIm * vRe;
          }
          y += L.cRe[h * 7 + p] * xRe - L.cIm[h * 7 + p] * xIm;
        }
        const expected = (y > 0 ? y : 0.01 * y) + L.skip![h] * clip[t];
        expect(Math.abs(o[t * 5 + h] - expected)).toBeLessThan(F64_TOL);
      }
    }
  });

  it('is positively homogeneous without biases: logits(αx) − b = α(logits(x) − b)', () => {
    const model = syntheticModel(shape, [1, 2, 6], 9);
    for (const L of model.layers) for (const v of [L.biasBRe, L.biasBIm, L.biasCRe]) v.fill(0);
    const clip = noise(60, 4);
    const b = model.decoder.bias;
    const r1 = referenceForward(model, clip).logits.map((v, k) => v - b[k]);
    const r3 = referenceForward(model, Float64Array.from(clip, (x) => 2.5 * x)).logits.map((v, k) => v - b[k]);
    expect(maxAbsDiff(r3, r1.map((v) => 2.5 * v))).toBeLessThan(F64_TOL);
  });

  it('null skip is the identity when I = H and a broadcast when I = 1', () => {
    const ident = syntheticModel({ P: [4, 4], H: [3, 3], identitySkip: true, classes: 2, clipSamples: 30 }, [1, 3], 2);
    const explicit = structuredClone(ident);
    explicit.layers[0].skip = f32(1, 1, 1); // (H=3, I=1) ones: broadcast
    explicit.layers[1].skip = f32(1, 0, 0, 0, 1, 0, 0, 0, 1); // (3, 3) identity
    const clip = noise(30, 8);
    const a = referenceForward(ident, clip, { taps: true });
    const b = referenceForward(explicit, clip, { taps: true });
    expect(maxAbsDiff(a.logits, b.logits)).toBe(0);
    a.layerOutputs!.forEach((o, i) => expect(maxAbsDiff(o, b.layerOutputs![i])).toBe(0));
  });
});

describe('referenceForward input and model checks', () => {
  const model = syntheticModel({ P: [4, 4], H: [3, 5], classes: 2, clipSamples: 20 }, [1, 2]);

  it('rejects a clip of the wrong length, naming both lengths', () => {
    expect(() => referenceForward(model, new Float32Array(19))).toThrow(InputError);
    expect(() => referenceForward(model, new Float32Array(19))).toThrow('clip has 19 samples, expected 20');
  });

  it('rejects non-finite samples, naming the index', () => {
    const clip = new Float32Array(20);
    clip[7] = NaN;
    expect(() => referenceForward(model, clip)).toThrow('clip sample 7 is NaN');
    clip[7] = Infinity;
    expect(() => referenceForward(model, clip)).toThrow(InputError);
  });

  it('rejects non-nested step scales and a null skip with I ∉ {1, H}', () => {
    const bad = syntheticModel({ P: [4, 4], H: [3, 5], classes: 2, clipSamples: 20 }, [2, 3]);
    expect(() => referenceForward(bad, new Float32Array(20))).toThrow(ModelFormatError);
    expect(() => referenceForward(bad, new Float32Array(20))).toThrow('step scale 3');
    const noSkip = structuredClone(model);
    noSkip.layers[1].skip = null;
    expect(() => referenceForward(noSkip, new Float32Array(20))).toThrow('null skip needs I = H');
  });
});

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let k = 0; k < a.length; k++) max = Math.max(max, Math.abs(a[k] - b[k]));
  return max;
}
