/**
 * Accuracy broken down by what the corpus generator did to each clip: SNR, level, reverb, noise
 * kind, speed, EQ, synthesiser. Joins an `eval.json` (from `sedge eval --out`, which lists every
 * misclassified clip) with the corpus's `render-log.jsonl` (written by `sedge dataset synth`).
 *
 *   npx tsx tools/eval/render-breakdown.ts --eval EVAL.json [--log CORPUS/render-log.jsonl] [--svg FILE] [--json]
 *
 * Answers "is the model bad at the words, the voices or the noise?" with numbers.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DataError, UsageError } from '../../src/errors.js';
import type { RenderInfo } from '../data/render.js';
import { el, linearScale, svgDocument, text } from './svg.js';

/** One line of a corpus's render-log.jsonl: the clip, its voice and text, and what render did. */
export interface RenderRecord extends RenderInfo {
  path: string;
  split: string;
  voice: string;
  text: string;
}

export interface Bucket { name: string; clips: number; correct: number; accuracy: number }
export type Breakdown = Record<string, Bucket[]>;

/** Bucket edges per numeric field; each bucket is [lo, hi). */
const SNR_EDGES = [0, 5, 10, 15, 20, 30, 40];
const LEVEL_EDGES = [-42, -35, -28, -21, -14];

function numericBucket(value: number, edges: readonly number[], unit: string): string {
  for (let i = 0; i + 1 < edges.length; i++) if (value < edges[i + 1] || i + 2 === edges.length) return `${edges[i]}–${edges[i + 1]} ${unit}`;
  return `${edges[edges.length - 1]}+ ${unit}`;
}

/** The groupings: a name per field, and a function from a record to its bucket name. */
export const GROUPINGS: Record<string, (r: RenderRecord) => string> = {
  'SNR (speech to added noise)': (r) => (r.snrDb === null ? 'no added noise' : numericBucket(r.snrDb, SNR_EDGES, 'dB')),
  'noise kind': (r) => r.noise ?? 'none',
  'level': (r) => numericBucket(r.levelDb, LEVEL_EDGES, 'dBFS'),
  'reverb': (r) => (r.reverb === null ? 'none' : r.reverb < 0.3 ? 'RT60 < 0.3 s' : 'RT60 ≥ 0.3 s'),
  'speed (vocal tract) change': (r) => (r.speed === 1 ? 'none' : r.speed < 1 ? 'slower / longer tract' : 'faster / shorter tract'),
  'EQ / band limits': (r) => (r.eq.length === 0 ? 'none' : r.eq.some((e) => /pass/.test(e)) ? 'band-limited' : 'EQ only'),
  'synthesiser': (r) => (r.voice.startsWith('mb.') ? 'MBROLA' : 'espeak-ng'),
};

export function readRenderLog(file: string): Map<string, RenderRecord> {
  if (!existsSync(file)) throw new UsageError(`${file} not found: corpora made before render logging have none (make the split again: sedge dataset synth --splits test --seed N --out DIR)`);
  const records = new Map<string, RenderRecord>();
  readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      const r = JSON.parse(line) as RenderRecord;
      if (typeof r.path !== 'string') throw new Error('no path');
      records.set(r.path, r);
    } catch (error) {
      throw new DataError(file, `line ${i + 1}: ${(error as Error).message}`);
    }
  });
  return records;
}

interface EvalJson { data: string; split: string; clips: number; splitClips: number; correct: number; misclassified: { path: string }[] }

/** Every clip of the evaluated split with whether the model got it right, joined with its render record. */
export function breakdown(evalJson: EvalJson, records: Map<string, RenderRecord>, evalFile = 'eval.json'): Breakdown {
  if (evalJson.clips !== evalJson.splitClips) throw new DataError(evalFile, `clips: evaluated ${evalJson.clips} of ${evalJson.splitClips} (--limit): a breakdown needs the whole split`);
  if (evalJson.misclassified.length !== evalJson.clips - evalJson.correct) throw new DataError(evalFile, `misclassified: ${evalJson.misclassified.length} listed, expected ${evalJson.clips - evalJson.correct}`);
  const wrong = new Set(evalJson.misclassified.map((m) => m.path));
  const clips = [...records.values()].filter((r) => r.split === evalJson.split);
  if (clips.length !== evalJson.clips) throw new DataError(evalFile, `split '${evalJson.split}' has ${evalJson.clips} clips, the render log ${clips.length}: not the same corpus`);
  for (const path of wrong) if (!records.has(path)) throw new DataError(evalFile, `misclassified clip ${path} is not in the render log: not the same corpus`);
  const out: Breakdown = {};
  for (const [field, bucketOf] of Object.entries(GROUPINGS)) {
    const buckets = new Map<string, { clips: number; correct: number }>();
    for (const r of clips) {
      const b = buckets.get(bucketOf(r)) ?? { clips: 0, correct: 0 };
      b.clips++;
      if (!wrong.has(r.path)) b.correct++;
      buckets.set(bucketOf(r), b);
    }
    out[field] = [...buckets].map(([name, b]) => ({ name, ...b, accuracy: b.correct / b.clips })).sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
  }
  return out;
}

export function formatBreakdown(b: Breakdown): string {
  const lines: string[] = [];
  for (const [field, buckets] of Object.entries(b)) {
    lines.push(field);
    for (const k of buckets) lines.push(`  ${k.name.padEnd(26)} ${String(k.clips).padStart(5)} clips  ${(100 * k.accuracy).toFixed(1).padStart(5)} %`);
  }
  return lines.join('\n');
}

/** Bar chart of accuracy per SNR bucket (clip counts on the bars). */
export function snrSvg(b: Breakdown, title: string): string {
  const buckets = b['SNR (speech to added noise)'];
  const left = 50, top = 34, height = 220, barStep = 64, width = barStep * buckets.length;
  const bottom = top + height;
  const y = linearScale(0, 100, bottom, top);
  const body = [text(title, { x: left, y: 18, 'font-size': 12 })];
  for (const v of y.ticks) {
    body.push(el('line', { x1: left, y1: y.map(v), x2: left + width, y2: y.map(v), stroke: '#e4e4e4' }));
    body.push(text(`${v} %`, { x: left - 6, y: y.map(v) + 4, 'text-anchor': 'end' }));
  }
  buckets.forEach((k, i) => {
    const x = left + barStep * i + 10, barTop = y.map(100 * k.accuracy);
    body.push(el('rect', { x, y: barTop, width: barStep - 20, height: bottom - barTop, fill: '#4a7ab5' }));
    body.push(text((100 * k.accuracy).toFixed(0), { x: x + barStep / 2 - 10, y: barTop - 4, 'text-anchor': 'middle' }));
    body.push(text(k.name.replace(' dB', '').replace('no added noise', 'none'), { x: x + barStep / 2 - 10, y: bottom + 15, 'text-anchor': 'middle' }));
    body.push(text(`n=${k.clips}`, { x: x + barStep / 2 - 10, y: bottom + 28, 'text-anchor': 'middle', 'font-size': 9, fill: '#666' }));
  });
  body.push(el('line', { x1: left, y1: bottom, x2: left + width, y2: bottom, stroke: '#333' }));
  body.push(text('SNR of the added noise (dB)', { x: left + width / 2, y: bottom + 46, 'text-anchor': 'middle' }));
  return svgDocument(left + width + 16, bottom + 58, body, title);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { eval: { type: 'string' }, log: { type: 'string' }, svg: { type: 'string' }, json: { type: 'boolean' }, force: { type: 'boolean' } } });
  if (!values.eval) throw new UsageError('usage: render-breakdown.ts --eval EVAL.json [--log CORPUS/render-log.jsonl] [--svg FILE] [--json]');
  const evalJson = JSON.parse(readFileSync(values.eval, 'utf8')) as EvalJson;
  const log = values.log ?? join(evalJson.data, 'render-log.jsonl');
  const b = breakdown(evalJson, readRenderLog(log), values.eval);
  console.log(values.json ? JSON.stringify(b) : formatBreakdown(b));
  if (values.svg) {
    if (existsSync(values.svg) && !values.force) throw new UsageError(`${values.svg} exists (pass --force to overwrite)`);
    writeFileSync(values.svg, snrSvg(b, `accuracy vs SNR: ${evalJson.split} split of ${evalJson.data}`));
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
