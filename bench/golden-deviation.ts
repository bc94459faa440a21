/**
 * Prints how far each engine is from the authors' float64 references on every golden model:
 * logits (relative to max(1, |logit|)) and per-layer taps (absolute). Run: npx tsx bench/golden-deviation.ts
 */
import { Network } from '../src/engine/index.js';
import { GOLDEN_EXPORTS, loadGoldenInputs, loadGoldenLogits, loadGoldenModel, loadGoldenTaps } from '../test/helpers/golden.js';

const inputs = loadGoldenInputs();
console.log('| golden | logits simd | logits scalar | taps (simd) |\n|---|---|---|---|');
for (const e of GOLDEN_EXPORTS) {
  const model = loadGoldenModel(e.name);
  const want = loadGoldenLogits(e.name);
  const logitDeviation = async (engine: 'simd' | 'scalar') => {
    const net = await Network.create(model, { engine });
    let worst = 0;
    inputs.forEach((clip, i) => net.logits(clip).forEach((v, k) => {
      worst = Math.max(worst, Math.abs(v - want[i][k]) / Math.max(1, Math.abs(want[i][k])));
    }));
    return worst;
  };
  const net = await Network.create(model);
  const taps = loadGoldenTaps(e.name);
  let tapWorst = 0;
  for (const [c, clip] of inputs.entries()) {
    const outputs = await net.layerOutputs(clip);
    taps.forEach((tap, j) => tap.t.forEach((t, k) => {
      for (let h = 0; h < tap.H; h++) {
        tapWorst = Math.max(tapWorst, Math.abs(outputs[j][t * tap.H + h] - tap.values[(c * tap.t.length + k) * tap.H + h]));
      }
    }));
  }
  console.log(`| ${e.name} | ${(await logitDeviation('simd')).toExponential(2)} | ${(await logitDeviation('scalar')).toExponential(2)} | ${tapWorst.toExponential(2)} |`);
}
