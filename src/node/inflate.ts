/**
 * Node's zlib as the optional deflate backend for parseNpz (np.savez_compressed archives). Kept in
 * src/node/ so that src/model/ stays browser-safe.
 */
import { inflateRawSync } from 'node:zlib';
import type { InflateRaw } from '../model/zip.js';

/** maxOutputLength caps the allocation at the size the archive claims, so a zip bomb stops early. */
export const inflateRawNode: InflateRaw = (compressed, uncompressedBytes) =>
  new Uint8Array(inflateRawSync(compressed, { maxOutputLength: Math.max(uncompressedBytes, 1) }));
