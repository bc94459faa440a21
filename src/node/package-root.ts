import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder of sedge's own package.json (the same from src/ under tsx and from dist/). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === 'sedge') return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('sedge: cannot find its own package.json');
    dir = parent;
  }
}

/** The shipped default model (models/), trained by `sedge train` (see its model card). */
export const defaultModelPath = (): string => join(packageRoot(), 'models', 'sedge-tiny.safetensors');
