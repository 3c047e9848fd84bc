import { rowSumsOfSquares } from './simd.ts';

/** Smallest row norm we divide by: an all-zero row gets similarity 0 instead of NaN. */
export const NORM_EPS = 1e-12;

/** Copy of `a` ([n * d]) with every row scaled to unit L2 norm. */
export function normalizeRows(a: Float32Array, n: number, d: number): Float32Array {
  const out = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    const base = i * d;
    let sum = 0;
    for (let k = 0; k < d; k++) {
      const v = a[base + k] as number;
      sum += v * v;
    }
    const inv = 1 / Math.max(Math.sqrt(sum), NORM_EPS);
    for (let k = 0; k < d; k++) out[base + k] = (a[base + k] as number) * inv;
  }
  return out;
}

/** L2 norm of each row (float64 sums of squares, see rowSumsOfSquares). */
export function rowNorms(a: Float32Array, n: number, d: number): Float32Array {
  const sums = rowSumsOfSquares(a, n, d);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.sqrt(sums[i] as number);
  return out;
}

/** Offset of row i in the packed upper triangle of an n x n matrix: row i holds columns i..n-1. */
export function upperRowStart(i: number, n: number): number {
  return i * n - (i * (i - 1)) / 2;
}

const BLOCK = 4;

/** How dotRows stores <x_i, y_j>: a full matrix, its upper triangle mirrored, or the packed upper triangle. */
type StoreLayout = 'full' | 'mirror' | 'upper';

function store(out: Float32Array, ldo: number, i: number, j: number, value: number, layout: StoreLayout): void {
  if (layout === 'full') out[i * ldo + j] = value;
  else if (j < i) return;
  else if (layout === 'upper') out[upperRowStart(i, ldo) + j - i] = value;
  else {
    out[i * ldo + j] = value;
    out[j * ldo + i] = value;
  }
}

/**
 * <x_i, y_j> for i in [0, nx), j in [0, ny), rows of d floats, stored as `layout` says (only j >= i computed
 * unless full). Four rows of x share each load of a y row, which is what makes plain JS loops within reach of a
 * BLAS kernel for small inputs.
 */
function dotRows(
  x: Float32Array, nx: number, y: Float32Array, ny: number, d: number,
  out: Float32Array, ldo: number, layout: StoreLayout,
): void {
  for (let i0 = 0; i0 < nx; i0 += BLOCK) {
    const rows = Math.min(BLOCK, nx - i0);
    const a0 = i0 * d;
    const a1 = rows > 1 ? a0 + d : a0;
    const a2 = rows > 2 ? a0 + 2 * d : a0;
    const a3 = rows > 3 ? a0 + 3 * d : a0;
    const jStart = layout === 'full' ? 0 : i0;
    for (let j = jStart; j < ny; j++) {
      const b = j * d;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let k = 0; k < d; k++) {
        const v = y[b + k] as number;
        s0 += (x[a0 + k] as number) * v;
        s1 += (x[a1 + k] as number) * v;
        s2 += (x[a2 + k] as number) * v;
        s3 += (x[a3 + k] as number) * v;
      }
      store(out, ldo, i0, j, s0, layout);
      if (rows > 1) store(out, ldo, i0 + 1, j, s1, layout);
      if (rows > 2) store(out, ldo, i0 + 2, j, s2, layout);
      if (rows > 3) store(out, ldo, i0 + 3, j, s3, layout);
    }
  }
}

/** [n * n] cosine similarity of the rows of a ([n * d]). Computes the upper triangle and mirrors it. */
export function cosineTs(a: Float32Array, n: number, d: number): Float32Array {
  const x = normalizeRows(a, n, d);
  const out = new Float32Array(n * n);
  dotRows(x, n, x, n, d, out, n, 'mirror');
  return out;
}

/** [n (n + 1) / 2] the upper triangle of the cosine matrix of the rows of a, packed row by row (upperRowStart). */
export function cosineUpperTs(a: Float32Array, n: number, d: number): Float32Array {
  const x = normalizeRows(a, n, d);
  const out = new Float32Array(upperRowStart(n, n));
  dotRows(x, n, x, n, d, out, n, 'upper');
  return out;
}

/** [na * nb] cosine similarity between the rows of a ([na * d]) and of b ([nb * d]). */
export function cosineCrossTs(a: Float32Array, na: number, b: Float32Array, nb: number, d: number): Float32Array {
  const x = normalizeRows(a, na, d);
  const y = normalizeRows(b, nb, d);
  const out = new Float32Array(na * nb);
  dotRows(x, na, y, nb, d, out, nb, 'full');
  return out;
}

/** [na * nb] plain dot products between the rows of a ([na * d]) and of b ([nb * d]). */
export function dotCrossTs(a: Float32Array, na: number, b: Float32Array, nb: number, d: number): Float32Array {
  const out = new Float32Array(na * nb);
  dotRows(a, na, b, nb, d, out, nb, 'full');
  return out;
}

/** [rows * cols] plain product a b of a ([rows * inner]) and b ([inner * cols]); float64 sums in order of inner. */
export function matmulTs(a: Float32Array, rows: number, inner: number, b: Float32Array, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  const sums = new Float64Array(cols);
  for (let i = 0; i < rows; i++) {
    sums.fill(0);
    for (let k = 0; k < inner; k++) {
      const x = a[i * inner + k] as number;
      const row = k * cols;
      for (let j = 0; j < cols; j++) sums[j] = (sums[j] as number) + x * (b[row + j] as number);
    }
    out.set(sums, i * cols);
  }
  return out;
}
