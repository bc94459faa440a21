import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { UsageError } from '../errors.js';

/**
 * Writes a whole file or nothing (temp file, then rename), and never replaces an existing file
 * unless the user said --force.
 */
export function writeFileSafely(path: string, bytes: Uint8Array, force: boolean): void {
  if (existsSync(path) && !force) throw new UsageError(`${path} exists; pass --force to overwrite it`);
  const temp = `${path}.tmp-${process.pid}`;
  writeFileSync(temp, bytes);
  renameSync(temp, path);
}
