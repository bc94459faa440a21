// Training kernels: the diagonal recurrence kept for every step, its reverse-time adjoint, and
// the long reductions of the weight gradients. The host (tools/autograd/wasm-ssm.ts) owns memory
// and calls these with byte offsets, like the inference kernels.
//
// Storage is f32 (rows of [Re x_0 … Re x_{p−1} | Im x_0 … Im x_{p−1}], p a multiple of 4, as in
// ssm.ts), but every recurrence runs in f64, with Ā in f64: a pole at |Ā| ≈ 1 − 5e-4 remembers
// ~2000 steps, so an f32 Ā alone (relative error 6e-8) would shift the steady state by ~1e-4, and
// f32 rounding in the carried state accumulates over the same horizon. The f64 state costs little:
// the scans are latency-bound and cheap next to the dense projections.
//
// Sums over batch × time (up to 256 000 terms) accumulate in f64 as well: in f64 directly in the
// adjoint scan, and in f32 chunks of CHUNK_ROWS rows flushed into f64 in gemmAtBF64.

const CHUNK_ROWS = 128;

/**
 * x_t = A ⊙ x_{t−1} + BU_t, x_{−1} = 0, for `batch` sequences of `rows` rows each, stored one after
 * the other. In place: `bu` holds BU on entry and x on return. aRe/aIm: p f64 each. `state`: 2p f64
 * of scratch for the carried state.
 */
export function ssmScanBatchF32(bu: usize, batch: i32, rows: i32, p: i32, aRe: usize, aIm: usize, state: usize): void {
  const half = <usize>p << 2, rowBytes = half << 1, half64 = <usize>p << 3;
  let cur = bu;
  for (let s = 0; s < batch; s++) {
    memory.fill(state, 0, half64 << 1);
    for (let t = 0; t < rows; t++) {
      let q: usize = 0;
      if (ASC_FEATURE_SIMD) {
        for (; q < <usize>p; q += 2) {
          const o32 = q << 2, o64 = q << 3;
          const ar = v128.load(aRe + o64), ai = v128.load(aIm + o64);
          const xr = v128.load(state + o64), xi = v128.load(state + half64 + o64);
          const br = f64x2.promote_low_f32x4(v128.load64_zero(cur + o32));
          const bi = f64x2.promote_low_f32x4(v128.load64_zero(cur + half + o32));
          const nr = f64x2.add(f64x2.sub(f64x2.mul(ar, xr), f64x2.mul(ai, xi)), br);
          const ni = f64x2.add(f64x2.add(f64x2.mul(ar, xi), f64x2.mul(ai, xr)), bi);
          v128.store(state + o64, nr);
          v128.store(state + half64 + o64, ni);
          v128.store64_lane(cur + o32, f32x4.demote_f64x2_zero(nr), 0);
          v128.store64_lane(cur + half + o32, f32x4.demote_f64x2_zero(ni), 0);
        }
      } else {
        for (; q < <usize>p; q++) {
          const o32 = q << 2, o64 = q << 3;
          const ar = load<f64>(aRe + o64), ai = load<f64>(aIm + o64);
          const xr = load<f64>(state + o64), xi = load<f64>(state + half64 + o64);
          const nr = ar * xr - ai * xi + <f64>load<f32>(cur + o32);
          const ni = ar * xi + ai * xr + <f64>load<f32>(cur + half + o32);
          store<f64>(state + o64, nr);
          store<f64>(state + half64 + o64, ni);
          store<f32>(cur + o32, <f32>nr);
          store<f32>(cur + half + o32, <f32>ni);
        }
      }
      cur += rowBytes;
    }
  }
}

/**
 * The adjoint of ssmScanBatchF32, in reverse time and in place. On entry `g` holds ∂L/∂x_t as
 * complex rows (real partials: [∂L/∂Re x | ∂L/∂Im x]); on return it holds
 *   λ_t = g_t + conj(A) ⊙ λ_{t+1}   (λ_T = 0),
 * which is ∂L/∂BU_t. Meanwhile, in f64,
 *   dBias += Σ_t λ_t                      (∂L/∂b̄: BU_t = B̄u_t + b̄)
 *   dA    += Σ_{t≥1} conj(x_{t−1}) ⊙ λ_t  (∂L/∂Ā: x_t = Ā ⊙ x_{t−1} + …)
 * summed over the batch. `x` holds the forward states in the same layout. dA, dBias: 2p f64 each
 * ([re | im]); `state`: 2p f64 of scratch.
 */
export function ssmAdjointScanBatchF32(g: usize, x: usize, batch: i32, rows: i32, p: i32, aRe: usize, aIm: usize,
  dA: usize, dBias: usize, state: usize): void {
  const half = <usize>p << 2, rowBytes = half << 1, half64 = <usize>p << 3;
  for (let s = 0; s < batch; s++) {
    memory.fill(state, 0, half64 << 1);
    const first = g + <usize>s * <usize>rows * rowBytes, firstX = x + <usize>s * <usize>rows * rowBytes;
    for (let t = rows - 1; t >= 0; t--) {
      const cur = first + <usize>t * rowBytes, prevX = firstX + <usize>(t - 1) * rowBytes;
      const hasPrev = t > 0;
      let q: usize = 0;
      if (ASC_FEATURE_SIMD) {
        for (; q < <usize>p; q += 2) {
          const o32 = q << 2, o64 = q << 3;
          const ar = v128.load(aRe + o64), ai = v128.load(aIm + o64);
          const lr = v128.load(state + o64), li = v128.load(state + half64 + o64);
          const gr = f64x2.promote_low_f32x4(v128.load64_zero(cur + o32));
          const gi = f64x2.promote_low_f32x4(v128.load64_zero(cur + half + o32));
          // conj(a)·λ = (ar·lr + ai·li) + i(ar·li − ai·lr)
          const nr = f64x2.add(f64x2.add(f64x2.mul(ar, lr), f64x2.mul(ai, li)), gr);
          const ni = f64x2.add(f64x2.sub(f64x2.mul(ar, li), f64x2.mul(ai, lr)), gi);
          v128.store(state + o64, nr);
          v128.store(state + half64 + o64, ni);
          v128.store64_lane(cur + o32, f32x4.demote_f64x2_zero(nr), 0);
          v128.store64_lane(cur + half + o32, f32x4.demote_f64x2_zero(ni), 0);
          v128.store(dBias + o64, f64x2.add(v128.load(dBias + o64), nr));
          v128.store(dBias + half64 + o64, f64x2.add(v128.load(dBias + half64 + o64), ni));
          if (hasPrev) {
            const xr = f64x2.promote_low_f32x4(v128.load64_zero(prevX + o32));
            const xi = f64x2.promote_low_f32x4(v128.load64_zero(prevX + half + o32));
            // conj(x)·λ = (xr·λr + xi·λi) + i(xr·λi − xi·λr)
            v128.store(dA + o64, f64x2.add(v128.load(dA + o64), f64x2.add(f64x2.mul(xr, nr), f64x2.mul(xi, ni))));
            v128.store(dA + half64 + o64, f64x2.add(v128.load(dA + half64 + o64), f64x2.sub(f64x2.mul(xr, ni), f64x2.mul(xi, nr))));
          }
        }
      } else {
        for (; q < <usize>p; q++) {
          const o32 = q << 2, o64 = q << 3;
          const ar = load<f64>(aRe + o64), ai = load<f64>(aIm + o64);
          const lr = load<f64>(state + o64), li = load<f64>(state + half64 + o64);
          const nr = ar * lr + ai * li + <f64>load<f32>(cur + o32);
          const ni = ar * li - ai * lr + <f64>load<f32>(cur + half + o32);
          store<f64>(state + o64, nr);
          store<f64>(state + half64 + o64, ni);
          store<f32>(cur + o32, <f32>nr);
          store<f32>(cur + half + o32, <f32>ni);
          store<f64>(dBias + o64, load<f64>(dBias + o64) + nr);
          store<f64>(dBias + half64 + o64, load<f64>(dBias + half64 + o64) + ni);
          if (hasPrev) {
            const xr = <f64>load<f32>(prevX + o32), xi = <f64>load<f32>(prevX + half + o32);
            store<f64>(dA + o64, load<f64>(dA + o64) + (xr * nr + xi * ni));
            store<f64>(dA + half64 + o64, load<f64>(dA + half64 + o64) + (xr * ni - xi * nr));
          }
        }
      }
    }
  }
}

// @ts-ignore: decorator
@inline function flush4(acc: v128, out: usize): void {
  store<f64>(out, load<f64>(out) + <f64>f32x4.extract_lane(acc, 0));
  store<f64>(out, load<f64>(out, 8) + <f64>f32x4.extract_lane(acc, 1), 8);
  store<f64>(out, load<f64>(out, 16) + <f64>f32x4.extract_lane(acc, 2), 16);
  store<f64>(out, load<f64>(out, 24) + <f64>f32x4.extract_lane(acc, 3), 24);
}

/** Four output rows (a-columns i…i+3) × eight output columns (b-columns j…j+7) over one chunk of rows. */
function atb4x8Simd(a: usize, lda: usize, b: usize, ldb: usize, rows: i32, out: usize, ldo: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  let ap = a, bp = b;
  for (let r = 0; r < rows; r++) {
    const b0 = v128.load(bp), b1 = v128.load(bp, 16);
    let av = v128.load32_splat(ap);
    c00 = f32x4.add(c00, f32x4.mul(av, b0)); c01 = f32x4.add(c01, f32x4.mul(av, b1));
    av = v128.load32_splat(ap, 4);
    c10 = f32x4.add(c10, f32x4.mul(av, b0)); c11 = f32x4.add(c11, f32x4.mul(av, b1));
    av = v128.load32_splat(ap, 8);
    c20 = f32x4.add(c20, f32x4.mul(av, b0)); c21 = f32x4.add(c21, f32x4.mul(av, b1));
    av = v128.load32_splat(ap, 12);
    c30 = f32x4.add(c30, f32x4.mul(av, b0)); c31 = f32x4.add(c31, f32x4.mul(av, b1));
    ap += lda; bp += ldb;
  }
  flush4(c00, out); flush4(c01, out + 32); out += ldo;
  flush4(c10, out); flush4(c11, out + 32); out += ldo;
  flush4(c20, out); flush4(c21, out + 32); out += ldo;
  flush4(c30, out); flush4(c31, out + 32);
}

/** One output row × four output columns over one chunk of rows: the tails of the tiling. */
function atb1x4Simd(a: usize, lda: usize, b: usize, ldb: usize, rows: i32, out: usize): void {
  let c = f32x4.splat(0);
  let ap = a, bp = b;
  for (let r = 0; r < rows; r++) {
    c = f32x4.add(c, f32x4.mul(v128.load32_splat(ap), v128.load(bp)));
    ap += lda; bp += ldb;
  }
  flush4(c, out);
}

function atb1x4Scalar(a: usize, lda: usize, b: usize, ldb: usize, rows: i32, out: usize): void {
  let s0: f32 = 0, s1: f32 = 0, s2: f32 = 0, s3: f32 = 0;
  let ap = a, bp = b;
  for (let r = 0; r < rows; r++) {
    const av = load<f32>(ap);
    s0 += av * load<f32>(bp); s1 += av * load<f32>(bp, 4); s2 += av * load<f32>(bp, 8); s3 += av * load<f32>(bp, 12);
    ap += lda; bp += ldb;
  }
  store<f64>(out, load<f64>(out) + <f64>s0);
  store<f64>(out, load<f64>(out, 8) + <f64>s1, 8);
  store<f64>(out, load<f64>(out, 16) + <f64>s2, 16);
  store<f64>(out, load<f64>(out, 24) + <f64>s3, 24);
}

/** One output element over one chunk of rows: the last columns when n is not a multiple of 4. */
function atb1x1(a: usize, lda: usize, b: usize, ldb: usize, rows: i32, out: usize): void {
  let s: f32 = 0;
  let ap = a, bp = b;
  for (let r = 0; r < rows; r++) {
    s += load<f32>(ap) * load<f32>(bp);
    ap += lda; bp += ldb;
  }
  store<f64>(out, load<f64>(out) + <f64>s);
}

/**
 * out[i][j] += Σ_r a[r][i] · b[r][j] for i < m, j < n: Aᵀ·B over a long shared row axis (batch ×
 * time), i.e. a weight gradient. a, b: f32 with row strides lda, ldb (floats); out: f64 with row
 * stride ldo (doubles).
 */
export function gemmAtBF64(a: usize, lda: i32, rows: i32, m: i32, b: usize, ldb: i32, n: i32, out: usize, ldo: i32): void {
  const ldaBytes = <usize>lda << 2, ldbBytes = <usize>ldb << 2, ldoBytes = <usize>ldo << 3;
  for (let r0 = 0; r0 < rows; r0 += CHUNK_ROWS) {
    const chunk = min(CHUNK_ROWS, rows - r0);
    const ar = a + <usize>r0 * ldaBytes, br = b + <usize>r0 * ldbBytes;
    let i = 0;
    if (ASC_FEATURE_SIMD) {
      for (; i + 4 <= m; i += 4) {
        let j = 0;
        for (; j + 8 <= n; j += 8) atb4x8Simd(ar + (<usize>i << 2), ldaBytes, br + (<usize>j << 2), ldbBytes, chunk, out + <usize>i * ldoBytes + (<usize>j << 3), ldoBytes);
        for (let ii = i; ii < i + 4; ii++) {
          let jj = j;
          for (; jj + 4 <= n; jj += 4) atb1x4Simd(ar + (<usize>ii << 2), ldaBytes, br + (<usize>jj << 2), ldbBytes, chunk, out + <usize>ii * ldoBytes + (<usize>jj << 3));
          for (; jj < n; jj++) atb1x1(ar + (<usize>ii << 2), ldaBytes, br + (<usize>jj << 2), ldbBytes, chunk, out + <usize>ii * ldoBytes + (<usize>jj << 3));
        }
      }
      for (; i < m; i++) {
        let j = 0;
        for (; j + 4 <= n; j += 4) atb1x4Simd(ar + (<usize>i << 2), ldaBytes, br + (<usize>j << 2), ldbBytes, chunk, out + <usize>i * ldoBytes + (<usize>j << 3));
        for (; j < n; j++) atb1x1(ar + (<usize>i << 2), ldaBytes, br + (<usize>j << 2), ldbBytes, chunk, out + <usize>i * ldoBytes + (<usize>j << 3));
      }
    } else {
      for (; i < m; i++) {
        let j = 0;
        for (; j + 4 <= n; j += 4) atb1x4Scalar(ar + (<usize>i << 2), ldaBytes, br + (<usize>j << 2), ldbBytes, chunk, out + <usize>i * ldoBytes + (<usize>j << 3));
        for (; j < n; j++) atb1x1(ar + (<usize>i << 2), ldaBytes, br + (<usize>j << 2), ldbBytes, chunk, out + <usize>i * ldoBytes + (<usize>j << 3));
      }
    }
  }
}

// Element-wise and per-channel kernels for the training graph's f32 tensors, which live in this
// memory (tools/autograd/device.ts). `n` counts floats; channel kernels see `rows` rows of `c`
// channels, row-major, and keep per-channel sums in f64.

const LEAKY_SLOPE: f32 = 0.01;

/** out = a + b. */
export function addF32(a: usize, b: usize, n: i32, out: usize): void {
  let k = 0;
  if (ASC_FEATURE_SIMD) {
    for (; k + 4 <= n; k += 4) {
      const o = <usize>k << 2;
      v128.store(out + o, f32x4.add(v128.load(a + o), v128.load(b + o)));
    }
  }
  for (; k < n; k++) {
    const o = <usize>k << 2;
    store<f32>(out + o, load<f32>(a + o) + load<f32>(b + o));
  }
}

/** out = x > 0 ? x : 0.01·x. */
export function leakyReluF32(x: usize, n: i32, out: usize): void {
  let k = 0;
  if (ASC_FEATURE_SIMD) {
    const slope = f32x4.splat(LEAKY_SLOPE);
    for (; k + 4 <= n; k += 4) {
      const o = <usize>k << 2;
      const v = v128.load(x + o);
      v128.store(out + o, v128.bitselect(v, f32x4.mul(v, slope), f32x4.gt(v, f32x4.splat(0))));
    }
  }
  for (; k < n; k++) {
    const o = <usize>k << 2;
    const v = load<f32>(x + o);
    store<f32>(out + o, v > 0 ? v : v * LEAKY_SLOPE);
  }
}

/** dx += x > 0 ? g : 0.01·g. `x` may be the op's input or its output: they are positive at the same places. */
export function leakyReluBackwardF32(x: usize, g: usize, n: i32, dx: usize): void {
  let k = 0;
  if (ASC_FEATURE_SIMD) {
    const slope = f32x4.splat(LEAKY_SLOPE);
    for (; k + 4 <= n; k += 4) {
      const o = <usize>k << 2;
      const gv = v128.load(g + o);
      const d = v128.bitselect(gv, f32x4.mul(gv, slope), f32x4.gt(v128.load(x + o), f32x4.splat(0)));
      v128.store(dx + o, f32x4.add(v128.load(dx + o), d));
    }
  }
  for (; k < n; k++) {
    const o = <usize>k << 2;
    const gv = load<f32>(g + o);
    store<f32>(dx + o, load<f32>(dx + o) + (load<f32>(x + o) > 0 ? gv : gv * LEAKY_SLOPE));
  }
}

/** out[j] += Σ_r (x[r][j] − mean[j])² for j < c, in f64 (mean, out: f64). */
export function channelSquaresF64(x: usize, rows: i32, c: i32, mean: usize, out: usize): void {
  const rowBytes = <usize>c << 2;
  for (let r = 0; r < rows; r++) {
    const xp = x + <usize>r * rowBytes;
    let j = 0;
    if (ASC_FEATURE_SIMD) { // two channels per f64x2: the same operations as the scalar loop
      for (; j + 2 <= c; j += 2) {
        const d = f64x2.sub(f64x2.promote_low_f32x4(v128.load64_zero(xp + (<usize>j << 2))), v128.load(mean + (<usize>j << 3)));
        const op = out + (<usize>j << 3);
        v128.store(op, f64x2.add(v128.load(op), f64x2.mul(d, d)));
      }
    }
    for (; j < c; j++) {
      const d = <f64>load<f32>(xp + (<usize>j << 2)) - load<f64>(mean + (<usize>j << 3));
      const op = out + (<usize>j << 3);
      store<f64>(op, load<f64>(op) + d * d);
    }
  }
}

/** out[j] += Σ_r a[r][j]·b[r][j] for j < c, in f64 (out: f64). */
export function channelDotF64(a: usize, b: usize, rows: i32, c: i32, out: usize): void {
  const rowBytes = <usize>c << 2;
  for (let r = 0; r < rows; r++) {
    const ap = a + <usize>r * rowBytes, bp = b + <usize>r * rowBytes;
    let j = 0;
    if (ASC_FEATURE_SIMD) { // two channels per f64x2: the same operations as the scalar loop
      for (; j + 2 <= c; j += 2) {
        const o = <usize>j << 2, op = out + (<usize>j << 3);
        const prod = f64x2.mul(f64x2.promote_low_f32x4(v128.load64_zero(ap + o)), f64x2.promote_low_f32x4(v128.load64_zero(bp + o)));
        v128.store(op, f64x2.add(v128.load(op), prod));
      }
    }
    for (; j < c; j++) {
      const o = <usize>j << 2, op = out + (<usize>j << 3);
      store<f64>(op, load<f64>(op) + <f64>load<f32>(ap + o) * <f64>load<f32>(bp + o));
    }
  }
}

/** out[r][j] = x[r][j]·scale[j] + shift[j] (scale, shift: f32, c each). */
export function channelAffineF32(x: usize, rows: i32, c: i32, scale: usize, shift: usize, out: usize): void {
  const rowBytes = <usize>c << 2;
  for (let r = 0; r < rows; r++) {
    const xp = x + <usize>r * rowBytes, op = out + <usize>r * rowBytes;
    let j = 0;
    if (ASC_FEATURE_SIMD) {
      for (; j + 4 <= c; j += 4) {
        const o = <usize>j << 2;
        v128.store(op + o, f32x4.add(f32x4.mul(v128.load(xp + o), v128.load(scale + o)), v128.load(shift + o)));
      }
    }
    for (; j < c; j++) {
      const o = <usize>j << 2;
      store<f32>(op + o, load<f32>(xp + o) * load<f32>(scale + o) + load<f32>(shift + o));
    }
  }
}

/** out[r][j] += alpha[j]·g[r][j] + beta[j]·x[r][j] + gamma[j] (alpha, beta, gamma: f32, c each). */
export function channelAffine2F32(g: usize, x: usize, rows: i32, c: i32, alpha: usize, beta: usize, gamma: usize, out: usize): void {
  const rowBytes = <usize>c << 2;
  for (let r = 0; r < rows; r++) {
    const gp = g + <usize>r * rowBytes, xp = x + <usize>r * rowBytes, op = out + <usize>r * rowBytes;
    let j = 0;
    if (ASC_FEATURE_SIMD) {
      for (; j + 4 <= c; j += 4) {
        const o = <usize>j << 2;
        const v = f32x4.add(f32x4.add(f32x4.mul(v128.load(gp + o), v128.load(alpha + o)), f32x4.mul(v128.load(xp + o), v128.load(beta + o))), v128.load(gamma + o));
        v128.store(op + o, f32x4.add(v128.load(op + o), v));
      }
    }
    for (; j < c; j++) {
      const o = <usize>j << 2;
      store<f32>(op + o, load<f32>(op + o) + (load<f32>(gp + o) * load<f32>(alpha + o) + load<f32>(xp + o) * load<f32>(beta + o) + load<f32>(gamma + o)));
    }
  }
}

/** dst[r][j] = src[r][j] for j < n (row strides lds, ldd in floats): (un)padding rows. */
export function copyRowsF32(src: usize, lds: i32, rows: i32, n: i32, dst: usize, ldd: i32): void {
  const sBytes = <usize>lds << 2, dBytes = <usize>ldd << 2, nBytes = <usize>n << 2;
  for (let r = 0; r < rows; r++) memory.copy(dst + <usize>r * dBytes, src + <usize>r * sBytes, nBytes);
}
