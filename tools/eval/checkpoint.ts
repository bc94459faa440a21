/**
 * Resuming a long `sedge eval` (a Full model on a large split runs for an hour): the predictions
 * so far, written atomically after every segment of clips, with what identifies the experiment
 * (model bytes, step scales, data, split, clip selection). A resume with any of those changed is
 * refused rather than mixing two experiments in one report.
 */
import { existsSync, readFileSync } from 'node:fs';
import { UsageError } from '../../src/errors.js';
import { writeFileAtomic } from '../data/corpus-files.js';

export type CheckpointIdentity = Record<string, string | number | null | readonly number[]>;

interface CheckpointFile {
  version: 1;
  identity: CheckpointIdentity;
  /** Class per clip, −1 where not yet computed. */
  predictions: number[];
}

/** The stored predictions (−1 = not yet), or null if there is no checkpoint. */
export function readCheckpoint(file: string, identity: CheckpointIdentity, clips: number): Int32Array | null {
  if (!existsSync(file)) return null;
  let stored: CheckpointFile;
  try {
    stored = JSON.parse(readFileSync(file, 'utf8')) as CheckpointFile;
  } catch (error) {
    throw new UsageError(`${file}: cannot resume, not a readable checkpoint (${(error as Error).message}); delete it or pass --force`);
  }
  if (stored.version !== 1 || !Array.isArray(stored.predictions) || stored.predictions.length !== clips) {
    throw new UsageError(`${file}: cannot resume, the checkpoint is not for ${clips} clips; delete it or pass --force`);
  }
  for (const [field, value] of Object.entries(identity)) {
    if (JSON.stringify(stored.identity?.[field] ?? null) !== JSON.stringify(value)) { // a field added since reads as null
      throw new UsageError(`${file}: cannot resume, it is another experiment: ${field} was ${JSON.stringify(stored.identity?.[field])}, now ${JSON.stringify(value)}; pass --force to start over`);
    }
  }
  return Int32Array.from(stored.predictions);
}

export function writeCheckpoint(file: string, identity: CheckpointIdentity, predictions: Int32Array): void {
  const stored: CheckpointFile = { version: 1, identity, predictions: Array.from(predictions) };
  writeFileAtomic(file, JSON.stringify(stored) + '\n');
}
