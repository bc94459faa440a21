// The Network/Stream API around the kernels: engine choice, snapshots, errors.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Network, resolveEngine } from '../../src/engine/index.js';
import { InputError, ModelFormatError, UsageError } from '../../src/errors.js';
import { seededRandom, syntheticModel } from '../helpers/synthetic-model.js';

const model = syntheticModel({ P: [6, 5], H: [4, 8] }, [1, 4], 3);
const rand = seededRandom(8);
const clip = Float32Array.from({ length: 16000 }, () => 2 * rand() - 1);

describe('engine choice', () => {
  afterEach(() => vi.restoreAllMocks());

  it("'auto' is simd here, and falls back to scalar where SIMD does not validate", async () => {
    expect(resolveEngine('auto')).toBe('simd');
    const { simdSupported } = await import('../../src/engine/wasm.js');
    expect(simdSupported()).toBe(true);
    vi.resetModules();
    vi.spyOn(WebAssembly, 'validate').mockReturnValue(false);
    const fresh = await import('../../src/engine/wasm.js');
    expect(fresh.resolveEngine('auto')).toBe('scalar');
    expect(() => fresh.resolveEngine('simd')).toThrow(/does not support SIMD/);
  });

  it('rejects unknown engines', () => {
    expect(() => resolveEngine('gpu' as never)).toThrow(UsageError);
  });
});

describe('Stream', () => {
  it('snapshot/restore replays the same future', async () => {
    const net = await Network.create(model);
    const stream = net.stream();
    stream.push(clip.subarray(0, 5001));
    const snap = stream.snapshot();
    stream.push(clip.subarray(5001));
    const first = stream.logits();
    stream.push(clip.subarray(0, 777)); // wander off
    stream.restore(snap);
    expect(stream.sampleIndex).toBe(5001);
    stream.push(clip.subarray(5001));
    expect(Array.from(stream.logits())).toEqual(Array.from(first));
    expect(Array.from(first)).toEqual(Array.from(net.logits(clip)));
  });

  it('reset starts a clip from zero state', async () => {
    const net = await Network.create(model);
    const stream = net.stream();
    stream.push(clip.subarray(0, 300));
    stream.reset();
    stream.push(clip);
    expect(Array.from(stream.logits())).toEqual(Array.from(net.logits(clip)));
  });

  it('logits before any tick are the decoder bias', async () => {
    const net = await Network.create(model);
    expect(Array.from(net.stream().logits())).toEqual(Array.from(model.decoder.bias, (v) => v));
  });

  it('a snapshot of another network is refused', async () => {
    const other = await Network.create(syntheticModel({ P: [8, 5], H: [4, 8] }, [1, 4], 3));
    const snap = other.stream().snapshot();
    const stream = (await Network.create(model)).stream();
    expect(() => stream.restore(snap)).toThrow(/another Network/);
  });
});

describe('errors', () => {
  it('non-finite samples, over-long clips and disposed networks', async () => {
    const net = await Network.create(model);
    const bad = clip.slice();
    bad[123] = Number.NaN;
    expect(() => net.logits(bad)).toThrow(InputError);
    expect(() => net.logits(bad)).toThrow(/sample 123 is NaN/);
    expect(() => net.logits(new Float32Array(16001))).toThrow(/at most 16000/);
    net.dispose();
    expect(() => net.logits(clip)).toThrow(/disposed/);
  });

  it('an invalid model is refused before any wasm work', async () => {
    const broken = syntheticModel({ P: [6, 5], H: [4, 8] }, [1, 4], 3);
    broken.layers[1].aRe[2] = 1.5;
    await expect(Network.create(broken)).rejects.toThrow(ModelFormatError);
    await expect(Network.create(model, { blockSamples: 0 })).rejects.toThrow(/blockSamples/);
  });

  it('short clips are zero-padded like the authors pad training clips', async () => {
    const net = await Network.create(model);
    const padded = new Float32Array(16000);
    padded.set(clip.subarray(0, 9000));
    expect(Array.from(net.logits(clip.subarray(0, 9000)))).toEqual(Array.from(net.logits(padded)));
  });
});
