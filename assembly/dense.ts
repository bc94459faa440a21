// Dense projections: out[rows × n] = A[rows × k] · B[k × n] (+ bias), with an epilogue.
//
// A is row-major with a row stride of `lda` floats, so decimated rows (every r-th time step) are
// read in place. B is packed by the host into column panels of 8 floats (the last panel may be 4
// wide): panel j holds columns 8j…8j+7 for k = 0…K−1, contiguous. n is a multiple of 4.
//
// Every path (4-row tile, 1-row tail, 8- or 4-wide panel, SIMD or scalar build) accumulates each
// output element as ((0 + a0·b0) + a1·b1) + … in f32, then adds the bias: the result of a row never
// depends on how rows were blocked, so streaming and whole-clip runs give bit-identical numbers.

export const EPILOGUE_STORE: i32 = 0; // out = acc + bias
export const EPILOGUE_LEAKY: i32 = 1; // out = LeakyReLU(acc + bias)
export const EPILOGUE_ACCUMULATE: i32 = 2; // out += acc (bias ignored)

const LEAKY_SLOPE: f32 = 0.01;

// @ts-ignore: decorator
@inline function leaky(v: f32): f32 {
  return v > 0 ? v : v * LEAKY_SLOPE;
}

// @ts-ignore: decorator
@inline function finishScalar(acc: f32, bias: usize, col: i32, o: usize, mode: i32): void {
  if (mode == EPILOGUE_ACCUMULATE) {
    store<f32>(o, load<f32>(o) + acc);
  } else {
    const v = acc + load<f32>(bias + (<usize>col << 2));
    store<f32>(o, mode == EPILOGUE_LEAKY ? leaky(v) : v);
  }
}

// @ts-ignore: decorator
@inline function finishVector(acc: v128, bias: usize, col: i32, o: usize, mode: i32): void {
  if (mode == EPILOGUE_ACCUMULATE) {
    v128.store(o, f32x4.add(v128.load(o), acc));
  } else {
    const v = f32x4.add(acc, v128.load(bias + (<usize>col << 2)));
    // pmax(v, 0.01·v) is exactly LeakyReLU for finite v, in one instruction.
    v128.store(o, mode == EPILOGUE_LEAKY ? f32x4.pmax(v, f32x4.mul(v, f32x4.splat(LEAKY_SLOPE))) : v);
  }
}

/** Four rows × an 8-wide panel: 8 accumulators, the SIMD main loop. */
function tile4x8Simd(a: usize, lda: usize, k: i32, panel: usize, bias: usize, col: i32, o: usize, ldo: usize, mode: i32): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  let a0 = a, a1 = a + lda, a2 = a + 2 * lda, a3 = a + 3 * lda, bp = panel;
  for (let kk = 0; kk < k; kk++) {
    const b0 = v128.load(bp), b1 = v128.load(bp, 16);
    let av = v128.load32_splat(a0);
    c00 = f32x4.add(c00, f32x4.mul(av, b0)); c01 = f32x4.add(c01, f32x4.mul(av, b1));
    av = v128.load32_splat(a1);
    c10 = f32x4.add(c10, f32x4.mul(av, b0)); c11 = f32x4.add(c11, f32x4.mul(av, b1));
    av = v128.load32_splat(a2);
    c20 = f32x4.add(c20, f32x4.mul(av, b0)); c21 = f32x4.add(c21, f32x4.mul(av, b1));
    av = v128.load32_splat(a3);
    c30 = f32x4.add(c30, f32x4.mul(av, b0)); c31 = f32x4.add(c31, f32x4.mul(av, b1));
    a0 += 4; a1 += 4; a2 += 4; a3 += 4; bp += 32;
  }
  finishVector(c00, bias, col, o, mode); finishVector(c01, bias, col + 4, o + 16, mode);
  o += ldo;
  finishVector(c10, bias, col, o, mode); finishVector(c11, bias, col + 4, o + 16, mode);
  o += ldo;
  finishVector(c20, bias, col, o, mode); finishVector(c21, bias, col + 4, o + 16, mode);
  o += ldo;
  finishVector(c30, bias, col, o, mode); finishVector(c31, bias, col + 4, o + 16, mode);
}

/** One row (or a 4-wide panel) with SIMD: the tails of the tiling. */
function rowPanelSimd(a: usize, k: i32, panel: usize, width: i32, bias: usize, col: i32, o: usize, mode: i32): void {
  let c0 = f32x4.splat(0), c1 = f32x4.splat(0);
  const stride = <usize>width << 2;
  let ap = a, bp = panel;
  if (width == 8) {
    for (let kk = 0; kk < k; kk++) {
      const av = v128.load32_splat(ap);
      c0 = f32x4.add(c0, f32x4.mul(av, v128.load(bp)));
      c1 = f32x4.add(c1, f32x4.mul(av, v128.load(bp, 16)));
      ap += 4; bp += stride;
    }
    finishVector(c0, bias, col, o, mode);
    finishVector(c1, bias, col + 4, o + 16, mode);
  } else {
    for (let kk = 0; kk < k; kk++) {
      c0 = f32x4.add(c0, f32x4.mul(v128.load32_splat(ap), v128.load(bp)));
      ap += 4; bp += stride;
    }
    finishVector(c0, bias, col, o, mode);
  }
}

/** One row × one panel in plain f32: the whole scalar build. Four independent chains per pass. */
function rowPanelScalar(a: usize, k: i32, panel: usize, width: i32, bias: usize, col: i32, o: usize, mode: i32): void {
  const stride = <usize>width << 2;
  for (let c = 0; c < width; c += 4) {
    let s0: f32 = 0, s1: f32 = 0, s2: f32 = 0, s3: f32 = 0;
    let ap = a, bp = panel + (<usize>c << 2);
    for (let kk = 0; kk < k; kk++) {
      const av = load<f32>(ap);
      s0 += av * load<f32>(bp); s1 += av * load<f32>(bp, 4);
      s2 += av * load<f32>(bp, 8); s3 += av * load<f32>(bp, 12);
      ap += 4; bp += stride;
    }
    const oc = o + (<usize>c << 2);
    finishScalar(s0, bias, col + c, oc, mode); finishScalar(s1, bias, col + c + 1, oc + 4, mode);
    finishScalar(s2, bias, col + c + 2, oc + 8, mode); finishScalar(s3, bias, col + c + 3, oc + 12, mode);
  }
}

export function gemmF32(a: usize, lda: i32, rows: i32, k: i32, b: usize, n: i32, bias: usize, out: usize, ldo: i32, mode: i32): void {
  const ldaBytes = <usize>lda << 2, ldoBytes = <usize>ldo << 2;
  for (let col = 0; col < n; col += 8) {
    const width = min(8, n - col);
    const panel = b + (<usize>col * <usize>k << 2);
    let r = 0;
    if (ASC_FEATURE_SIMD) {
      if (width == 8) {
        for (; r + 4 <= rows; r += 4) {
          tile4x8Simd(a + <usize>r * ldaBytes, ldaBytes, k, panel, bias, col, out + <usize>r * ldoBytes + (<usize>col << 2), ldoBytes, mode);
        }
      }
      for (; r < rows; r++) {
        rowPanelSimd(a + <usize>r * ldaBytes, k, panel, width, bias, col, out + <usize>r * ldoBytes + (<usize>col << 2), mode);
      }
    } else {
      for (; r < rows; r++) {
        rowPanelScalar(a + <usize>r * ldaBytes, k, panel, width, bias, col, out + <usize>r * ldoBytes + (<usize>col << 2), mode);
      }
    }
  }
}

/** out[r][c] += in[r][c] for c < n: the identity skip (I = H). */
export function addRowsF32(inp: usize, ldi: i32, rows: i32, n: i32, out: usize, ldo: i32): void {
  const ldiBytes = <usize>ldi << 2, ldoBytes = <usize>ldo << 2;
  for (let r = 0; r < rows; r++) {
    const ip = inp + <usize>r * ldiBytes, op = out + <usize>r * ldoBytes;
    let c = 0;
    if (ASC_FEATURE_SIMD) {
      for (; c + 4 <= n; c += 4) {
        const off = <usize>c << 2;
        v128.store(op + off, f32x4.add(v128.load(op + off), v128.load(ip + off)));
      }
    }
    for (; c < n; c++) {
      const off = <usize>c << 2;
      store<f32>(op + off, load<f32>(op + off) + load<f32>(ip + off));
    }
  }
}

/** out[r][c] += in[r][0] for c < n: the broadcast skip of a one-channel input (I = 1). */
export function addBroadcastF32(inp: usize, ldi: i32, rows: i32, n: i32, out: usize, ldo: i32): void {
  const ldiBytes = <usize>ldi << 2, ldoBytes = <usize>ldo << 2;
  for (let r = 0; r < rows; r++) {
    const u = load<f32>(inp + <usize>r * ldiBytes), op = out + <usize>r * ldoBytes;
    let c = 0;
    if (ASC_FEATURE_SIMD) {
      const uv = f32x4.splat(u);
      for (; c + 4 <= n; c += 4) {
        const off = <usize>c << 2;
        v128.store(op + off, f32x4.add(v128.load(op + off), uv));
      }
    }
    for (; c < n; c++) {
      const off = <usize>c << 2;
      store<f32>(op + off, load<f32>(op + off) + u);
    }
  }
}
