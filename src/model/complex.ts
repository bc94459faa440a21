/**
 * Complex tensors are stored as [..., 2] (re, im interleaved), like the authors' `Lambda (P,2)` and
 * numpy's complex64; the Model keeps the parts apart. These two convert between the layouts.
 */

/** Interleaves separate parts into `out` (default float32); a null `im` is all zeros. */
export function interleave<T extends Float32Array | Float64Array = Float32Array>(
  re: ArrayLike<number>, im: ArrayLike<number> | null, out: T = new Float32Array(2 * re.length) as T,
): T {
  for (let k = 0; k < re.length; k++) {
    out[2 * k] = re[k];
    out[2 * k + 1] = im ? im[k] : 0;
  }
  return out;
}

/** The first n complex values of interleaved data as separate float32 parts (wider types are rounded). */
export function deinterleave(data: ArrayLike<number | bigint>, n = data.length / 2): [Float32Array, Float32Array] {
  const re = new Float32Array(n), im = new Float32Array(n);
  for (let k = 0; k < n; k++) {
    re[k] = Number(data[2 * k]);
    im[k] = Number(data[2 * k + 1]);
  }
  return [re, im];
}
