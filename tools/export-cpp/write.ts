/**
 * Writes a package folder all at once: every file goes into a fresh temporary sibling folder, which is
 * then renamed onto --out, so a crash or a failed write never leaves a half-written package.
 * An existing non-empty --out is the user's and is refused unless `force`.
 */
import { mkdir, mkdtemp, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { UsageError } from '../../src/errors.js';

export interface WriteOptions {
  /** Replace an existing non-empty folder. */
  force?: boolean;
}

export async function writePackageFolder(outDir: string, files: ReadonlyMap<string, string>, options: WriteOptions = {}): Promise<string> {
  const target = resolve(outDir);
  const existing = await folderState(target);
  if (existing === 'file') throw new UsageError(`export-cpp: --out ${outDir} exists and is not a folder`);
  if (existing === 'non-empty' && !options.force) {
    throw new UsageError(`export-cpp: --out ${outDir} exists and is not empty; pass --force to replace it`);
  }
  for (const name of files.keys()) {
    if (name !== basename(name) || name.startsWith('.')) throw new Error(`export-cpp: refusing to write file name '${name}'`);
  }

  const parent = dirname(target);
  await mkdir(parent, { recursive: true });
  const temp = await mkdtemp(join(parent, `.${basename(target)}.tmp-`)).catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`export-cpp: cannot create a folder next to --out ${outDir}: ${error.code ?? error.message}`);
  });
  try {
    for (const [name, text] of files) await writeFile(join(temp, name), text);
    if (existing === 'missing') {
      await rename(temp, target);
    } else {
      // Swap: move the old folder aside first, so that the rename below cannot fail on a non-empty target.
      const old = `${temp}.old`;
      await rename(target, old);
      try {
        await rename(temp, target);
      } catch (error) {
        await rename(old, target); // put the user's folder back
        throw error;
      }
      await rm(old, { recursive: true, force: true });
    }
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
  return target;
}

async function folderState(path: string): Promise<'missing' | 'empty' | 'non-empty' | 'file'> {
  try {
    const info = await stat(path);
    if (!info.isDirectory()) return 'file';
    return (await readdir(path)).length === 0 ? 'empty' : 'non-empty';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw error;
  }
}
