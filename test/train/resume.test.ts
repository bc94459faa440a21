/**
 * Kill `train` in the middle of an epoch, then --resume: it continues from the last checkpoint and
 * ends with the same weights, BatchNorm state, AdamW moments and history as an uninterrupted run
 * with the same seed — bit for bit. Two kills:
 *   - in-process: the loop stops after a step as a kill would (no checkpoint beyond the periodic ones)
 *   - a real one: `sedge train` in a child process, SIGKILLed once its checkpoint is mid-epoch
 * Each uses two workers, RZOH, augmentation with background noise and dropout, so every random
 * stream and the cross-worker BatchNorm take part.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeWav } from '../../src/audio/wav.js';
import { parseNpz } from '../../src/model/npy.js';
import { Rng } from '../../tools/data/prng.js';
import { readCheckpointMeta } from '../../tools/train/checkpoint.js';
import { parseConfigYaml } from '../../tools/train/config.js';
import { train } from '../../tools/train/train.js';

const WORDS = ['cat', 'dog', 'yes'];

/** 3 words × perWord one-second clips (DC level per word; every 4th for validation), plus a background-noise recording. */
function writeCorpus(dir: string, perWord: number): void {
  const val: string[] = [];
  WORDS.forEach((word, label) => {
    mkdirSync(join(dir, word), { recursive: true });
    for (let i = 0; i < perWord; i++) {
      const rng = Rng.derive(11, word, i);
      const x = new Float32Array(16000);
      const start = rng.int(0, 6000), len = rng.int(4000, 8000), level = [0.3, -0.3, 0][label] * rng.uniform(0.7, 1.3);
      for (let t = start; t < start + len; t++) x[t] = level * Math.sin((Math.PI * (t - start)) / len);
      for (let t = 0; t < 16000; t++) x[t] += 0.003 * rng.normal();
      const name = `${word}/s${i % 4}_nohash_${i}.wav`;
      writeFileSync(join(dir, name), encodeWav({ samples: x, sampleRateHz: 16000 }));
      if (i % 4 === 3) val.push(name);
    }
  });
  mkdirSync(join(dir, '_background_noise_'));
  const noise = new Rng(3);
  writeFileSync(join(dir, '_background_noise_/white.wav'), encodeWav({ samples: Float32Array.from({ length: 40000 }, () => 0.05 * noise.normal()), sampleRateHz: 16000 }));
  writeFileSync(join(dir, 'validation_list.txt'), val.join('\n') + '\n');
  writeFileSync(join(dir, 'testing_list.txt'), ''); // no test split: nothing to test at the end
}

// 3 words × 8 clips → 18 training clips = 5 batches of 4 (the last one of 2) per epoch, 3 epochs.
const YAML = `
hidden_sizes: [4, 4]
output_sizes: [4, 6]
trainable_skip_connections: true
norm: true
zeroOrderHoldRegularization: [0.5, 1.0]
dropout: 0.1
labels: [cat, dog, yes]
epochs: 3
batch_size: 4
learning_rate: 0.01
warmup_steps: 3
augments: weak
background_noise: 0.5
seed: 21
`;
const CHECKPOINT_EVERY = 2;

let root: string, data: string, yamlPath: string;
let reference: Map<string, Uint8Array>;

/** Every array of a checkpoint as raw bytes, and its meta without the save time. */
function checkpointBytes(path: string): { arrays: Map<string, Uint8Array>; meta: Record<string, unknown> } {
  const { meta, arrays } = readCheckpointMeta(new Uint8Array(readFileSync(path)), path);
  const out = new Map<string, Uint8Array>();
  for (const [k, v] of arrays) if (k !== 'sedge.meta') out.set(k, new Uint8Array(v.data.buffer, v.data.byteOffset, v.data.byteLength));
  const { savedAt: _, running, history, config, ...rest } = meta;
  // Seconds (and the config's file name) differ between runs; everything else must not.
  const stripTime = (h: Record<string, unknown>) => ({ ...h, seconds: 0, clipsPerSecond: 0 });
  return { arrays: out, meta: { ...rest, config: { ...config, source: '' }, running: stripTime(running as unknown as Record<string, unknown>), history: history.map((h) => stripTime(h as unknown as Record<string, unknown>)) } };
}

function expectSameCheckpoint(path: string, expected: ReturnType<typeof checkpointBytes>): void {
  const got = checkpointBytes(path);
  expect([...got.arrays.keys()]).toEqual([...expected.arrays.keys()]);
  for (const [k, bytes] of expected.arrays) {
    const same = got.arrays.get(k)!.every((b, i) => b === bytes[i]);
    expect(same, `${k} differs`).toBe(true);
  }
  expect({ ...got.meta, dataDir: '' }).toEqual({ ...expected.meta, dataDir: '' });
}

let uninterrupted: ReturnType<typeof checkpointBytes>;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'sedge-resume-'));
  data = join(root, 'data');
  writeCorpus(data, 8);
  yamlPath = join(root, 'run.yaml');
  writeFileSync(yamlPath, YAML);
  const result = await train({ config: parseConfigYaml(YAML, 'run.yaml'), dataDir: data, outDir: join(root, 'a'), workers: 2, checkpointEverySteps: CHECKPOINT_EVERY });
  expect(result.status).toBe('done');
  expect(result.globalStep).toBe(15);
  uninterrupted = checkpointBytes(join(root, 'a', 'last.ckpt'));
  reference = uninterrupted.arrays;
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('resume after a kill', () => {
  it.each([
    // [stop after step, then the last checkpoint: global step, epoch, step in epoch]
    [3, 2, 0, 2], // in the first epoch, before any validation (best-val metrics still empty)
    [9, 8, 1, 3], // in the second epoch
  ])('in-process: stopped after step %i (checkpoint after step %i, epoch %i, step %i in it) → same final state', async (stopAfter, step, epoch, inEpoch) => {
    const out = join(root, `b${stopAfter}`);
    const stopped = await train({ config: parseConfigYaml(YAML, 'run.yaml'), dataDir: data, outDir: out, workers: 2, checkpointEverySteps: CHECKPOINT_EVERY, stopAfterStep: stopAfter });
    expect(stopped).toMatchObject({ status: 'stopped', globalStep: stopAfter });
    const at = readCheckpointMeta(new Uint8Array(readFileSync(join(out, 'last.ckpt'))), 'last.ckpt').meta;
    expect(at).toMatchObject({ globalStep: step, epoch, stepInEpoch: inEpoch }); // the step after it was lost, as in a kill
    const resumed = await train({ dataDir: data, outDir: out, resume: true, checkpointEverySteps: CHECKPOINT_EVERY });
    expect(resumed).toMatchObject({ status: 'done', globalStep: 15 });
    expectSameCheckpoint(join(out, 'last.ckpt'), uninterrupted);
    for (const f of ['best-val-loss.safetensors', 'best-val-acc.safetensors']) {
      expect(readFileSync(join(out, f)).equals(readFileSync(join(root, 'a', f)))).toBe(true);
    }
    expect(reference.size).toBeGreaterThan(30);
  });

  it('SIGKILL of `sedge train` in a child process mid-epoch, then --resume', async () => {
    const out = join(root, 'c');
    // The child runs the CLI command function under tsx, as `npx sedge train` would run the built one.
    const runner = join(root, 'runner.mts');
    const command = pathToFileURL(resolve('src/node/train-command.ts')).href;
    writeFileSync(runner, `import { trainCommand } from ${JSON.stringify(command)};
await trainCommand({ config: ${JSON.stringify(yamlPath)}, data: ${JSON.stringify(data)}, out: ${JSON.stringify(out)}, workers: 2, checkpointEvery: ${CHECKPOINT_EVERY}, progress: false }, () => {});
`);
    const child = spawn(process.execPath, ['--import', 'tsx', runner], { cwd: resolve('.'), stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += String(d); });
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    // Kill once a checkpoint lies inside an epoch (not at its start), i.e. mid-epoch.
    const ckpt = join(out, 'last.ckpt');
    let killedAt = -1;
    for (let waited = 0; waited < 90_000 && killedAt < 0; waited += 20) {
      await new Promise((r) => setTimeout(r, 20));
      if (child.exitCode !== null) break;
      if (!existsSync(ckpt)) continue;
      try {
        const meta = readCheckpointMeta(new Uint8Array(readFileSync(ckpt)), ckpt).meta;
        if (meta.epoch === 1 && meta.stepInEpoch > 0 && meta.stepInEpoch < meta.stepsPerEpoch) {
          child.kill('SIGKILL');
          killedAt = meta.globalStep;
        }
      } catch {
        // read while being replaced: retry (the rename is atomic, the read of the old inode is not an error)
      }
    }
    expect(await exited, stderr).toBeNull(); // killed by a signal, not a normal exit
    expect(killedAt).toBeGreaterThan(5);
    const resumed = await train({ dataDir: data, outDir: out, resume: true, checkpointEverySteps: CHECKPOINT_EVERY });
    expect(resumed).toMatchObject({ status: 'done', globalStep: 15 });
    expectSameCheckpoint(ckpt, uninterrupted);
  });
});
