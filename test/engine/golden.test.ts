// Every engine and both modes against the authors' golden references (test/fixtures/golden):
// logits within 1e-4·max(1, |logit|) of the float64 reference (issue 2), per-layer outputs within
// 1e-4 absolute of the float64 torch taps (golden README §7, float32 implementation), and
// streaming with chunk sizes 1, 7, 160 and 16000 equal to the whole clip within 1e-5 relative.
import { describe, expect, it } from 'vitest';
import { Network } from '../../src/engine/index.js';
import { GOLDEN_EXPORTS, GOLDEN_NUMPY2, loadGoldenInputs, loadGoldenLogits, loadGoldenModel, loadGoldenTaps } from '../helpers/golden.js';

const LOGIT_TOLERANCE = 1e-4; // relative to max(1, |logit|)
const TAP_TOLERANCE = 1e-4; // absolute
const STREAM_TOLERANCE = 1e-5; // relative to max(1, |logit|)
const inputs = loadGoldenInputs();

const worstRelative = (got: ArrayLike<number>, want: ArrayLike<number>) => {
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / Math.max(1, Math.abs(want[i])));
  return worst;
};

const cases = [
  ...GOLDEN_EXPORTS.map((e) => ({ name: e.name, file: e.dictFile })),
  { name: GOLDEN_NUMPY2.sameAs, file: GOLDEN_NUMPY2.file },
];

describe.each(cases)('golden $file', ({ name, file }) => {
  const model = loadGoldenModel(name, file);
  const want = loadGoldenLogits(name);

  it.each(['simd', 'scalar'] as const)('%s engine: whole-clip logits match the float64 reference', async (engine) => {
    const net = await Network.create(model, { engine });
    inputs.forEach((clip, i) => expect(worstRelative(net.logits(clip), want[i])).toBeLessThan(LOGIT_TOLERANCE));
  });

  it.each([1, 7, 160, 16000])('streaming in chunks of %i equals the whole clip and the reference', async (chunk) => {
    const net = await Network.create(model, { engine: 'simd' });
    for (const [i, clip] of inputs.entries()) {
      const stream = net.stream();
      for (let s = 0; s < clip.length; s += chunk) stream.push(clip.subarray(s, s + chunk));
      const streamed = stream.logits();
      expect(worstRelative(streamed, net.logits(clip))).toBeLessThan(STREAM_TOLERANCE);
      expect(worstRelative(streamed, want[i])).toBeLessThan(LOGIT_TOLERANCE);
    }
  });

  it('per-layer outputs match the torch float64 taps', async () => {
    const net = await Network.create(model, { engine: 'simd' });
    const taps = loadGoldenTaps(name);
    for (const [c, clip] of inputs.entries()) {
      const outputs = await net.layerOutputs(clip);
      taps.forEach((tap, j) => {
        expect(outputs[j].length).toBe(tap.T * tap.H);
        let worst = 0;
        tap.t.forEach((t, k) => {
          for (let h = 0; h < tap.H; h++) {
            worst = Math.max(worst, Math.abs(outputs[j][t * tap.H + h] - tap.values[(c * tap.t.length + k) * tap.H + h]));
          }
        });
        expect(worst, `layer ${j}, input ${c}`).toBeLessThan(TAP_TOLERANCE);
        let mean = 0;
        for (let h = 0; h < tap.H; h++) {
          let sum = 0;
          for (let t = 0; t < tap.T; t++) sum += outputs[j][t * tap.H + h];
          mean = Math.max(mean, Math.abs(sum / tap.T - tap.mean[c * tap.H + h]));
        }
        expect(mean, `layer ${j} mean, input ${c}`).toBeLessThan(TAP_TOLERANCE);
      });
    }
  });
});
