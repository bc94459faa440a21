/**
 * `sedge dataset other-synth`: a small test-only keyword set spoken by speech synthesisers that the
 * training corpus never uses, to measure generalisation to unseen synthesisers.
 *
 * Synthesisers (Debian packages; `bash tools/data/install-voices.sh --other-synths` installs them):
 * - flite (CMU Flite, diphone + clustergen): voices kal, kal16, awb, rms, slt;
 * - festival (diphone kal/ked, HTS slt): festival, festvox-kallpc16k, festvox-kdlpc16k, festvox-us-slt-hts;
 * - SVOX Pico (pico2wave, libttspico-utils, non-free): en-US, en-GB.
 * None of them is espeak-ng or MBROLA, so nothing here was heard in training. Keep it that way:
 * these must never feed a training corpus.
 *
 * Each (word, voice) is spoken at three speeds; clips are clean (no noise or filtering, as a
 * synthesiser produces them), resampled to 16 kHz, trimmed and placed at a seeded random offset in
 * the 1 s window. The folder holds only a test split: every clip is listed in testing_list.txt.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { decodeWav, encodeWav } from '../../src/audio/wav.js';
import { MissingToolError, UsageError } from '../../src/errors.js';
import { SPEECH_COMMANDS_LABELS } from '../../src/model/model.js';
import { Rng } from './prng.js';
import { hasProgram } from './espeak.js';
import { renderClip, RATE_HZ } from './render.js';
import { MANIFEST, prepareOutDir, removeTempFiles, writeFileAtomic } from './corpus-files.js';
import { TESTING_LIST } from './speech-commands.js';
import { Progress } from './progress.js';
import { existsSync } from 'node:fs';

export const OTHER_SYNTH_VERSION = 1;
export const INSTALL_OTHER_HINT = 'bash tools/data/install-voices.sh --other-synths (or: apt-get install flite festival festvox-kallpc16k festvox-kdlpc16k festvox-us-slt-hts)';

/** Duration stretch factors (>1 slower). */
const STRETCHES = [0.85, 1, 1.2];

interface OtherVoice {
  engine: 'flite' | 'festival' | 'pico';
  name: string;
  /** Speaker id in file names. */
  id: string;
}

const FLITE_VOICES = ['kal', 'kal16', 'awb', 'rms', 'slt'];
const FESTIVAL_VOICES = ['kal_diphone', 'ked_diphone', 'cmu_us_slt_arctic_hts'];
const PICO_VOICES = ['en-US', 'en-GB'];
/** Speaker ids of the female voices (slt is CMU Arctic's US female; both Pico voices are female); the rest are male. */
const FEMALE_VOICE_IDS = new Set(['flite.slt', 'festival.cmu-us-slt-arctic-hts', 'pico.en-US', 'pico.en-GB']);

/** 'female' or 'male' for a speaker id of this set (`flite.slt`, `festival.kal-diphone`), for reports. */
export const otherVoiceSpeaker = (id: string): 'female' | 'male' => (FEMALE_VOICE_IDS.has(id) ? 'female' : 'male');

function run(program: string, args: string[], input?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { stdio: [input === undefined ? 'ignore' : 'pipe', 'ignore', 'pipe'] });
    const errors: Buffer[] = [];
    child.stderr?.on('data', (c: Buffer) => errors.push(c));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${program} ${args.join(' ')} failed (exit ${code}): ${Buffer.concat(errors).toString().trim()}`))));
    if (input !== undefined) child.stdin?.end(input);
  });
}

function festivalVoices(): string[] {
  if (!hasProgram('festival', ['--version'])) return [];
  const dirs = ['/usr/share/festival/voices/english', '/usr/share/festival/voices/us'];
  return FESTIVAL_VOICES.filter((v) => dirs.some((d) => existsSync(join(d, v))));
}

/** The voices of every other synthesiser installed here. */
export function otherVoicesInstalled(): OtherVoice[] {
  const voices: OtherVoice[] = [];
  if (hasProgram('flite', ['-lv'])) for (const v of FLITE_VOICES) voices.push({ engine: 'flite', name: v, id: `flite.${v}` });
  for (const v of festivalVoices()) voices.push({ engine: 'festival', name: v, id: `festival.${v.replace(/_/g, '-')}` });
  if (hasProgram('pico2wave', ['--usage'])) for (const v of PICO_VOICES) voices.push({ engine: 'pico', name: v, id: `pico.${v}` });
  return voices;
}

interface Job { word: string; voice: OtherVoice; stretch: number; n: number; path: string }

/** WAV bytes for every job of one voice (same voice = one festival process; flite/pico per clip). */
async function synthesiseVoice(jobs: readonly Job[], scratch: string): Promise<Uint8Array[]> {
  const voice = jobs[0].voice;
  const files = jobs.map((_, i) => join(scratch, `${voice.id}-${i}.wav`));
  if (voice.engine === 'festival') {
    // festival starts slowly (seconds): one process says every word, saving each to its own file.
    // Diphone voices take Duration_Stretch; the HTS voice ignores it and takes hts_engine's -r (speed rate).
    const hts = voice.name.endsWith('_hts');
    const scheme = [`(voice_${voice.name})`, ...(hts ? ['(set! sedge_hts_params hts_engine_params)'] : [])];
    jobs.forEach((j, i) => {
      scheme.push(`(Parameter.set 'Duration_Stretch ${j.stretch})`);
      if (hts) scheme.push(`(set! hts_engine_params (append sedge_hts_params (list (list "-r" ${(1 / j.stretch).toFixed(4)}))))`);
      scheme.push(`(utt.save.wave (utt.synth (Utterance Text "${j.word}")) "${files[i]}" 'riff)`);
    });
    const script = join(scratch, `${voice.id}.scm`);
    writeFileSync(script, scheme.join('\n') + '\n');
    await run('festival', ['-b', script]);
  } else {
    for (let i = 0; i < jobs.length; i++) {
      const j = jobs[i];
      if (voice.engine === 'flite') {
        await run('flite', ['-voice', voice.name, '--setf', `duration_stretch=${j.stretch}`, '-t', j.word, '-o', files[i]]);
      } else {
        const level = Math.round(100 / j.stretch); // pico: speed level in percent
        await run('pico2wave', ['-l', voice.name, '-w', files[i], `<speed level="${level}">${j.word}</speed>`]);
      }
    }
  }
  return files.map((f) => readFileSync(f));
}

export interface OtherSynthOptions {
  outDir: string;
  seed?: number;
  words?: readonly string[];
  force?: boolean;
  /** Skip finished clips of an interrupted run. */
  resume?: boolean;
  concurrency?: number;
  progress?: Writable | null;
}

export interface OtherSynthResult {
  clips: number;
  voices: string[];
  seconds: number;
}

export async function synthOtherSet(options: OtherSynthOptions): Promise<OtherSynthResult> {
  const voices = otherVoicesInstalled();
  if (voices.length === 0) throw new MissingToolError(`no other speech synthesiser is installed (flite, festival or pico2wave). Install them with: ${INSTALL_OTHER_HINT}`);
  const seed = options.seed ?? 1;
  const words = [...(options.words ?? SPEECH_COMMANDS_LABELS)];
  if (words.some((w) => !/^[a-z][a-z0-9'-]*$/.test(w))) throw new UsageError(`words must be lower-case letters: ${words.join(',')}`);
  const jobs: Job[] = [];
  for (const voice of voices) {
    for (const word of words) {
      STRETCHES.forEach((stretch, n) => jobs.push({ word, voice, stretch, n, path: `${word}/${voice.id}_nohash_${n}.wav` }));
    }
  }
  const manifest = {
    generator: 'sedge dataset other-synth',
    generatorVersion: OTHER_SYNTH_VERSION,
    seed,
    words,
    voices: voices.map((v) => v.id),
    stretches: STRETCHES,
    counts: { test: jobs.length },
    note: 'test-only set from synthesisers never used for training (flite, festival, SVOX Pico)',
  };
  const { outDir } = options;
  const resuming = prepareOutDir(outDir, [...new Set([...words, ...SPEECH_COMMANDS_LABELS])], options);
  if (resuming) {
    const old = existsSync(join(outDir, MANIFEST)) ? JSON.parse(readFileSync(join(outDir, MANIFEST), 'utf8')) : null;
    if (!old || JSON.stringify({ ...old, complete: undefined }) !== JSON.stringify({ ...manifest, complete: undefined })) {
      throw new UsageError(`cannot resume ${outDir}: it was made with other options or voices (use --force to start over)`);
    }
    removeTempFiles(outDir);
  }
  writeFileAtomic(join(outDir, MANIFEST), JSON.stringify({ ...manifest, complete: false }, null, 2) + '\n');

  const progress = new Progress(jobs.length, 'other-synth', 'clips', options.progress === undefined ? process.stderr : options.progress);
  const byVoice = voices.map((v) => jobs.filter((j) => j.voice === v));
  const scratch = mkdtempSync(join(tmpdir(), 'sedge-other-synth-'));
  let next = 0, failed = false;
  const worker = async () => {
    while (!failed && next < byVoice.length) {
      const all = byVoice[next++];
      const todo = all.filter((j) => !existsSync(join(outDir, j.path)));
      progress.skip(all.length - todo.length);
      if (todo.length === 0) continue;
      try {
        const wavs = await synthesiseVoice(todo, scratch);
        todo.forEach((job, i) => {
          const { samples, sampleRateHz } = decodeWav(wavs[i], `${job.voice.id} '${job.word}'`);
          const rng = Rng.derive(seed, 'other', job.path);
          const { clip } = renderClip(samples, sampleRateHz, rng, { background: [], perturb: false }, job.path);
          // renderClip without perturbation centres the word; move it to a seeded offset instead.
          writeFileAtomic(join(outDir, job.path), encodeWav({ samples: placeRandomly(clip, rng), sampleRateHz: RATE_HZ }));
          progress.tick();
        });
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 2) }, worker));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  progress.finish();
  writeFileAtomic(join(outDir, TESTING_LIST), jobs.map((j) => j.path).sort().join('\n') + '\n');
  writeFileAtomic(join(outDir, MANIFEST), JSON.stringify({ ...manifest, complete: true }, null, 2) + '\n');
  return { clips: jobs.length, voices: voices.map((v) => v.id), seconds: progress.elapsedSeconds() };
}

/** Moves the spoken part of a centred clip to a random offset that keeps it whole. */
function placeRandomly(clip: Float32Array, rng: Rng): Float32Array {
  let start = 0, end = clip.length;
  while (start < end && clip[start] === 0) start++;
  while (end > start && clip[end - 1] === 0) end--;
  const out = new Float32Array(clip.length);
  out.set(clip.subarray(start, end), rng.int(0, clip.length - (end - start)));
  return out;
}
