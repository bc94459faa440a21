import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataError, UsageError } from '../../src/errors.js';
import { breakdown, readRenderLog, snrSvg, type RenderRecord } from '../../tools/eval/render-breakdown.js';

const record = (path: string, snrDb: number | null, over: Partial<RenderRecord> = {}): RenderRecord => ({
  path, split: 'test', voice: 'es.en-us.none', text: 'yes', speed: 1, eq: [], reverb: null, levelDb: -20, offset: 0, noise: snrDb === null ? null : 'white', snrDb, ...over,
});

function logFile(records: RenderRecord[]): string {
  const file = join(mkdtempSync(join(tmpdir(), 'sedge-breakdown-')), 'render-log.jsonl');
  writeFileSync(file, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return file;
}

describe('render breakdown', () => {
  const records = [
    record('yes/a.wav', 2), record('yes/b.wav', 3), record('no/c.wav', 35), record('no/d.wav', null, { voice: 'mb.us1' }),
    record('no/e.wav', null, { split: 'train' }),
  ];
  const log = readRenderLog(logFile(records));

  it('counts right and wrong clips per bucket of the evaluated split only', () => {
    const b = breakdown({ data: 'x', split: 'test', clips: 4, splitClips: 4, correct: 2, misclassified: [{ path: 'yes/a.wav' }, { path: 'no/d.wav' }] }, log);
    expect(b['SNR (speech to added noise)']).toEqual([
      { name: '0–5 dB', clips: 2, correct: 1, accuracy: 0.5 },
      { name: '30–40 dB', clips: 1, correct: 1, accuracy: 1 },
      { name: 'no added noise', clips: 1, correct: 0, accuracy: 0 },
    ]);
    expect(b.synthesiser).toEqual([{ name: 'espeak-ng', clips: 3, correct: 2, accuracy: 2 / 3 }, { name: 'MBROLA', clips: 1, correct: 0, accuracy: 0 }]);
    expect(snrSvg(b, 'accuracy vs SNR')).toMatch(/^<svg[\s\S]*n=2[\s\S]*<\/svg>\n$/);
  });

  it('refuses a partial eval, a different corpus and a torn log', () => {
    expect(() => breakdown({ data: 'x', split: 'test', clips: 2, splitClips: 4, correct: 2, misclassified: [] }, log)).toThrow(/--limit/);
    expect(() => breakdown({ data: 'x', split: 'test', clips: 5, splitClips: 5, correct: 5, misclassified: [] }, log)).toThrow(/not the same corpus/);
    expect(() => breakdown({ data: 'x', split: 'test', clips: 4, splitClips: 4, correct: 3, misclassified: [{ path: 'up/z.wav' }] }, log)).toThrow(DataError);
    const torn = logFile(records);
    writeFileSync(torn, '{"path": "yes/a.wav"}\n{"pa', { flag: 'w' });
    expect(() => readRenderLog(torn)).toThrow(/line 2/);
    expect(() => readRenderLog('/nonexistent/render-log.jsonl')).toThrow(UsageError);
  });
});
