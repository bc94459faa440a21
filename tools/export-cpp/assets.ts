/**
 * Finds this tool's non-TS files (templates/, m4/). Next to the module when run from source (tsx,
 * vitest); when run from the tsc output (dist/tools/export-cpp/), tsc did not copy them, so look in
 * the source tree above.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function assetDir(name: 'templates' | 'm4'): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const beside = join(here, name);
  if (existsSync(beside)) return beside;
  for (let dir = here; dir !== dirname(dir); dir = dirname(dir)) {
    const candidate = join(dir, 'tools', 'export-cpp', name);
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`export-cpp: cannot find its ${name}/ folder (looked beside ${here} and in tools/export-cpp above it)`);
}
