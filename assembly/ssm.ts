// The diagonal complex recurrence x_t = A ⊙ x_{t−1} + BU_t, in place over a block of rows.
//
// Row layout (p = padded state count, a multiple of 4): [Re x_0 … Re x_{p−1} | Im x_0 … Im x_{p−1}],
// so one f32x4 covers four states. `bu` holds BU = B·u + b̄ on entry and x on return; `state` holds
// x_{−1} on entry and the last row on return, which is all the memory a layer keeps between calls.

export function ssmScanF32(bu: usize, rows: i32, p: i32, aRe: usize, aIm: usize, state: usize): void {
  if (rows <= 0) return;
  const half = <usize>p << 2, rowBytes = half << 1;
  let prev = state, cur = bu;
  for (let t = 0; t < rows; t++) {
    let q: usize = 0;
    if (ASC_FEATURE_SIMD) {
      for (; q < half; q += 16) {
        const ar = v128.load(aRe + q), ai = v128.load(aIm + q);
        const xr = v128.load(prev + q), xi = v128.load(prev + half + q);
        // (ar + i·ai)(xr + i·xi) = (ar·xr − ai·xi) + i(ar·xi + ai·xr)
        const nr = f32x4.add(f32x4.sub(f32x4.mul(ar, xr), f32x4.mul(ai, xi)), v128.load(cur + q));
        const ni = f32x4.add(f32x4.add(f32x4.mul(ar, xi), f32x4.mul(ai, xr)), v128.load(cur + half + q));
        v128.store(cur + q, nr);
        v128.store(cur + half + q, ni);
      }
    } else {
      for (; q < half; q += 4) {
        const ar = load<f32>(aRe + q), ai = load<f32>(aIm + q);
        const xr = load<f32>(prev + q), xi = load<f32>(prev + half + q);
        store<f32>(cur + q, (ar * xr - ai * xi) + load<f32>(cur + q));
        store<f32>(cur + half + q, (ar * xi + ai * xr) + load<f32>(cur + half + q));
      }
    }
    prev = cur;
    cur += rowBytes;
  }
  memory.copy(state, prev, rowBytes);
}
