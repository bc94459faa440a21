/** Test access to the golden files copied into test/fixtures/golden (never ../shared). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const GOLDEN_DIR = fileURLToPath(new URL('../fixtures/golden/', import.meta.url));

export const readGolden = (file: string): Uint8Array => new Uint8Array(readFileSync(GOLDEN_DIR + file));

export interface ManifestExport {
  name: string;
  step_scale: number[];
  P: number[];
  H: number[];
  I: number[];
  trainable_skip: boolean;
  files: { dict: string };
}

export const manifestExports = (): ManifestExport[] =>
  JSON.parse(readFileSync(GOLDEN_DIR + 'manifest.json', 'utf8')).exports;

/** Every exported model dict, plus the numpy-2 re-save of tiny_1-1-1. */
export const GOLDEN_DICTS: string[] = [...manifestExports().map((e) => e.files.dict), 'tiny_1-1-1.numpy2.npy'];
