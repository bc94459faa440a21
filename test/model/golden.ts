// The model tests' view of the golden files (test/helpers/golden.ts reads them).
import { GOLDEN_DIR, GOLDEN_EXPORTS, GOLDEN_NUMPY2, readGoldenFile } from '../helpers/golden.js';

export { GOLDEN_DIR, GOLDEN_EXPORTS };
export const readGolden = readGoldenFile;

/** Every exported model dict, plus the numpy-2 re-save of tiny_1-1-1. */
export const GOLDEN_DICTS: string[] = [...GOLDEN_EXPORTS.map((e) => e.dictFile), GOLDEN_NUMPY2.file];
