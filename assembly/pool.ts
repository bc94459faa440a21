// Mean pooling over time and the linear decoder, in f64: the pooled sum runs over up to 16000
// steps, where an f32 running sum alone costs ~1e-4 of accuracy (golden README §5).

/** sum[c] += Σ_r in[r][c] for c < n. The rows are first summed in f32 pairs-free order, per row in f64. */
export function accumulateRowsF64(inp: usize, ldi: i32, rows: i32, n: i32, sum: usize): void {
  const ldiBytes = <usize>ldi << 2;
  for (let r = 0; r < rows; r++) {
    const ip = inp + <usize>r * ldiBytes;
    let c = 0;
    if (ASC_FEATURE_SIMD) { // two columns per f64x2: the same additions, in the same order
      for (; c + 2 <= n; c += 2) {
        const sp = sum + (<usize>c << 3);
        v128.store(sp, f64x2.add(v128.load(sp), f64x2.promote_low_f32x4(v128.load64_zero(ip + (<usize>c << 2)))));
      }
    }
    for (; c < n; c++) {
      const sp = sum + (<usize>c << 3);
      store<f64>(sp, load<f64>(sp) + <f64>load<f32>(ip + (<usize>c << 2)));
    }
  }
}

/** logits[k] = bias[k] + Σ_h W[k][h] · sum[h] / count, all in f64 (W is f32, torch layout K × H). */
export function decodeF64(sum: usize, count: f64, weight: usize, bias: usize, k: i32, h: i32, logits: usize): void {
  const inv = 1.0 / count;
  for (let o = 0; o < k; o++) {
    const wp = weight + (<usize>o * <usize>h << 2);
    let acc: f64 = 0;
    for (let c = 0; c < h; c++) acc += <f64>load<f32>(wp + (<usize>c << 2)) * load<f64>(sum + (<usize>c << 3));
    store<f64>(logits + (<usize>o << 3), <f64>load<f32>(bias + (<usize>o << 2)) + acc * inv);
  }
}
