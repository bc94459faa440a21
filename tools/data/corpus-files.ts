/**
 * File-system side of writing a corpus: atomic writes (temp + rename, so a killed run never leaves
 * a half file that a resumed run would take for finished), clearing temp leftovers, and the
 * "refuse a non-empty folder unless --force/--resume" rule shared by the generators.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UsageError } from '../../src/errors.js';
import { BACKGROUND_FOLDER, TESTING_LIST, VALIDATION_LIST } from './speech-commands.js';

export const MANIFEST = 'corpus.json';
/** One JSON line per clip: its split, voice, utterance and what render did (level, SNR, reverb, ...). */
export const RENDER_LOG = 'render-log.jsonl';
const TEMP_MARK = '.partial-';

/** A corpus folder's manifest, or null when it has none or it is not JSON (a source need not be one of ours). */
export function readManifest(root: string): Record<string, any> | null {
  const file = join(root, MANIFEST);
  if (!existsSync(file)) return null;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, any>;
  } catch {
    return null;
  }
}

export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}${TEMP_MARK}${process.pid}`;
  writeFileSync(temp, data);
  renameSync(temp, path);
}

/** Removes temp files a killed run left in the corpus folders. */
export function removeTempFiles(root: string): number {
  let removed = 0;
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.includes(TEMP_MARK)) { unlinkSync(path); removed++; }
    }
  };
  if (existsSync(root)) walk(root);
  return removed;
}

/**
 * Prepares `outDir` for writing. Empty or missing: fine. Non-empty: `resume` keeps it (the caller
 * then checks the manifest), `force` deletes what a generator writes there (word folders, the
 * background folder, lists, manifest) and nothing else; neither: a UsageError naming both options.
 * Returns whether there was an existing corpus to resume.
 */
export function prepareOutDir(outDir: string, words: readonly string[], mode: { force?: boolean; resume?: boolean }): boolean {
  if (existsSync(outDir) && !statSync(outDir).isDirectory()) throw new UsageError(`${outDir} exists and is not a folder`);
  const entries = existsSync(outDir) ? readdirSync(outDir) : [];
  if (entries.length === 0) {
    mkdirSync(outDir, { recursive: true });
    return false;
  }
  if (mode.resume) return true;
  if (!mode.force) {
    throw new UsageError(`${outDir} is not empty (${entries.length} entries): pass --resume to finish an interrupted run, or --force to delete the old corpus and start over`);
  }
  const ours = new Set([...words, BACKGROUND_FOLDER, VALIDATION_LIST, TESTING_LIST, MANIFEST, RENDER_LOG]);
  for (const name of entries) {
    if (ours.has(name) || name.includes(TEMP_MARK)) rmSync(join(outDir, name), { recursive: true, force: true });
  }
  return false;
}
