import { describe, expect, it } from 'vitest';
import { ModelFormatError } from '../../src/errors.js';
import type { Model } from '../../src/model/model.js';
import { validateModel } from '../../src/model/validate.js';
import { SHAPES, syntheticModel } from '../helpers/synthetic-model.js';

const tiny = (): Model => syntheticModel(SHAPES.tiny, [1, 2, 4]);

const expectInvalid = (model: Model, substring: string) => {
  const f = () => validateModel(model, 'hand-built');
  expect(f).toThrow(ModelFormatError);
  expect(f).toThrow(`hand-built: ${substring}`);
};

describe('validateModel', () => {
  it('accepts well-formed models, with and without identity skips and continuous parameters', () => {
    validateModel(tiny(), 'tiny');
    validateModel(syntheticModel(SHAPES.full, [1, 2, 14, 14, 42, 42]), 'full');
    const m = tiny();
    const P = m.layers[0].stateSize;
    m.layers[0].continuous = {
      lambdaRe: new Float32Array(P).fill(-0.5), lambdaIm: new Float32Array(P), logStep: new Float32Array(P).fill(-3),
      bRe: new Float32Array(P), bIm: new Float32Array(P), biasBRe: new Float32Array(P), biasBIm: new Float32Array(P),
    };
    m.inputMean = 0.1;
    m.inputStd = 2;
    validateModel(m, 'tiny');
  });

  it('names the layer, field and index of the first NaN or Inf', () => {
    const m = tiny();
    m.layers[1].bIm[3 * 8 + 5] = NaN;
    expectInvalid(m, "layer 1 'bIm'[3, 5] is NaN");
    const d = tiny();
    d.decoder.weight[70] = -Infinity;
    expectInvalid(d, "decoder weight[1, 6] is -Infinity");
  });

  it('refuses |A| ≥ 1', () => {
    const m = tiny();
    m.layers[2].aRe[5] = 0.8;
    m.layers[2].aIm[5] = 0.6000001;
    expectInvalid(m, 'layer 2 state 5 has |A| = 1.0000000');
  });

  it('refuses step scales that do not nest or are not positive integers', () => {
    expectInvalid(syntheticModel(SHAPES.tiny, [2, 3, 6]), 'step scales [2,3,6] do not nest: 3 (layer 1) is not a multiple of 2 (layer 0)');
    expectInvalid(syntheticModel(SHAPES.tiny, [1, 1.5, 3]), 'layer 1 step scale must be a positive integer, got 1.5');
    expectInvalid(syntheticModel(SHAPES.tiny, [0, 1, 1]), 'layer 0 step scale must be a positive integer, got 0');
  });

  it('refuses shapes that disagree', () => {
    const m = tiny();
    m.layers[1].inputSize = 9;
    expectInvalid(m, 'layer 1 has inputSize 9, expected 8 (H of layer 0)');
    const c = tiny();
    c.layers[2].cRe = new Float32Array(10);
    expectInvalid(c, "layer 2 'cRe' has 10 values, expected 512 (shape [64,8])");
    const s = tiny();
    s.layers[1].skip = null;
    expectInvalid(s, 'layer 1 has an identity skip (skip: null), which needs I = 1 or I = H; got I=8, H=32');
    const w = tiny();
    w.decoder.weight = new Float32Array(35 * 63);
    expectInvalid(w, 'decoder weight has 2205 values, expected 2240 (shape [35,64])');
    const a = tiny();
    (a.layers[0] as { aRe: unknown }).aRe = Array.from(a.layers[0].aRe);
    expectInvalid(a, "layer 0 'aRe' must be a Float32Array");
  });

  it('refuses bad metadata', () => {
    expectInvalid({ ...tiny(), labels: ['yes', 'no'] }, 'has 2 labels but the decoder has K=35 classes');
    expectInvalid({ ...tiny(), sampleRateHz: 0 }, 'sampleRateHz must be a positive number, got 0');
    expectInvalid({ ...tiny(), clipSamples: 0.5 }, 'clipSamples must be a positive integer');
    expectInvalid({ ...tiny(), inputMean: 0, inputStd: 0 }, 'inputStd must be a positive number, got 0');
    expectInvalid({ ...tiny(), inputMean: 0 }, 'inputMean and inputStd must both be set or both be null');
    expectInvalid({ ...tiny(), layers: [] }, 'model has no SSM layers');
  });

  it('refuses an unstable continuous Λ', () => {
    const m = tiny();
    const P = m.layers[1].stateSize, I = m.layers[1].inputSize;
    m.layers[1].continuous = {
      lambdaRe: new Float32Array(P).fill(-0.5), lambdaIm: new Float32Array(P), logStep: new Float32Array(P),
      bRe: new Float32Array(P * I), bIm: new Float32Array(P * I), biasBRe: new Float32Array(P), biasBIm: new Float32Array(P),
    };
    m.layers[1].continuous.lambdaRe[4] = 0.25;
    expectInvalid(m, "layer 1 continuous 'lambdaRe'[4] = 0.25 > 0");
  });
});
