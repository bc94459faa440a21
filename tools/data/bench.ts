/**
 * Throughput of the per-epoch data path: augmentation (weak, strong, strong + background) and, given
 * a corpus folder, clip reading. Run: npx tsx tools/data/bench.ts [corpus-dir]
 */
import { augment, colouredNoiseSlice, STRONG, WEAK } from './augment.js';
import { colouredNoise } from './dsp.js';
import { Rng } from './prng.js';
import { SpeechCommandsCorpus } from './speech-commands.js';

function clipsPerSecond(fn: (i: number) => void, minMs = 2000): number {
  for (let i = 0; i < 50; i++) fn(i); // warm-up (JIT, noise bank, kernel tables)
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < minMs) fn(n++);
  return (n * 1000) / (performance.now() - start);
}

// Build the coloured-noise bank (one 8 s buffer per 1/8 of decay) before timing: a one-off cost.
for (let decay = -2; decay <= 2; decay += 0.125) colouredNoiseSlice(16000, decay, new Rng(0));
const word = Float32Array.from({ length: 16000 }, (_, i) => (i > 4000 && i < 11000 ? 0.3 * Math.sin(i * 0.13) * Math.sin(i * 0.002) : 0));
const background = [colouredNoise(16000 * 60, 1, new Rng(1))];
const rows: [string, number][] = [
  ['augment weak', clipsPerSecond((i) => augment(word, WEAK, new Rng(i)))],
  ['augment strong', clipsPerSecond((i) => augment(word, STRONG, new Rng(i)))],
  ['augment strong + background p=0.5', clipsPerSecond((i) => augment(word, { ...STRONG, backgroundP: 0.5 }, new Rng(i), background))],
];
const dir = process.argv[2];
if (dir) {
  const corpus = SpeechCommandsCorpus.open(dir, { allowMissingWords: true });
  const clips = corpus.clips('train').length ? corpus.clips('train') : corpus.clips('test');
  rows.push([`read clip (${dir})`, clipsPerSecond((i) => corpus.read(clips[i % clips.length]))]);
}
for (const [name, rate] of rows) console.log(`${name.padEnd(40)} ${rate.toFixed(0).padStart(6)} clips/s`);
