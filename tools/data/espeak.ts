/**
 * espeak-ng as a child process: availability checks, the voice inventory of this installation, and
 * one utterance → WAV bytes. espeak-ng (and MBROLA through it) is the only external program the
 * corpus generator runs; all other signal processing is in TS.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MissingToolError, ToolError } from '../../src/errors.js';

export const INSTALL_HINT = 'apt-get install espeak-ng';

/** True when `program --version` (or `args`) runs. */
export function hasProgram(program: string, args: string[] = ['--version']): boolean {
  const result = spawnSync(program, args, { stdio: 'ignore', timeout: 10_000 });
  return !result.error && result.status !== null;
}

/** Throws MissingToolError (→ exit 2) with the install command when espeak-ng is absent. */
export function requireEspeak(): void {
  if (!hasProgram('espeak-ng')) {
    throw new MissingToolError(`espeak-ng is not installed (needed to synthesise the keyword corpus). Install it with: ${INSTALL_HINT}`);
  }
}

export interface EspeakInstall {
  version: string;
  dataDir: string;
}

export function espeakInstall(): EspeakInstall {
  const out = spawnSync('espeak-ng', ['--version'], { encoding: 'utf8' }).stdout ?? '';
  // "eSpeak NG text-to-speech: 1.51  Data at: /usr/lib/x86_64-linux-gnu/espeak-ng-data"
  const version = /text-to-speech:\s*(\S+)/.exec(out)?.[1] ?? 'unknown';
  const dataDir = /Data at:\s*(.+)$/m.exec(out)?.[1]?.trim() ?? '/usr/lib/x86_64-linux-gnu/espeak-ng-data';
  return { version, dataDir };
}

/** Variant names (files in espeak-ng-data/voices/!v, e.g. 'klatt3', 'Mr serious'), sorted. */
export function espeakVariants(dataDir = espeakInstall().dataDir): string[] {
  const dir = join(dataDir, 'voices', '!v');
  return existsSync(dir) ? readdirSync(dir).filter((name) => !name.startsWith('.')).sort() : [];
}

/**
 * Whether espeak-ng's own definition of the voice says `gender female`: the variant file
 * (`voices/!v/f1`) for an espeak-ng voice, `voices/mb/mb-us1` for an MBROLA voice. An accent's own
 * voice (no variant) is male, as espeak-ng defines it.
 */
export function isFemaleVoice(voice: { engine: 'espeak' | 'mbrola'; variant: string | null; espeakVoice: string }, dataDir = espeakInstall().dataDir): boolean {
  const file = voice.engine === 'mbrola' ? join(dataDir, 'voices', 'mb', voice.espeakVoice) : voice.variant === null ? null : join(dataDir, 'voices', '!v', voice.variant);
  return file !== null && existsSync(file) && /^\s*gender\s+female\b/im.test(readFileSync(file, 'latin1'));
}

/** MBROLA voices espeak-ng can use: its mb-* definition exists and the diphone database is installed. */
export function mbrolaVoicesInstalled(candidates: readonly string[], dataDir = espeakInstall().dataDir): string[] {
  if (!hasProgram('mbrola', ['-h'])) return [];
  return candidates.filter((voice) => {
    const database = /^mb-([a-z]+\d)/.exec(voice)?.[1];
    return database !== undefined && existsSync(join(dataDir, 'voices', 'mb', voice)) && existsSync(join('/usr/share/mbrola', database, database));
  });
}

/**
 * How `voice` pronounces each word: the phonemes espeak-ng sends to MBROLA (`--pho`) for an MBROLA
 * voice, espeak-ng's own phoneme mnemonics with stress (`-x`) otherwise. One espeak-ng call, a word
 * per line; MBROLA phonemes without their durations and pitch, so two words compare equal when the
 * voice says them with the same sounds.
 */
export function phonemesOf(voice: string, words: readonly string[], mbrola: boolean): string[] {
  const args = ['-q', '-v', voice, mbrola ? '--pho' : '-x'];
  const result = spawnSync('espeak-ng', args, { input: words.map((w) => `${w}.`).join('\n'), encoding: 'utf8', timeout: 60_000 });
  if (result.error || result.status !== 0) {
    throw new ToolError(`espeak-ng ${args.join(' ')} failed (${result.error?.message ?? `exit ${result.status}`}): ${(result.stderr ?? '').trim()}`, result.signal);
  }
  const said: string[] = [];
  if (mbrola) {
    // One phoneme per line ("t<TAB>82<TAB>pitch…"); each sentence ends with pause lines ("_").
    let word: string[] = [];
    for (const line of result.stdout.split('\n')) {
      const phoneme = line.split('\t')[0].trim();
      if (phoneme === '_') {
        if (word.length) said.push(word.join(' '));
        word = [];
      } else if (phoneme) {
        word.push(phoneme);
      }
    }
    if (word.length) said.push(word.join(' '));
  } else {
    said.push(...result.stdout.split('\n').map((l) => l.trim()).filter((l) => l.length > 0));
  }
  if (said.length !== words.length) {
    throw new ToolError(`espeak-ng ${args.join(' ')}: ${said.length} pronunciations for ${words.length} words (${words.join(', ')})`, null);
  }
  return said;
}

export interface Utterance {
  text: string;
  /** Speaking rate in percent of the voice's default 175 wpm (SSML prosody rate). */
  ratePercent: number;
  /** Pitch change in percent of the voice's base pitch (SSML prosody pitch, e.g. −40 … +70). */
  pitchPercent: number;
  /** Pitch range in percent of the voice's own (SSML prosody range; 100 = unchanged). */
  rangePercent: number;
}

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
/** Pause between the utterances of a batch; long enough that no word has an inner pause like it. */
const BREAK_MS = 1000;

/** SSML for a batch: each utterance in its own prosody, then a long break. */
export function batchSsml(utterances: readonly Utterance[]): string {
  const sign = (v: number) => (v >= 0 ? `+${Math.round(v)}` : `${Math.round(v)}`);
  const parts = utterances.map((u) =>
    `<prosody rate="${Math.round(u.ratePercent)}%" pitch="${sign(u.pitchPercent)}%" range="${Math.round(u.rangePercent)}%">${escapeXml(u.text)}</prosody><break time="${BREAK_MS}ms"/>`);
  return `<speak>${parts.join('')}</speak>`;
}

/**
 * Runs espeak-ng once with `voice` (the -v argument, e.g. 'en-gb-x-rp+klatt3' or 'mb-us1') on SSML
 * text and returns its WAV output (header sizes are 0x7fff…; decodeWav copes). One process per
 * batch, not per word: starting espeak-ng costs more than synthesising a word.
 */
export function runEspeak(voice: string, ssml: string, timeoutMs = 120_000): Promise<Uint8Array> {
  const args = ['-m', '-v', voice, '--stdout', ssml];
  return new Promise((resolve, reject) => {
    const child = spawn('espeak-ng', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [], errors: Buffer[] = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.stderr.on('data', (c: Buffer) => errors.push(c));
    child.on('error', (error) => {
      clearTimeout(timer);
      reject((error as NodeJS.ErrnoException).code === 'ENOENT' ? new MissingToolError(`espeak-ng is not installed. Install it with: ${INSTALL_HINT}`) : error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const out = Buffer.concat(chunks);
      if (code !== 0 || out.length <= 44) {
        const why = signal ? `killed by ${signal}` : `exit ${code}`;
        reject(new ToolError(`espeak-ng -m -v ${voice} failed (${why}, ${out.length} bytes of output): ${Buffer.concat(errors).toString().trim()}\ntext: ${ssml.slice(0, 300)}`, signal));
      } else {
        resolve(new Uint8Array(out.buffer, out.byteOffset, out.length));
      }
    });
  });
}

/**
 * Cuts a batch recording into its utterances at the pauses: runs of at least `minGapSec` below
 * −60 dB of the peak. Returns null when the count is not `expected` (then the caller synthesises
 * those utterances one by one).
 */
export function splitAtPauses(x: Float32Array, rateHz: number, expected: number, minGapSec = 0.35): Float32Array[] | null {
  let pk = 0;
  for (let i = 0; i < x.length; i++) pk = Math.max(pk, Math.abs(x[i]));
  if (pk === 0) return null;
  const threshold = pk * 1e-3, minGap = Math.round(minGapSec * rateHz), pad = Math.round(0.02 * rateHz);
  const segments: Float32Array[] = [];
  let start = -1, lastLoud = -1;
  for (let i = 0; i <= x.length; i++) {
    const loud = i < x.length && Math.abs(x[i]) > threshold;
    if (loud) {
      if (start < 0) start = i;
      lastLoud = i;
    } else if (start >= 0 && (i === x.length || i - lastLoud >= minGap)) {
      segments.push(x.slice(Math.max(0, start - pad), Math.min(x.length, lastLoud + 1 + pad)));
      start = -1;
      if (segments.length > expected) return null;
    }
  }
  return segments.length === expected ? segments : null;
}
