/**
 * Bit-exact Model comparison. vitest's toEqual walks typed arrays element by element (seconds for
 * Full); comparing their bytes is instant and stricter (it tells -0 from 0 and NaN payloads apart).
 */
import { expect } from 'vitest';
import type { Model } from '../../src/model/model.js';

const bytesOf = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** Replaces every Float32Array by its hex bytes, so that toEqual stays fast and exact. */
function fingerprint(value: unknown): unknown {
  if (value instanceof Float32Array) return `f32:${bytesOf(value).toString('hex')}`;
  if (Array.isArray(value)) return value.map(fingerprint);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [k, fingerprint(v)]));
  }
  return value;
}

export function expectSameModel(actual: Model, expected: Model, ignoreDescription = false): void {
  const strip = (m: Model) => (ignoreDescription ? { ...m, description: undefined } : m);
  expect(fingerprint(strip(actual))).toEqual(fingerprint(strip(expected)));
}

export const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => bytesOf(a).equals(bytesOf(b));
