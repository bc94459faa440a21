/**
 * Parameter initialisers of the authors' model (spec §5.1, §5.6), in f64. They reproduce the
 * distributions of the torch/numpy code, not its random streams.
 */
import { normal, truncatedNormal, type Rng } from './random.js';

/**
 * torch.nn.init.orthogonal_ on a (rows × cols) matrix: QR of a Gaussian matrix (transposed when
 * rows < cols), signs fixed so that diag(R) > 0, times `gain`. Rows (or columns, whichever are
 * fewer) come out orthonormal. Row-major result.
 */
export function orthogonal(rows: number, cols: number, gain: number, rng: Rng): Float64Array {
  const tall = rows >= cols;
  const m = tall ? rows : cols, n = tall ? cols : rows; // QR of an (m × n) matrix, m ≥ n
  const q = Array.from({ length: n }, () => Float64Array.from({ length: m }, () => normal(rng))); // columns
  // Modified Gram–Schmidt: the same Q as Householder QR with diag(R) > 0.
  for (let j = 0; j < n; j++) {
    for (let k = 0; k < j; k++) {
      let dot = 0;
      for (let i = 0; i < m; i++) dot += q[k][i] * q[j][i];
      for (let i = 0; i < m; i++) q[j][i] -= dot * q[k][i];
    }
    let norm = 0;
    for (let i = 0; i < m; i++) norm += q[j][i] ** 2;
    norm = Math.sqrt(norm);
    for (let i = 0; i < m; i++) q[j][i] /= norm;
  }
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[r * cols + c] = gain * (tall ? q[c][r] : q[r][c]);
  return out;
}

/** lecun_normal of the S5 code: truncated N(0,1) on (−2, 2) × 0.87962566 / √fanIn. */
export function lecunNormal(count: number, fanIn: number, rng: Rng): Float64Array {
  const std = 0.87962566103423978 / Math.sqrt(fanIn);
  return Float64Array.from({ length: count }, () => truncatedNormal(rng, -2, 2) * std);
}

/** Each row of a (rows × cols) matrix rescaled to Euclidean norm `norm` (the authors' skip/decoder init). */
export function normaliseRows(m: Float64Array, rows: number, cols: number, norm: number): void {
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let c = 0; c < cols; c++) s += m[r * cols + c] ** 2;
    const f = norm / Math.sqrt(s);
    for (let c = 0; c < cols; c++) m[r * cols + c] *= f;
  }
}

/** Eigen-decomposition of a real symmetric (n × n) matrix by cyclic Jacobi: ascending values, vectors as columns. */
export function symmetricEigen(a: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const m = Float64Array.from(a);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) off += m[i * n + j] ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = m[p * n + q];
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (m[q * n + q] - m[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1), s = t * c;
        for (let k = 0; k < n; k++) { // columns p, q
          const mkp = m[k * n + p], mkq = m[k * n + q];
          m[k * n + p] = c * mkp - s * mkq;
          m[k * n + q] = s * mkp + c * mkq;
        }
        for (let k = 0; k < n; k++) { // rows p, q
          const mpk = m[p * n + k], mqk = m[q * n + k];
          m[p * n + k] = c * mpk - s * mqk;
          m[q * n + k] = s * mpk + c * mqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p], vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => m[x * n + x] - m[y * n + y]);
  const values = Float64Array.from(order, (i) => m[i * n + i]);
  const vectors = new Float64Array(n * n);
  order.forEach((src, dst) => {
    for (let k = 0; k < n; k++) vectors[k * n + dst] = v[k * n + src];
  });
  return { values, vectors };
}

export interface S5Init {
  lambda: Float64Array; // (P, 2)
  b: Float64Array; // (P, I, 2)
  c: Float64Array; // (H, P, 2), already ×2
}

/**
 * The S5 initialisation ([SE] `init.py::S5_init`, spec §5.6): HiPPO-LegS DPLR blocks of size N/blocks
 * (N = 2P; blocks = N/8, or N/4), keeping the first half of each block's eigenvalues (eigh order:
 * ascending imaginary parts); B̃ = V⁻¹·lecun(2P × I), C̃ = 2·lecun(H × 2P complex)·V, with the 3-D
 * lecun fan-in 2P·H of the original.
 */
export function s5Init(I: number, P: number, H: number, rng: Rng): S5Init {
  const N = 2 * P;
  if (N % 4 !== 0) throw new RangeError(`S5 init needs 2P divisible by 4, got P=${P}`);
  const blocks = N % 8 === 0 ? N / 8 : N / 4;
  const size = N / blocks, half = size / 2;
  // S = hippo + p pᵀ: diagonal −1/2, strictly lower −√(i+½)√(j+½), strictly upper +√(i+½)√(j+½).
  // eigh(−i·S) reads the lower triangle: M = −i·L + (−i·L)ᴴ with L = tril(S, −1), a purely imaginary
  // Hermitian matrix (the real diagonal of −i·S is 0). Real embedding [[X, −Y], [Y, X]] with
  // M = X + iY, X = 0, Y = −(L − Lᵀ): each eigenvalue twice; keep one vector a + ib per pair.
  const r = (i: number): number => Math.sqrt(i + 0.5);
  const Y = new Float64Array(size * size);
  for (let i = 0; i < size; i++) {
    for (let j = 0; j < i; j++) {
      const lij = -r(i) * r(j);
      Y[i * size + j] = -lij;
      Y[j * size + i] = lij;
    }
  }
  const n2 = 2 * size;
  const E = new Float64Array(n2 * n2);
  for (let i = 0; i < size; i++) {
    for (let j = 0; j < size; j++) {
      E[i * n2 + (size + j)] = -Y[i * size + j];
      E[(size + i) * n2 + j] = Y[i * size + j];
    }
  }
  const { values, vectors } = symmetricEigen(E, n2);
  const lambdaIm = new Float64Array(half);
  const vRe = new Float64Array(size * half), vIm = new Float64Array(size * half); // V[:, :half]
  for (let k = 0; k < half; k++) {
    const col = 2 * k; // eigenvalues come in equal pairs; take one vector of each pair
    lambdaIm[k] = values[col];
    let norm = 0;
    for (let i = 0; i < n2; i++) norm += vectors[i * n2 + col] ** 2;
    norm = Math.sqrt(norm);
    for (let i = 0; i < size; i++) {
      vRe[i * half + k] = vectors[i * n2 + col] / norm;
      vIm[i * half + k] = vectors[(size + i) * n2 + col] / norm;
    }
  }
  const lambda = new Float64Array(P * 2);
  for (let p = 0; p < P; p++) {
    lambda[2 * p] = -0.5;
    lambda[2 * p + 1] = lambdaIm[p % half];
  }
  // B = blockdiag(Vᴴ) · lecun((2P, I)): state p = (block β, k) reads rows β·size … β·size + size − 1.
  const bReal = lecunNormal(N * I, N, rng);
  const b = new Float64Array(P * I * 2);
  for (let p = 0; p < P; p++) {
    const beta = Math.floor(p / half), k = p % half;
    for (let i = 0; i < I; i++) {
      let re = 0, im = 0;
      for (let j = 0; j < size; j++) {
        const x = bReal[(beta * size + j) * I + i];
        re += vRe[j * half + k] * x; // conj(V)ᵀ
        im -= vIm[j * half + k] * x;
      }
      b[2 * (p * I + i)] = re;
      b[2 * (p * I + i) + 1] = im;
    }
  }
  // C = 2 · lecun((H, 2P, 2) as complex) · blockdiag(V)
  const cRaw = lecunNormal(H * N * 2, N * H, rng);
  const c = new Float64Array(H * P * 2);
  for (let h = 0; h < H; h++) {
    for (let p = 0; p < P; p++) {
      const beta = Math.floor(p / half), k = p % half;
      let re = 0, im = 0;
      for (let j = 0; j < size; j++) {
        const zr = cRaw[2 * (h * N + beta * size + j)], zi = cRaw[2 * (h * N + beta * size + j) + 1];
        re += zr * vRe[j * half + k] - zi * vIm[j * half + k];
        im += zr * vIm[j * half + k] + zi * vRe[j * half + k];
      }
      c[2 * (h * P + p)] = 2 * re;
      c[2 * (h * P + p) + 1] = 2 * im;
    }
  }
  return { lambda, b, c };
}
