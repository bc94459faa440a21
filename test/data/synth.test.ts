import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MissingToolError, ToolError, UsageError } from '../../src/errors.js';
import { encodeWav } from '../../src/audio/wav.js';
import { datasetStatsCommand } from '../../src/node/dataset-command.js';
import { batchSsml, espeakInstall, hasProgram, isFemaleVoice, mbrolaVoicesInstalled, phonemesOf, runEspeak } from '../../tools/data/espeak.js';
import { SpeechCommandsCorpus } from '../../tools/data/speech-commands.js';
import { planCorpus, sameSounding, synthCorpus, synthesiseBatch, utteranceFor, type SynthOptions } from '../../tools/data/synth.js';
import { espeakVoice, mbrolaVoice, voiceInventory } from '../../tools/data/voices.js';

const HAS_ESPEAK = hasProgram('espeak-ng');
if (!HAS_ESPEAK) {
  console.warn('test/data/synth.test.ts: espeak-ng is not installed, skipping the synth tests (apt-get install espeak-ng; CI installs .ci/apt-packages-data.txt)');
}

// 3 words × 4 clips from 3 voices: one per split (en-us trains, en-gb-scotland validates, en-us-nyc tests).
const WORDS = ['yes', 'no', 'seven'];
const TINY: Omit<SynthOptions, 'outDir'> = {
  words: WORDS, perWord: 4, validationFraction: 0.25, testFraction: 0.25,
  accents: ['en-us', 'en-gb-scotland', 'en-us-nyc'], variants: [], mbrola: false,
  backgroundSeconds: 1, progress: null,
};

let root: string;
beforeAll(() => { root = mkdtempSync(join(tmpdir(), 'sedge-synth-')); });
afterAll(() => rmSync(root, { recursive: true, force: true }));

function files(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(relative(dir, p), readFileSync(p));
    }
  };
  walk(dir);
  return out;
}

describe('synthCorpus without espeak-ng', () => {
  it('says how to install it', async () => {
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      await expect(synthCorpus({ outDir: join(root, 'never'), ...TINY })).rejects.toThrow(MissingToolError);
      await expect(synthCorpus({ outDir: join(root, 'never'), ...TINY })).rejects.toThrow('apt-get install espeak-ng');
    } finally {
      process.env.PATH = path;
    }
    expect(existsSync(join(root, 'never'))).toBe(false);
  });
});

// Seed 6's training split has a clip on which espeak-ng 1.51 crashes (SIGSEGV) at every run.
const DEMONIC = espeakVoice('en-gb-x-rp', 'Demonic');
const CRASHING_CLIP = { word: 'backward', index: 54, split: 'train' as const, voice: DEMONIC, path: 'backward/es.en-gb-x-rp.Demonic_nohash_0.wav' };
const OTHER_CLIP = { ...CRASHING_CLIP, word: 'cat', index: 70, path: 'cat/es.en-gb-x-rp.Demonic_nohash_0.wav' };

describe('synthesiseBatch when espeak-ng crashes', () => {
  // A stand-in for espeak-ng that crashes on any batch holding a prosody range above 150 % and
  // otherwise returns a constant signal of 1000 + range samples (so the length tells which range was said).
  const calls: string[] = [];
  const fake = async (voice: string, ssml: string) => {
    calls.push(ssml);
    const ranges = [...ssml.matchAll(/range="(\d+)%"/g)].map((m) => Number(m[1]));
    if (ranges.some((r) => r > 150)) throw new ToolError(`espeak-ng -m -v ${voice} failed (killed by SIGSEGV)`, 'SIGSEGV');
    return encodeWav({ samples: new Float32Array(1000 + ranges[0]).fill(0.5), sampleRateHz: 22050 });
  };

  it('says a crashing batch one utterance at a time and a crashing utterance with the voice\'s own range', async () => {
    const planned = [CRASHING_CLIP, OTHER_CLIP].map((c) => utteranceFor(c, 6));
    expect(planned[0].rangePercent).toBeGreaterThan(150); // the planned utterance that crashes espeak-ng 1.51
    const { speech, said, rateHz } = await synthesiseBatch([CRASHING_CLIP, OTHER_CLIP], 6, fake);
    expect(rateHz).toBe(22050);
    expect(said[0]).toEqual({ ...planned[0], rangePercent: 100 });
    expect(speech[0].length).toBe(1100);
    expect(said[1]).toEqual(planned[1].rangePercent > 150 ? { ...planned[1], rangePercent: 100 } : planned[1]);
    expect(calls.length).toBe(planned[1].rangePercent > 150 ? 5 : 4); // batch, clip 0 twice, clip 1
  });

  it('gives up with the ToolError when every fallback crashes, and passes other errors on at once', async () => {
    const alwaysCrash = async () => { throw new ToolError('espeak-ng crashed', 'SIGSEGV'); };
    await expect(synthesiseBatch([OTHER_CLIP], 6, alwaysCrash)).rejects.toThrow(ToolError);
    let n = 0;
    const exits1 = async () => { n++; throw new ToolError('espeak-ng failed (exit 1)'); };
    await expect(synthesiseBatch([OTHER_CLIP], 6, exits1)).rejects.toThrow('exit 1');
    expect(n).toBe(1);
  });

  it.skipIf(!HAS_ESPEAK)('makes the clip that crashes the real espeak-ng', async () => {
    const planned = utteranceFor(CRASHING_CLIP, 6);
    const crashes = await runEspeak(DEMONIC.espeakVoice, batchSsml([planned])).then(() => false, (e: ToolError) => e.signal !== null);
    const { speech, said } = await synthesiseBatch([CRASHING_CLIP], 6);
    expect(said[0]).toEqual(crashes ? { ...planned, rangePercent: 100 } : planned);
    expect(speech[0].length).toBeGreaterThan(2000);
  });
});

describe('planCorpus with a female share', () => {
  // One training accent; f1, f3 female and m1, m2 male variants (none of them held out), plus the plain (male) voice.
  const isFemale = (v: { variant: string | null }) => v.variant?.startsWith('f') ?? false;
  const voices = voiceInventory(['en-us'], ['f1', 'f3', 'm1', 'm2'], [], true, isFemale);
  const options = (femaleShare: number | null): Parameters<typeof planCorpus>[1] => ({
    seed: 5, perWord: 500, words: ['yes', 'no'], concurrency: 1, mbrolaShare: 0.4, femaleShare,
    validationFraction: 0, testFraction: 0, backgroundSeconds: 1, perturb: true, splits: ['train'], sameSounding: {},
  });
  const femaleShareOf = (plan: ReturnType<typeof planCorpus>) => plan.filter((c) => c.voice.female).length / plan.length;

  it('without one, draws exactly as before the option existed (the sex of a voice changes nothing)', () => {
    const sexless = voiceInventory(['en-us'], ['f1', 'f3', 'm1', 'm2'], []);
    expect(planCorpus(voices, options(null)).map((c) => c.path)).toEqual(planCorpus(sexless, options(null)).map((c) => c.path));
    expect(femaleShareOf(planCorpus(voices, options(null)))).toBeCloseTo(2 / 5, 1);
  });

  it('speaks that share of clips with female voices, each sex drawn from its own voices', () => {
    expect(femaleShareOf(planCorpus(voices, options(1)))).toBe(1);
    expect(femaleShareOf(planCorpus(voices, options(0)))).toBe(0);
    const half = planCorpus(voices, options(0.5));
    expect(femaleShareOf(half)).toBeGreaterThan(0.45);
    expect(femaleShareOf(half)).toBeLessThan(0.55);
    expect(new Set(half.map((c) => c.voice.id)).size).toBe(5);
  });

  it('falls back to the whole pool when an engine has voices of one sex only', () => {
    const onlyMale = voiceInventory(['en-us'], ['m1', 'm2'], [], true, isFemale);
    expect(femaleShareOf(planCorpus(onlyMale, options(1)))).toBe(0);
  });
});

describe.skipIf(!HAS_ESPEAK)('synthCorpus (espeak-ng)', () => {
  it('reads the sex of a voice from espeak-ng\'s own definitions', () => {
    const { dataDir } = espeakInstall();
    expect(isFemaleVoice(espeakVoice('en-us', 'f1'), dataDir)).toBe(true);
    expect(isFemaleVoice(espeakVoice('en-us', 'm1'), dataDir)).toBe(false);
    expect(isFemaleVoice(espeakVoice('en-us', null), dataDir)).toBe(false);
    if (existsSync(join(dataDir, 'voices', 'mb', 'mb-us1'))) {
      expect(isFemaleVoice(mbrolaVoice('mb-us1'), dataDir)).toBe(true);
      expect(isFemaleVoice(mbrolaVoice('mb-us3'), dataDir)).toBe(false);
    }
  });

  it('refuses a share outside [0, 1] and records a given female share in the manifest', async () => {
    await expect(synthCorpus({ outDir: join(root, 'share-bad'), ...TINY, femaleShare: 1.5 })).rejects.toThrow(/female-share must be a share in \[0, 1\], got 1.5/);
    const result = await synthCorpus({ outDir: join(root, 'share'), seed: 3, ...TINY, femaleShare: 0.5, splits: ['test'] });
    expect(result.manifest.options.femaleShare).toBe(0.5);
  });

  it('writes the Speech Commands layout with voice-disjoint splits', async () => {
    const out = join(root, 'a');
    const result = await synthCorpus({ outDir: out, seed: 3, ...TINY });
    expect(result.manifest.counts).toEqual({ train: 6, validation: 3, test: 3, total: 12 });
    expect(result.manifest.voices).toEqual({ train: ['es.en-us.none'], validation: ['es.en-gb-scotland.none'], test: ['es.en-us-nyc.none'] });
    expect(readdirSync(join(out, '_background_noise_')).length).toBe(7);
    const corpus = SpeechCommandsCorpus.open(out, { labels: WORDS });
    expect(corpus.counts()).toEqual({ train: 6, validation: 3, test: 3 });
    const speakers = (split: 'train' | 'validation' | 'test') => new Set(corpus.clips(split).map((c) => c.speaker));
    expect([...speakers('train')]).toEqual(['es.en-us.none']);
    expect([...speakers('validation')]).toEqual(['es.en-gb-scotland.none']);
    expect([...speakers('test')]).toEqual(['es.en-us-nyc.none']);
    for (const c of corpus.clips('train')) {
      const x = corpus.read(c);
      expect(x.length).toBe(16000);
      expect(Math.max(...x.map(Math.abs))).toBeGreaterThan(0.001); // a word, not silence
    }
    const manifest = JSON.parse(readFileSync(join(out, 'corpus.json'), 'utf8'));
    expect(manifest.complete).toBe(true);
    expect(manifest.seed).toBe(3);

    const stats = await datasetStatsCommand(out, { labels: WORDS, json: true }, () => {});
    expect(stats.sharedSpeakers).toEqual([]);
    expect(stats.inputStats?.clips).toBe(6);
    expect(stats.inputStats?.std).toBeGreaterThan(0);
  });

  it('is byte-identical for the same seed, different for another', async () => {
    await synthCorpus({ outDir: join(root, 'b'), seed: 3, ...TINY, concurrency: 1 });
    const a = files(join(root, 'a')), b = files(join(root, 'b'));
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
    for (const [path, bytes] of a) expect(bytes.equals(b.get(path)!), path).toBe(true);
    await synthCorpus({ outDir: join(root, 'c'), seed: 4, ...TINY });
    const c = files(join(root, 'c'));
    expect([...a].some(([path, bytes]) => !c.get(path)?.equals(bytes))).toBe(true);
  });

  it('logs what render did to every clip, and writes chosen splits only, each clip as in the full corpus', async () => {
    const log = (dir: string) => readFileSync(join(dir, 'render-log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const full = log(join(root, 'a'));
    expect(full.map((r) => r.path)).toEqual(full.map((r) => r.path).sort());
    expect(full.length).toBe(12);
    for (const r of full) {
      expect(existsSync(join(root, 'a', r.path))).toBe(true);
      expect(r).toMatchObject({ split: expect.any(String), voice: expect.any(String), text: expect.any(String), levelDb: expect.any(Number), offset: expect.any(Number) });
    }
    expect(full.filter((r) => r.split === 'test').every((r) => r.voice === 'es.en-us-nyc.none')).toBe(true);

    const out = join(root, 'test-only');
    const result = await synthCorpus({ outDir: out, seed: 3, ...TINY, splits: ['test'] });
    expect(result.manifest.counts).toEqual({ train: 0, validation: 0, test: 3, total: 3 });
    const a = files(join(root, 'a')), t = files(out);
    const clips = [...t.keys()].filter((p) => p.endsWith('.wav') && !p.startsWith('_'));
    expect(clips.length).toBe(3);
    for (const path of clips) expect(t.get(path)!.equals(a.get(path)!), path).toBe(true);
    expect(t.get('testing_list.txt')!.equals(a.get('testing_list.txt')!)).toBe(true);
    expect(log(out)).toEqual(full.filter((r) => r.split === 'test'));
    expect(SpeechCommandsCorpus.open(out, { labels: WORDS }).counts()).toEqual({ train: 0, validation: 0, test: 3 });
    await expect(synthCorpus({ outDir: join(root, 'never'), seed: 3, ...TINY, splits: [] })).rejects.toThrow(/splits must be some of/);

    const clean = join(root, 'clean');
    await synthCorpus({ outDir: clean, seed: 3, ...TINY, splits: ['test'], perturb: false });
    for (const r of log(clean)) expect(r).toMatchObject({ speed: 1, eq: [], reverb: null, noise: null, snrDb: null });
    const c = files(clean);
    for (const path of clips) expect(c.get(path)!.equals(a.get(path)!), path).toBe(false);
  });

  it('refuses a non-empty folder, resumes after a lost file, and checks resume options', async () => {
    const out = join(root, 'a');
    await expect(synthCorpus({ outDir: out, seed: 3, ...TINY })).rejects.toThrow(UsageError);
    await expect(synthCorpus({ outDir: out, seed: 3, ...TINY })).rejects.toThrow(/--resume .* --force/);
    const before = files(out);
    const lost = [...before.keys()].find((p) => p.startsWith('no/'))!;
    unlinkSync(join(out, lost));
    writeFileSync(join(out, `${lost}.partial-999`), 'half a file from a killed run');
    const result = await synthCorpus({ outDir: out, seed: 3, ...TINY, resume: true });
    expect(result.written).toBe(1);
    expect(result.skipped).toBe(11);
    const after = files(out);
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    expect(after.get(lost)!.equals(before.get(lost)!)).toBe(true);
    await expect(synthCorpus({ outDir: out, seed: 5, ...TINY, resume: true })).rejects.toThrow(/made with seed 3/);
  });

  it('--force replaces the corpus but keeps unrelated files', async () => {
    const out = join(root, 'c');
    mkdirSync(join(out, 'notes'), { recursive: true });
    writeFileSync(join(out, 'notes', 'keep.txt'), 'mine');
    await synthCorpus({ outDir: out, seed: 3, ...TINY, force: true });
    expect(readFileSync(join(out, 'notes', 'keep.txt'), 'utf8')).toBe('mine');
    const a = files(join(root, 'a'));
    const c = files(out);
    for (const [path, bytes] of a) expect(bytes.equals(c.get(path)!), path).toBe(true);
  });
});

describe('words a voice says like another word', () => {
  const voices = voiceInventory(['en-us'], ['m1'], ['mb-us1', 'mb-fr1-en']);
  const options = (sameSounding: Record<string, string[]>): Parameters<typeof planCorpus>[1] => ({
    seed: 5, perWord: 300, words: ['three', 'tree', 'yes'], concurrency: 1, mbrolaShare: 0.5, femaleShare: null,
    validationFraction: 0, testFraction: 0, backgroundSeconds: 1, perturb: true, splits: ['train'], sameSounding,
  });

  it('sameSounding names, per pronouncer, the words it says with the same phonemes as another', () => {
    const fake = (pronouncer: string, words: readonly string[]) => words.map((w) => (pronouncer === 'mb-fr1-en' && w === 'three' ? 'tree' : w));
    expect(sameSounding(voices, ['three', 'tree', 'yes'], fake)).toEqual({ 'mb-fr1-en': ['three', 'tree'] });
    expect(sameSounding(voices, ['three', 'yes'], fake)).toEqual({});
  });

  it('planCorpus gives those words no clip by those voices, and every other word the same plan as before', () => {
    const before = planCorpus(voices, options({}));
    const after = planCorpus(voices, options({ 'mb-fr1-en': ['three', 'tree'] }));
    expect(before.some((c) => c.word === 'three' && c.voice.id === 'mb.fr1-en')).toBe(true);
    expect(after.filter((c) => c.word !== 'yes' && c.voice.id === 'mb.fr1-en')).toEqual([]);
    expect(after.filter((c) => c.word === 'three' && c.voice.engine === 'mbrola').length).toBeGreaterThan(100); // mb-us1 speaks them
    const paths = (plan: typeof before, word: string) => plan.filter((c) => c.word === word).map((c) => c.path);
    expect(paths(after, 'yes')).toEqual(paths(before, 'yes'));
    expect(paths(after, 'three')).toHaveLength(300);
  });

  it.skipIf(!hasProgram('espeak-ng'))('phonemesOf tells "three" from "tree" in espeak-ng English, one call for all words', () => {
    const said = phonemesOf('en-us', ['three', 'tree', 'yes'], false);
    expect(said).toHaveLength(3);
    expect(said[0]).not.toBe(said[1]);
  });

  it.skipIf(mbrolaVoicesInstalled(['mb-fr4-en', 'mb-en1']).length < 2)('MBROLA: mb-fr4-en says "three" like "tree", mb-en1 does not', () => {
    const [three, tree] = phonemesOf('mb-fr4-en', ['three', 'tree'], true);
    expect(three).toBe(tree);
    expect(three).toMatch(/^t R i/);
    const en1 = phonemesOf('mb-en1', ['three', 'tree'], true);
    expect(en1[0]).not.toBe(en1[1]);
    expect(sameSounding(voiceInventory([], [], ['mb-fr4-en', 'mb-en1']), ['three', 'tree', 'yes'])).toEqual({ 'mb-fr4-en': ['three', 'tree'] });
  });
});
