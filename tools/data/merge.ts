/**
 * `sedge dataset merge`: one Speech Commands-style folder made of several, as symbolic links (no
 * audio is copied, so the sources must stay where they are). Training then sees more than one
 * corpus: a second rendering of the synthetic corpus with another seed, or your own recordings.
 *
 * Every split, and the background folder, is the union of that split in every source. Source k
 * (0-based) has its clips renumbered <speaker>_nohash_<n> → <speaker>_nohash_<n + 1000·k>, because
 * two corpora may use the same speaker names (two seeds of `dataset synth` do); the first source
 * keeps its names, so its validation and test lists stay as they were. Refused, before anything is
 * written: a name that still collides, and a speaker that is in the training split of one source
 * and a held-out split of another (the merged validation/test would no longer be voice-disjoint).
 */
import { mkdirSync, realpathSync, symlinkSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { DataError, UsageError } from '../../src/errors.js';
import { MANIFEST, prepareOutDir, readManifest, writeFileAtomic } from './corpus-files.js';
import { BACKGROUND_FOLDER, CLIP_NAME, SPLITS, SpeechCommandsCorpus, TESTING_LIST, VALIDATION_LIST, type Split } from './speech-commands.js';

/** Clip numbers of source k start at k · CLIP_NUMBER_OFFSET. */
export const CLIP_NUMBER_OFFSET = 1000;

export interface MergeOptions {
  sources: readonly string[];
  outDir: string;
  /** Label list (default: the 35 Speech Commands words); a source may lack some words. */
  labels?: readonly string[];
  /** Replace an earlier corpus in outDir (deletes word folders, background folder, lists, manifest). */
  force?: boolean;
}

export interface MergeManifest {
  generator: 'sedge dataset merge';
  sources: { path: string; clipNumberOffset: number; counts: Record<Split, number>; backgroundFiles: number; generator: string | null; seed: number | null }[];
  counts: Record<Split, number> & { total: number };
}

interface Link { target: string; split: Split; from: string }

export function mergeCorpora(options: MergeOptions): MergeManifest {
  if (options.sources.length < 2) throw new UsageError(`merge needs at least two source folders, got ${options.sources.length}`);
  const corpora = options.sources.map((root) => SpeechCommandsCorpus.open(root, { labels: options.labels, allowMissingWords: true }));
  const outDir = resolve(options.outDir);
  for (const root of options.sources) {
    if (resolve(root) === outDir) throw new UsageError(`--out ${options.outDir} is also a source folder`);
  }

  // Plan every link and check it before writing anything.
  const links = new Map<string, Link>();
  const background = new Map<string, string>();
  const speakerSides = new Map<string, { train?: number; heldOut?: number }>();
  corpora.forEach((corpus, k) => {
    for (const split of SPLITS) {
      for (const clip of corpus.clips(split)) {
        const from = join(corpus.root, clip.path);
        const n = Number(CLIP_NAME.exec(basename(clip.path))![2]);
        const path = `${clip.word}/${clip.speaker}_nohash_${n + k * CLIP_NUMBER_OFFSET}.wav`;
        const clash = links.get(path);
        if (clash) throw new DataError(from, `would be ${path} in the merged folder, like ${clash.from} (clip numbers ≥ ${CLIP_NUMBER_OFFSET} collide)`);
        // Only across sources: a source's own split is its author's business.
        const side = split === 'train' ? 'train' : 'heldOut', other = split === 'train' ? 'heldOut' : 'train';
        const seen = speakerSides.get(clip.speaker) ?? {};
        if (seen[other] !== undefined && seen[other] !== k) {
          throw new DataError(from, `speaker '${clip.speaker}' is in the ${split} split here and ${other === 'train' ? 'in the training split' : 'held out'} in ${corpora[seen[other]!].root}: the merged validation/test would share a voice with training`);
        }
        seen[side] ??= k;
        speakerSides.set(clip.speaker, seen);
        links.set(path, { target: realpathSync(from), split, from });
      }
    }
    for (const file of corpus.backgroundPaths()) {
      const name = background.has(basename(file)) ? basename(file).replace(/\.wav$/, `-${k}.wav`) : basename(file);
      background.set(name, realpathSync(file));
    }
  });

  prepareOutDir(options.outDir, corpora[0].labels, { force: options.force });
  for (const [path, link] of links) {
    mkdirSync(join(outDir, path, '..'), { recursive: true });
    symlinkSync(link.target, join(outDir, path));
  }
  if (background.size > 0) mkdirSync(join(outDir, BACKGROUND_FOLDER), { recursive: true });
  for (const [name, target] of background) symlinkSync(target, join(outDir, BACKGROUND_FOLDER, name));
  const list = (split: Split) => [...links].filter(([, l]) => l.split === split).map(([path]) => `${path}\n`).join('');
  writeFileAtomic(join(outDir, VALIDATION_LIST), list('validation'));
  writeFileAtomic(join(outDir, TESTING_LIST), list('test'));

  const counts = { train: 0, validation: 0, test: 0 };
  for (const link of links.values()) counts[link.split]++;
  const manifest: MergeManifest = {
    generator: 'sedge dataset merge',
    sources: corpora.map((corpus, k) => {
      const own = readManifest(corpus.root);
      return {
        path: resolve(corpus.root), clipNumberOffset: k * CLIP_NUMBER_OFFSET, counts: corpus.counts(), backgroundFiles: corpus.backgroundPaths().length,
        generator: typeof own?.generator === 'string' ? own.generator : null, seed: typeof own?.seed === 'number' ? own.seed : null,
      };
    }),
    counts: { ...counts, total: links.size },
  };
  writeFileAtomic(join(outDir, MANIFEST), JSON.stringify(manifest, null, 2) + '\n');
  return manifest;
}
