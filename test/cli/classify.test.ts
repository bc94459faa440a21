// `sedge classify` with the shipped default model: the README's main job, and the card's claims about
// the example clips (models/sedge-tiny.card.json records what the model said when it was shipped).
import { readdirSync, readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadModel } from '../../src/node/load-model.js';
import { sedge } from '../helpers/cli.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const card = JSON.parse(readFileSync(join(root, 'models/sedge-tiny.card.json'), 'utf8'));
const examples = readdirSync(join(root, 'examples')).filter((f) => f.endsWith('.wav')).sort().map((f) => `examples/${f}`);

interface Classified { file: string; label: string; probability: number; top: { label: string; probability: number }[] }

describe('the shipped default model', () => {
  it('is S-Edge Tiny with 35 words, its training-split standardisation and full-rate step scales', async () => {
    const model = await loadModel(join(root, 'models/sedge-tiny.safetensors'));
    expect(model.labels).toHaveLength(35);
    expect(model.layers.map((l) => [l.stateSize, l.outputSize, l.stepScale])).toEqual([[32, 8, 1], [16, 32, 1], [8, 64, 1]]);
    expect(model.inputMean).not.toBeNull();
    expect(model.inputStd).toBeGreaterThan(0);
  });

  it('`sedge classify examples/*.wav` says what the card says it says, clip by clip', () => {
    const r = sedge('classify', ...examples, '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const results: Classified[] = JSON.parse(r.stdout);
    expect(results.map((x) => x.file)).toEqual(examples);
    for (const x of results) {
      expect(x.top[0]).toEqual({ label: x.label, probability: x.probability });
      expect(x.top.map((t) => t.probability)).toEqual([...x.top.map((t) => t.probability)].sort((a, b) => b - a));
    }
    expect(results.map((x) => [x.file, x.label])).toEqual(card.examples.map((e: { file: string; label: string }) => [e.file, e.label]));
    results.forEach((x, i) => expect(x.probability).toBeCloseTo(card.examples[i].probability, 5));
  });

  it('the plain-text output names each file, its word and the runners-up', () => {
    const r = sedge('classify', examples[0]);
    expect(r.stdout).toMatch(new RegExp(`^${examples[0]}: [a-z]+ \\(\\d+\\.\\d %\\)  [a-z]+ \\d+\\.\\d %, [a-z]+ \\d+\\.\\d %\\n$`));
  });

  it('--step-scales runs the same model downsampled ([1,9,54]) and changes its scores', () => {
    const full: Classified[] = JSON.parse(sedge('classify', examples[0], '--json').stdout);
    const coarse: Classified[] = JSON.parse(sedge('classify', examples[0], '--step-scales', '1,9,54', '--json').stdout);
    expect(coarse[0].probability).not.toBe(full[0].probability);
  });

  it('a missing or broken file exits 2 and names it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sedge-classify-'));
    const broken = join(dir, 'broken.wav');
    writeFileSync(broken, 'RIFF....WAVEfmt ');
    for (const file of [join(dir, 'missing.wav'), broken]) {
      const r = sedge('classify', file);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(file);
    }
  });
});
