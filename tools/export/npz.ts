/**
 * .npz writing (what np.savez writes): an uncompressed ZIP with one `<key>.npy` per array, in
 * insertion order. parseNpz (src/model/npy.ts) and numpy's np.load read it back.
 */
import { encodeNpy, type NpyArray } from '../../src/model/npy.js';
import { encodeZip } from '../../src/model/zip.js';

export const encodeNpz = (arrays: ReadonlyMap<string, NpyArray>): Uint8Array =>
  encodeZip([...arrays].map(([key, array]) => [`${key}.npy`, encodeNpy(array)]));
