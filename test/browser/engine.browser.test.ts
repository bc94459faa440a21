// The runtime in a real browser (headless Chromium): parse the authors' model_dict.npy from bytes,
// run the SIMD and scalar engines whole-clip and streamed, and match the golden float64 logits.
import { describe, expect, it } from 'vitest';
import { Network, parseModel, simdSupported } from '../../src/index.js';
import { parseNpy } from '../../src/model/npy.js';
import modelUrl from '../fixtures/golden/tiny_1-9-54.npy?url';
import inputsUrl from '../fixtures/golden/inputs.npy?url';
import logitsUrl from '../fixtures/golden/tiny_1-9-54.logits_numpy_f64.npy?url';

const bytes = async (url: string) => new Uint8Array(await (await fetch(url)).arrayBuffer());
const rows = (data: Float32Array | Float64Array, n: number) => Array.from({ length: data.length / n }, (_, i) => data.subarray(i * n, (i + 1) * n));

describe('in the browser', () => {
  it('runs in a browser, not Node', () => {
    expect(typeof navigator).toBe('object');
    expect(navigator.userAgent).toMatch(/Chrome/);
    expect(simdSupported()).toBe(true);
  });

  it.each(['simd', 'scalar'] as const)('%s engine matches the golden logits, whole clip and streamed', async (engine) => {
    const model = parseModel(await bytes(modelUrl), 'tiny_1-9-54.npy');
    const clips = rows(parseNpy(await bytes(inputsUrl), 'inputs.npy').data as Float32Array, 16000);
    const want = rows(parseNpy(await bytes(logitsUrl), 'logits.npy').data as Float64Array, 35);
    const net = await Network.create(model, { engine });
    clips.forEach((clip, i) => {
      const whole = net.logits(clip);
      const stream = net.stream();
      for (let s = 0; s < clip.length; s += 160) stream.push(clip.subarray(s, s + 160));
      const streamed = stream.logits();
      for (let k = 0; k < 35; k++) {
        expect(Math.abs(whole[k] - want[i][k])).toBeLessThan(1e-4 * Math.max(1, Math.abs(want[i][k])));
        expect(streamed[k]).toBe(whole[k]);
      }
    });
  });
});
