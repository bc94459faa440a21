/**
 * `sedge dataset …`: keyword corpora for training and evaluation (tools/data).
 *
 *   sedge dataset synth [--out DIR] [--seed N] [--per-word N] [--force] [--resume] [--jobs N] [--no-mbrola]
 *                       [--no-perturb] [--splits train,validation,test] [--json]
 *   sedge dataset other-synth [--out DIR] [--seed N] [--force] [--resume] [--json]
 *   sedge dataset merge --out DIR <source> <source>… [--labels a,b,…] [--force] [--json]
 *   sedge dataset stats <dir> [--labels a,b,…] [--no-audio] [--json]
 *
 * The generators are offline tooling, imported lazily so that the runtime never loads them.
 * Wire it with `registerDataset(program)`, or call the `dataset…Command` functions yourself.
 * Errors are SedgeErrors (→ exit 2): a missing espeak-ng names its apt-get command, a non-empty
 * output folder names --force/--resume, a bad corpus names the file.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { labelList, positiveInt, probability } from './options.js';

export interface DatasetSynthOptions {
  /** Output folder (default data/synth). Refused if not empty, unless force or resume. */
  out?: string;
  /** PRNG seed (default 1): same seed and options → byte-identical corpus. */
  seed?: number;
  /** Clips per word over all splits (default 800 → 35 × 800 = 28 000 clips, 80/10/10). */
  perWord?: number;
  /** Delete the old corpus in `out` and start over. */
  force?: boolean;
  /** Finish an interrupted run (same options), skipping clips already written. */
  resume?: boolean;
  /** espeak-ng processes at once (default: the number of cores). */
  jobs?: number;
  /** false: espeak-ng voices only, even if MBROLA voices are installed. */
  mbrola?: boolean;
  /** Share of clips spoken by MBROLA voices (default 0.4). */
  mbrolaShare?: number;
  /** Share of clips spoken by female voices within each engine (default: as the voice pool has them, about a quarter). */
  femaleShare?: number;
  /** false: clean centred clips (no voice/room perturbation, no noise), e.g. to measure what the noise costs. */
  perturb?: boolean;
  /** Write only these splits (train, validation, test; checked by the generator); each clip is the one the full corpus would have. */
  splits?: ('train' | 'validation' | 'test')[];
  json?: boolean;
}

export interface DatasetOtherSynthOptions {
  out?: string;
  seed?: number;
  force?: boolean;
  resume?: boolean;
  json?: boolean;
}

export interface DatasetMergeOptions {
  out: string;
  labels?: string[];
  /** Replace an earlier corpus in `out`. */
  force?: boolean;
  json?: boolean;
}

export interface DatasetStatsOptions {
  labels?: string[];
  /** Skip reading audio (no mean/std): counts and voices only. */
  audio?: boolean;
  json?: boolean;
}

export interface DatasetStats {
  root: string;
  labels: string[];
  counts: { train: number; validation: number; test: number };
  perWord: Record<string, { train: number; validation: number; test: number }>;
  speakers: { train: number; validation: number; test: number };
  /** Speakers found in more than one split (empty for a voice-disjoint corpus). */
  sharedSpeakers: string[];
  backgroundFiles: number;
  /** Mean and std (n − 1) of the zero-padded training split (spec §3.4): the model's input standardisation. */
  inputStats: { mean: number; std: number; clips: number; samples: number } | null;
}

type Log = (line: string) => void;

export async function datasetSynthCommand(options: DatasetSynthOptions = {}, log: Log = console.log) {
  const { synthCorpus } = await import('../../tools/data/synth.js');
  const out = options.out ?? 'data/synth';
  const result = await synthCorpus({
    outDir: out, seed: options.seed, perWord: options.perWord, force: options.force, resume: options.resume,
    concurrency: options.jobs, mbrola: options.mbrola === false ? false : 'auto',
    mbrolaShare: options.mbrolaShare, femaleShare: options.femaleShare, perturb: options.perturb, splits: options.splits,
  });
  const m = result.manifest;
  if (options.json) {
    log(JSON.stringify({ out, written: result.written, skipped: result.skipped, seconds: result.seconds, clipsPerSecond: result.clipsPerSecond, manifest: m }));
  } else {
    log(`wrote ${out}: ${m.counts.total} clips (train ${m.counts.train}, validation ${m.counts.validation}, test ${m.counts.test}), ` +
      `${m.words.length} words, voices ${m.voices.train.length}/${m.voices.validation.length}/${m.voices.test.length}; ` +
      `${result.written} new, ${result.skipped} kept, ${result.seconds.toFixed(0)} s (${result.clipsPerSecond.toFixed(1)} clips/s)`);
  }
  return result;
}

export async function datasetOtherSynthCommand(options: DatasetOtherSynthOptions = {}, log: Log = console.log) {
  const { synthOtherSet } = await import('../../tools/data/other-synth.js');
  const out = options.out ?? 'data/other-synth';
  const result = await synthOtherSet({ outDir: out, seed: options.seed, force: options.force, resume: options.resume });
  if (options.json) log(JSON.stringify({ out, ...result }));
  else log(`wrote ${out}: ${result.clips} test clips from ${result.voices.join(', ')} in ${result.seconds.toFixed(0)} s`);
  return result;
}

export async function datasetMergeCommand(sources: string[], options: DatasetMergeOptions, log: Log = console.log) {
  const { mergeCorpora } = await import('../../tools/data/merge.js');
  const manifest = mergeCorpora({ sources, outDir: options.out, labels: options.labels, force: options.force });
  if (options.json) log(JSON.stringify({ out: options.out, ...manifest }));
  else {
    const c = manifest.counts;
    log(`wrote ${options.out}: links to ${c.total} clips (train ${c.train}, validation ${c.validation}, test ${c.test}) from ${sources.length} folders; ` +
      `clips of source k renumbered n → n + ${manifest.sources[1].clipNumberOffset}·k`);
  }
  return manifest;
}

export async function datasetStatsCommand(dir: string, options: DatasetStatsOptions = {}, log: Log = console.log): Promise<DatasetStats> {
  const { SpeechCommandsCorpus, SPLITS, trainingStats } = await import('../../tools/data/speech-commands.js');
  const corpus = SpeechCommandsCorpus.open(dir, { labels: options.labels, allowMissingWords: true });
  const perWord: DatasetStats['perWord'] = {};
  corpus.labels.forEach((w) => (perWord[w] = { train: 0, validation: 0, test: 0 }));
  const speakerSplits = new Map<string, Set<string>>();
  const speakers = { train: 0, validation: 0, test: 0 };
  for (const split of SPLITS) {
    const seen = new Set<string>();
    for (const c of corpus.clips(split)) {
      perWord[c.word][split]++;
      seen.add(c.speaker);
      const s = speakerSplits.get(c.speaker) ?? new Set<string>();
      s.add(split);
      speakerSplits.set(c.speaker, s);
    }
    speakers[split] = seen.size;
  }
  const counts = corpus.counts();
  const wantAudio = options.audio !== false && counts.train > 0;
  const stats: DatasetStats = {
    root: dir,
    labels: [...corpus.labels],
    counts,
    perWord,
    speakers,
    sharedSpeakers: [...speakerSplits].filter(([, s]) => s.size > 1).map(([id]) => id).sort(),
    backgroundFiles: corpus.backgroundPaths().length,
    inputStats: wantAudio
      ? trainingStats(corpus, { onProgress: options.json ? undefined : (done, total) => process.stderr.write(`\rstats: read ${done}/${total} training clips`) })
      : null,
  };
  if (!options.json && wantAudio) process.stderr.write('\n');
  if (options.json) {
    log(JSON.stringify(stats));
  } else {
    const words = Object.entries(perWord).map(([w, c]) => `  ${w.padEnd(10)} ${String(c.train).padStart(6)} ${String(c.validation).padStart(6)} ${String(c.test).padStart(6)}`);
    log([
      `${dir}: train ${counts.train}, validation ${counts.validation}, test ${counts.test} clips; ${stats.backgroundFiles} background files`,
      `speakers: train ${speakers.train}, validation ${speakers.validation}, test ${speakers.test}; shared between splits: ${stats.sharedSpeakers.length ? stats.sharedSpeakers.slice(0, 10).join(', ') : 'none'}`,
      stats.inputStats ? `input standardisation (padded train split): mean ${stats.inputStats.mean}, std ${stats.inputStats.std}` : 'input standardisation: not computed',
      `  word        train    val   test`,
      ...words,
    ].join('\n'));
  }
  return stats;
}

/** Adds `dataset synth|other-synth|merge|stats` to the CLI. */
export function registerDataset(program: Command): Command {
  const seed = (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0 || n >= 2 ** 32) throw new InvalidArgumentError(`expected an integer seed in [0, 2^32), got '${value}'`);
    return n;
  };
  const dataset = program.command('dataset').description('keyword corpora: synthesise (espeak-ng), check, measure');
  dataset.command('synth')
    .description('write a Speech Commands-style keyword corpus synthesised with espeak-ng (+ MBROLA voices if installed)')
    .option('--out <dir>', 'output folder', 'data/synth')
    .option('--seed <n>', 'PRNG seed (same seed → identical corpus)', seed, 1)
    .option('--per-word <n>', 'clips per word over all splits (80/10/10)', positiveInt, 800)
    .option('--jobs <n>', 'espeak-ng processes at once (default: number of cores)', positiveInt)
    .option('--no-mbrola', 'use espeak-ng voices only')
    .option('--mbrola-share <p>', 'share of clips spoken by MBROLA voices', probability, 0.4)
    .option('--female-share <p>', 'share of clips spoken by female voices within each engine (default: as many as the voice pool has)', probability)
    .option('--no-perturb', 'clean centred clips: no voice/room perturbation, reverb or noise')
    .option('--splits <list>', 'write only these splits, e.g. test (each clip as in the full corpus)', labelList)
    .option('--force', 'delete an existing corpus in --out and start over')
    .option('--resume', 'finish an interrupted run with the same options')
    .option('--json', 'print a JSON summary (with the manifest)')
    .action(async (opts: DatasetSynthOptions) => { await datasetSynthCommand(opts); });
  dataset.command('other-synth')
    .description('write a test-only keyword set from synthesisers never used for training (flite, festival, pico2wave)')
    .option('--out <dir>', 'output folder', 'data/other-synth')
    .option('--seed <n>', 'PRNG seed', seed, 1)
    .option('--force', 'delete an existing set in --out and start over')
    .option('--resume', 'finish an interrupted run')
    .option('--json', 'print a JSON summary')
    .action(async (opts: DatasetOtherSynthOptions) => { await datasetOtherSynthCommand(opts); });
  dataset.command('merge')
    .description('one corpus from several, as symbolic links: every split is the union (e.g. two seeds of synth, or your own recordings)')
    .argument('<sources...>', 'Speech Commands-style folders; the first keeps its clip names')
    .requiredOption('--out <dir>', 'output folder (links only: keep the sources)')
    .option('--labels <words>', 'comma-separated label list (default: the 35 Speech Commands words)', labelList)
    .option('--force', 'replace an earlier corpus in --out')
    .option('--json', 'print the manifest as JSON')
    .action(async (sources: string[], opts: DatasetMergeOptions) => { await datasetMergeCommand(sources, opts); });
  dataset.command('stats')
    .description('counts per split and word, speakers per split (and any shared), training mean/std')
    .argument('<dir>', 'a Speech Commands-style folder')
    .option('--labels <words>', 'comma-separated label list (default: the 35 Speech Commands words)', labelList)
    .option('--no-audio', 'do not read audio (skips the mean/std)')
    .option('--json', 'print JSON')
    .action(async (dir: string, opts: DatasetStatsOptions) => { await datasetStatsCommand(dir, opts); });
  return program;
}
