/**
 * `sedge dataset synth`: a keyword corpus in the Speech Commands v0.02 layout, synthesised with
 * espeak-ng (and MBROLA voices through it, when installed), for training without the real corpus.
 *
 * Narrative. A model trained on one synthesiser learns that synthesiser (measured: 99 % on held-out
 * espeak-ng variants, 26 % on another synthesiser). So the corpus spreads every axis we can reach:
 * - who speaks: every English espeak-ng accent × every variant (≈800 voices) plus up to 20 MBROLA
 *   diphone voices (a different synthesis method: concatenated recordings of real speakers);
 * - how: speed 120–250 wpm, pitch 5–95, pitch range 20–200 %, statement/question/exclamation;
 * - the voice and the room (render.ts): vocal-tract-length/speed perturbation, spectral tilt,
 *   peaking EQ, band limits, saturation, reverberation, level, noise floor, noise at 0–40 dB SNR
 *   (white, pink, brown, coloured, slices of the background recordings);
 * - position: the word sits anywhere in the 1 s window.
 * Validation and test hold out whole voice families (voices.ts), so their accuracy is accuracy on
 * voices the model never heard.
 *
 * Determinism: the plan (word, split, voice of every clip) and each clip's parameters come from
 * streams keyed by (seed, word, clip index), the background recordings from (seed, kind), and the
 * manifest holds no times, so the same seed and options give a byte-identical folder however the
 * clips were scheduled, and `resume` can skip finished files.
 */
import { appendFileSync, readFileSync, existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { decodeWav, encodeWav } from '../../src/audio/wav.js';
import { DataError, ToolError, UsageError } from '../../src/errors.js';
import { SPEECH_COMMANDS_LABELS } from '../../src/model/model.js';
import { Rng } from './prng.js';
import { batchSsml, espeakInstall, espeakVariants, isFemaleVoice, mbrolaVoicesInstalled, phonemesOf, requireEspeak, runEspeak, splitAtPauses, type Utterance } from './espeak.js';
import { ESPEAK_ENGLISH_ACCENTS, HELD_OUT, MBROLA_ENGLISH_VOICES, pronouncerOf, voiceInventory, voicesBySplit, type Split, type Voice } from './voices.js';
import { renderClip, RATE_HZ } from './render.js';
import { BACKGROUND_KINDS, assertNoKeywords, makeBackground } from './background.js';
import { MANIFEST, RENDER_LOG, prepareOutDir, removeTempFiles, writeFileAtomic } from './corpus-files.js';
import { BACKGROUND_FOLDER, SPLITS, TESTING_LIST, VALIDATION_LIST } from './speech-commands.js';
import { Progress } from './progress.js';

/** Bump when the same options would give different audio. 3: no word from a voice that says it like another word. */
export const GENERATOR_VERSION = 3;
export const DEFAULT_PER_WORD = 800;
export const DEFAULT_SEED = 1;

export interface SynthOptions {
  outDir: string;
  seed?: number;
  /** Clips per word over all splits (default 800: 80 % train, 10 % validation, 10 % test). */
  perWord?: number;
  words?: readonly string[];
  force?: boolean;
  resume?: boolean;
  /** espeak-ng processes at once (default: the number of cores). */
  concurrency?: number;
  /** espeak-ng accents (default: the 8 English ones). */
  accents?: readonly string[];
  /** espeak-ng variants (default: all installed), without the plain voice unless `plainVoice`. */
  variants?: readonly string[];
  /** Include each accent's own voice (variant 'none'); default true. */
  plainVoice?: boolean;
  /** 'auto' (default): every installed English MBROLA voice; false: none; or a list. */
  mbrola?: 'auto' | boolean | readonly string[];
  /** Share of clips spoken by MBROLA voices when a split has some (default 0.4: diphones of real recordings, the voices least like espeak-ng's formant synthesis). */
  mbrolaShare?: number;
  /**
   * Share of clips spoken by a female voice, within each engine's pool of a split (default: none;
   * the voice is drawn from the whole pool, so the share is the pool's, about a quarter in training).
   * The other synthesisers' female voices are where the model is weakest (models/sedge-tiny.md).
   */
  femaleShare?: number;
  validationFraction?: number;
  testFraction?: number;
  /** Length of each background recording (default 60 s). */
  backgroundSeconds?: number;
  /** Voice/room perturbations (default true; false gives clean centred clips). */
  perturb?: boolean;
  /**
   * Write only these splits (default all three). Each clip keeps its place in the full plan, so
   * `['test']` writes exactly the test clips of the full corpus with the same seed and options.
   */
  splits?: readonly Split[];
  /** Where the progress bar goes (default stderr; null: silent). */
  progress?: Writable | null;
}

export interface CorpusManifest {
  generator: 'sedge dataset synth';
  generatorVersion: number;
  espeakNg: string;
  seed: number;
  perWord: number;
  words: string[];
  sampleRateHz: number;
  /** femaleShare only when given, so manifests of corpora made without it stay as they were. */
  options: { mbrolaShare: number; femaleShare?: number; validationFraction: number; testFraction: number; backgroundSeconds: number; perturb: boolean; splits: Split[] };
  heldOut: typeof HELD_OUT;
  /** Words each pronouncer (voices.ts pronouncerOf) says exactly like another word: no voice of it says them. */
  sameSounding: Record<string, string[]>;
  voices: Record<Split, string[]>;
  /** Voices that mix a validation and a test family, used by no split. */
  unusedVoices: string[];
  background: string[];
  counts: Record<Split, number> & { total: number };
  complete: boolean;
}

interface PlannedClip {
  word: string;
  index: number;
  split: Split;
  voice: Voice;
  path: string;
}

interface ResolvedOptions {
  seed: number; perWord: number; words: string[]; concurrency: number; mbrolaShare: number; femaleShare: number | null;
  validationFraction: number; testFraction: number; backgroundSeconds: number; perturb: boolean; splits: Split[];
  /** sameSounding's answer: pronouncer → words its voices do not say. */
  sameSounding: Record<string, string[]>;
}

const TEXT_ENDINGS = ['', '', '.', '.', '!', '?', ','];

function checkWords(words: readonly string[]): string[] {
  if (words.length === 0) throw new UsageError('no words to synthesise');
  for (const w of words) {
    if (!/^[a-z][a-z0-9'-]*$/.test(w)) throw new UsageError(`word '${w}' must be lower-case letters (it is also a folder name)`);
  }
  if (new Set(words).size !== words.length) throw new UsageError(`duplicate words in ${words.join(',')}`);
  return [...words];
}

/**
 * Per pronouncer (voices.ts pronouncerOf), the words its voices say with exactly the same phonemes as
 * another of the words: such a clip is no example of its label. Measured (espeak-ng 1.51): 10 of the
 * 20 MBROLA voices say "three" as "tree" (languages without /θ/), which put the same sound under two
 * labels in training (907 of 3,840 "three" clips in six renderings) and made 19 of the test split's 80
 * "three" clips a coin toss. Both words of a pair are dropped for the voice: which one it "meant" is
 * not in the sound.
 */
export function sameSounding(voices: readonly Voice[], words: readonly string[], pronounce = phonemesOf): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const pronouncers = [...new Map(voices.map((v) => [pronouncerOf(v), v.engine === 'mbrola'] as const)).entries()].sort(([a], [b]) => a.localeCompare(b));
  for (const [pronouncer, mbrola] of pronouncers) {
    const said = pronounce(pronouncer, words, mbrola);
    const same = words.filter((w, i) => said.some((p, j) => j !== i && p === said[i]));
    if (same.length) out[pronouncer] = same;
  }
  return out;
}

/**
 * The whole corpus plan: which word, split and voice each clip gets, and its file name. A word's
 * voice pools leave out the voices that say it like another word (o.sameSounding); the draws stay
 * keyed by (word, clip), so only those words' plans change.
 */
export function planCorpus(voices: readonly Voice[], o: ResolvedOptions): PlannedClip[] {
  const bySex = (voices: Voice[]) => ({ all: voices, female: voices.filter((v) => v.female), male: voices.filter((v) => !v.female) });
  const enginesFor = (word: string) => {
    const pools = voicesBySplit(voices.filter((v) => !o.sameSounding[pronouncerOf(v)]?.includes(word)));
    const byEngine = (split: Split) => ({
      espeak: bySex(pools[split].filter((v) => v.engine === 'espeak')),
      mbrola: bySex(pools[split].filter((v) => v.engine === 'mbrola')),
    });
    return { train: byEngine('train'), validation: byEngine('validation'), test: byEngine('test') };
  };
  const nVal = Math.round(o.perWord * o.validationFraction), nTest = Math.round(o.perWord * o.testFraction);
  const nTrain = o.perWord - nVal - nTest;
  const plan: PlannedClip[] = [];
  for (const word of o.words) {
    const engines = enginesFor(word);
    const perSpeaker = new Map<string, number>();
    for (let index = 0; index < o.perWord; index++) {
      const split: Split = index < nTrain ? 'train' : index < nTrain + nVal ? 'validation' : 'test';
      const { espeak, mbrola } = engines[split];
      if (espeak.all.length + mbrola.all.length === 0) continue; // no voice for this split
      const rng = Rng.derive(o.seed, 'plan', word, index);
      const useMbrola = mbrola.all.length > 0 && (espeak.all.length === 0 || rng.chance(o.mbrolaShare));
      const pool = useMbrola ? mbrola : espeak;
      // Without femaleShare no extra draw, so corpora made before it keep every byte.
      const sexed = o.femaleShare !== null && pool.female.length > 0 && pool.male.length > 0;
      const voice = rng.pick(sexed ? (rng.chance(o.femaleShare!) ? pool.female : pool.male) : pool.all);
      const n = perSpeaker.get(voice.id) ?? 0;
      perSpeaker.set(voice.id, n + 1);
      plan.push({ word, index, split, voice, path: `${word}/${voice.id}_nohash_${n}.wav` });
    }
  }
  return plan;
}

/** What espeak-ng says for a planned clip: the word with a random ending and prosody. */
export function utteranceFor(clip: PlannedClip, seed: number): Utterance {
  const rng = Rng.derive(seed, 'utterance', clip.word, clip.index);
  return {
    text: clip.word + rng.pick(TEXT_ENDINGS),
    ratePercent: rng.logUniform(70, 145), // ≈ 120–250 wpm
    pitchPercent: rng.uniform(-45, 70),
    rangePercent: rng.uniform(20, 200),
  };
}

/** Clips grouped by voice, in plan order, at most `size` per batch: one espeak-ng process each. */
export function batchByVoice(plan: readonly PlannedClip[], size = 24): PlannedClip[][] {
  const byVoice = new Map<string, PlannedClip[]>();
  for (const c of plan) {
    const list = byVoice.get(c.voice.id) ?? [];
    list.push(c);
    byVoice.set(c.voice.id, list);
  }
  const batches: PlannedClip[][] = [];
  for (const list of byVoice.values()) for (let i = 0; i < list.length; i += size) batches.push(list.slice(i, i + size));
  return batches;
}

type Espeak = (voice: string, ssml: string) => Promise<Uint8Array>;

/**
 * espeak-ng 1.51 crashes (SIGSEGV) on a few exact prosody settings: "backward!" in
 * en-gb-x-rp+Demonic at rate 70 %, pitch 0 %, range 191 % (seed 6's training split) crashes at every
 * run, at rate 71 % too, but not at range 100 % or without the "!". An utterance that crashes alone
 * is said again with the voice's own pitch range, then with neutral prosody. Nothing changes for a
 * corpus that never crashed.
 */
const CRASH_FALLBACKS: ((u: Utterance) => Utterance)[] = [
  (u) => ({ ...u, rangePercent: 100 }),
  (u) => ({ ...u, ratePercent: 100, pitchPercent: 0, rangePercent: 100 }),
];
const crashed = (error: unknown) => error instanceof ToolError && error.signal !== null;

/**
 * Speech for each clip of a batch (same voice): one espeak-ng call, cut at the pauses; or one call
 * per utterance when the cut fails or the batch crashes espeak-ng. `said` is what espeak-ng was
 * given for each clip (the planned utterance unless a crash fallback was needed).
 */
export async function synthesiseBatch(batch: readonly PlannedClip[], seed: number, espeak: Espeak = runEspeak): Promise<{ speech: Float32Array[]; rateHz: number; said: Utterance[] }> {
  const voice = batch[0].voice.espeakVoice;
  const utterances = batch.map((c) => utteranceFor(c, seed));
  const decode = (bytes: Uint8Array) => decodeWav(bytes, `espeak-ng -v ${voice}`);
  try {
    const whole = decode(await espeak(voice, batchSsml(utterances)));
    const parts = splitAtPauses(whole.samples, whole.sampleRateHz, batch.length);
    if (parts) return { speech: parts, rateHz: whole.sampleRateHz, said: utterances };
    // A word with a long inner pause (or two words run together): say them one at a time instead.
  } catch (error) {
    if (!crashed(error)) throw error;
  }
  const speech: Float32Array[] = [], said: Utterance[] = [];
  let rateHz = 0;
  for (const planned of utterances) {
    for (const [attempt, u] of [planned, ...CRASH_FALLBACKS.map((f) => f(planned))].entries()) {
      try {
        const wav = decode(await espeak(voice, batchSsml([u])));
        speech.push(wav.samples);
        said.push(u);
        rateHz = wav.sampleRateHz;
        break;
      } catch (error) {
        if (!crashed(error) || attempt === CRASH_FALLBACKS.length) throw error;
      }
    }
  }
  return { speech, rateHz, said };
}

function resolveVoices(options: SynthOptions): Voice[] {
  const { dataDir } = espeakInstall();
  const accents = options.accents ?? ESPEAK_ENGLISH_ACCENTS;
  const variants = options.variants ?? espeakVariants(dataDir);
  let mbrola: readonly string[] = [];
  if (options.mbrola === undefined || options.mbrola === 'auto' || options.mbrola === true) {
    mbrola = mbrolaVoicesInstalled(MBROLA_ENGLISH_VOICES, dataDir);
    if (options.mbrola === true && mbrola.length === 0) throw new UsageError('no MBROLA voice is installed: run tools/data/install-voices.sh');
  } else if (Array.isArray(options.mbrola)) {
    mbrola = options.mbrola;
    const installed = new Set(mbrolaVoicesInstalled(mbrola, dataDir));
    const missing = mbrola.filter((v) => !installed.has(v));
    if (missing.length) throw new UsageError(`MBROLA voice(s) not installed: ${missing.join(', ')} (run tools/data/install-voices.sh)`);
  }
  return voiceInventory(accents, variants, mbrola, options.plainVoice ?? true, (v) => isFemaleVoice(v, dataDir));
}

/**
 * Rewrites the render log sorted by path, one line per planned clip (a killed run may have left a
 * torn last line or lines for clips it wrote again), so the same seed gives the same bytes.
 */
function finishRenderLog(file: string, plan: readonly PlannedClip[]): void {
  const byPath = new Map<string, string>();
  const lines = existsSync(file) ? readFileSync(file, 'utf8').split('\n') : [];
  for (const line of lines) {
    try {
      byPath.set((JSON.parse(line) as { path: string }).path, line);
    } catch {
      // a torn line from a kill: that clip was not written either, so its line came again later
    }
  }
  const missing = plan.filter((c) => !byPath.has(c.path));
  if (missing.length) throw new DataError(file, `no render record for ${missing.length} clip(s), e.g. ${missing[0].path} (a corpus resumed from an older generator: make it again with --force)`);
  writeFileAtomic(file, plan.map((c) => byPath.get(c.path)!).sort().join('\n') + '\n');
}

function checkResumable(outDir: string, expected: CorpusManifest): void {
  const file = join(outDir, MANIFEST);
  if (!existsSync(file)) throw new UsageError(`${outDir} has no ${MANIFEST}: it is not a corpus this tool started, so it cannot be resumed (use --force to start over)`);
  let old: CorpusManifest;
  try {
    old = JSON.parse(readFileSync(file, 'utf8')) as CorpusManifest;
  } catch (error) {
    throw new DataError(file, `unreadable manifest (${(error as Error).message})`);
  }
  const same = (k: string, a: unknown, b: unknown) => {
    if (JSON.stringify(a) !== JSON.stringify(b)) throw new UsageError(`cannot resume ${outDir}: it was made with ${k} ${JSON.stringify(a)}, this run asks for ${JSON.stringify(b)} (use the same options, or --force to start over)`);
  };
  same('generator version', old.generatorVersion, expected.generatorVersion);
  same('seed', old.seed, expected.seed);
  same('per-word', old.perWord, expected.perWord);
  same('words', old.words, expected.words);
  same('options', old.options, expected.options);
  same('voices', old.voices, expected.voices);
  same('same-sounding words', old.sameSounding, expected.sameSounding);
}

export interface SynthResult {
  manifest: CorpusManifest;
  written: number;
  skipped: number;
  seconds: number;
  clipsPerSecond: number;
}

export async function synthCorpus(options: SynthOptions): Promise<SynthResult> {
  requireEspeak();
  const o: ResolvedOptions = {
    seed: options.seed ?? DEFAULT_SEED,
    perWord: options.perWord ?? DEFAULT_PER_WORD,
    words: checkWords(options.words ?? SPEECH_COMMANDS_LABELS),
    concurrency: options.concurrency ?? availableParallelism(),
    mbrolaShare: options.mbrolaShare ?? 0.4,
    femaleShare: options.femaleShare ?? null,
    validationFraction: options.validationFraction ?? 0.1,
    testFraction: options.testFraction ?? 0.1,
    backgroundSeconds: options.backgroundSeconds ?? 60,
    perturb: options.perturb ?? true,
    splits: SPLITS.filter((split) => (options.splits ?? SPLITS).includes(split)),
    sameSounding: {},
  };
  if (!(Number.isInteger(o.seed) && o.seed >= 0 && o.seed < 2 ** 32)) throw new UsageError(`seed must be an integer in [0, 2^32), got ${o.seed}`);
  if (!(Number.isInteger(o.perWord) && o.perWord > 0)) throw new UsageError(`per-word must be a positive integer, got ${o.perWord}`);
  if (!(Number.isInteger(o.concurrency) && o.concurrency > 0)) throw new UsageError(`concurrency must be a positive integer, got ${o.concurrency}`);
  for (const [name, share] of [['mbrola-share', o.mbrolaShare], ['female-share', o.femaleShare ?? 0]] as const) {
    if (!(share >= 0 && share <= 1)) throw new UsageError(`${name} must be a share in [0, 1], got ${share}`);
  }
  if (!(o.validationFraction >= 0 && o.testFraction >= 0 && o.validationFraction + o.testFraction < 1)) throw new UsageError('validation + test fractions must be in [0, 1)');
  const unknownSplit = (options.splits ?? []).find((split) => !SPLITS.includes(split));
  if (unknownSplit !== undefined || o.splits.length === 0) throw new UsageError(`splits must be some of ${SPLITS.join(', ')}, got ${JSON.stringify(options.splits)}`);
  if (!(o.backgroundSeconds >= 1)) throw new UsageError(`background seconds must be at least 1 (one clip), got ${o.backgroundSeconds}`);
  assertNoKeywords(o.words);

  const voices = resolveVoices(options);
  const pools = voicesBySplit(voices);
  if (pools.train.length === 0) throw new UsageError('no training voice: every selected voice is held out');
  o.sameSounding = sameSounding(voices.filter((v) => v.split !== null), o.words);
  const plan = planCorpus(voices, o).filter((c) => o.splits.includes(c.split));
  const counts = { train: 0, validation: 0, test: 0, total: plan.length };
  for (const c of plan) counts[c.split]++;
  const manifest: CorpusManifest = {
    generator: 'sedge dataset synth',
    generatorVersion: GENERATOR_VERSION,
    espeakNg: espeakInstall().version,
    seed: o.seed,
    perWord: o.perWord,
    words: o.words,
    sampleRateHz: RATE_HZ,
    options: { mbrolaShare: o.mbrolaShare, ...(o.femaleShare === null ? {} : { femaleShare: o.femaleShare }), validationFraction: o.validationFraction, testFraction: o.testFraction, backgroundSeconds: o.backgroundSeconds, perturb: o.perturb, splits: o.splits },
    heldOut: HELD_OUT,
    sameSounding: o.sameSounding,
    voices: { train: pools.train.map((v) => v.id), validation: pools.validation.map((v) => v.id), test: pools.test.map((v) => v.id) },
    unusedVoices: voices.filter((v) => v.split === null).map((v) => v.id),
    background: BACKGROUND_KINDS.map((k) => `${BACKGROUND_FOLDER}/${k}.wav`),
    counts,
    complete: false,
  };

  const { outDir } = options;
  const resuming = prepareOutDir(outDir, [...new Set([...o.words, ...SPEECH_COMMANDS_LABELS])], options);
  if (resuming) {
    checkResumable(outDir, manifest);
    removeTempFiles(outDir);
  }
  writeFileAtomic(join(outDir, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);

  const stream = options.progress === undefined ? process.stderr : options.progress;
  // Background recordings first: clips take noise slices from them. Always read back from disk so
  // that a fresh and a resumed run use the same (16-bit) samples.
  const background: Float32Array[] = [];
  const babbleVoices = pools.train.filter((v) => v.engine === 'espeak');
  for (const kind of BACKGROUND_KINDS) {
    const file = join(outDir, BACKGROUND_FOLDER, `${kind}.wav`);
    if (!existsSync(file)) {
      stream?.write(`background: ${kind} (${o.backgroundSeconds} s)\n`);
      const samples = await makeBackground(kind, o.backgroundSeconds, o.seed, babbleVoices.length ? babbleVoices : pools.train);
      writeFileAtomic(file, encodeWav({ samples, sampleRateHz: RATE_HZ }));
    }
    background.push(decodeWav(readFileSync(file), file).samples);
  }

  // What render did to each clip (level, SNR, reverb, ...), so accuracy can be broken down by it.
  // Appended before the clip is written, so every finished clip has a line even after a kill.
  const renderLog = join(outDir, RENDER_LOG);
  const progress = new Progress(plan.length, 'synth', 'clips', stream);
  const isDone = (c: PlannedClip) => existsSync(join(outDir, c.path));
  const batches = batchByVoice(plan).filter((batch) => {
    const done = batch.filter(isDone).length;
    progress.skip(done);
    return done < batch.length;
  });
  let next = 0, failed = false, written = 0;
  const makeBatch = async (batch: PlannedClip[]) => {
    const { speech, rateHz, said } = await synthesiseBatch(batch, o.seed);
    batch.forEach((clip, i) => {
      if (isDone(clip)) return; // resumed batch: keep what is there (same bytes anyway)
      const rng = Rng.derive(o.seed, 'render', clip.word, clip.index);
      const { clip: samples, info } = renderClip(speech[i], rateHz, rng, { background, perturb: o.perturb }, `${clip.path} (${clip.voice.espeakVoice})`);
      appendFileSync(renderLog, `${JSON.stringify({ path: clip.path, split: clip.split, voice: clip.voice.id, ...said[i], ...info })}\n`);
      writeFileAtomic(join(outDir, clip.path), encodeWav({ samples, sampleRateHz: RATE_HZ }));
      written++;
      progress.tick();
    });
  };
  const worker = async () => {
    while (!failed && next < batches.length) {
      const batch = batches[next++];
      try {
        await makeBatch(batch);
      } catch (error) {
        failed = true; // stop the other workers too: the error is reported once, finished files stay
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(o.concurrency, Math.max(1, batches.length)) }, worker));
  progress.finish();

  const list = (split: Split) => plan.filter((c) => c.split === split).map((c) => c.path).sort().join('\n') + '\n';
  writeFileAtomic(join(outDir, VALIDATION_LIST), list('validation'));
  writeFileAtomic(join(outDir, TESTING_LIST), list('test'));
  finishRenderLog(renderLog, plan);
  manifest.complete = true;
  writeFileAtomic(join(outDir, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
  const seconds = progress.elapsedSeconds();
  return { manifest, written, skipped: plan.length - written, seconds, clipsPerSecond: written / seconds };
}
