import { cosineCrossTs, cosineTs, cosineUpperTs, dotCrossTs, matmulTs } from './cosine.ts';

/**
 * The heavy linear algebra a method may ask for, all float32 row-major. The cosine ones normalise rows with an
 * epsilon, so an all-zero row has similarity 0 with everything.
 */
export type LinalgRequest =
  /** [n * n] cosine similarity of the rows of `a` ([n * d]) with each other. */
  | { op: 'cosine'; a: Float32Array; n: number; d: number }
  /**
   * [n (n + 1) / 2] the upper triangle of the same matrix, row by row: row i holds columns i..n-1 from offset
   * i n - i (i - 1) / 2 (`upperRowStart`). For methods that can read each pair once: half the memory, and no
   * mirrored copy to assemble.
   */
  | { op: 'cosineUpper'; a: Float32Array; n: number; d: number }
  /** [na * nb] cosine similarity of the rows of `a` ([na * d]) with the rows of `b` ([nb * d]). */
  | { op: 'cosineCross'; a: Float32Array; na: number; b: Float32Array; nb: number; d: number }
  /** [na * nb] plain dot products a b^T, no normalisation (when only an argmax over b is needed). */
  | { op: 'dotCross'; a: Float32Array; na: number; b: Float32Array; nb: number; d: number }
  /** [rows * cols] plain product a b of `a` ([rows * inner]) and `b` ([inner * cols]). */
  | { op: 'matmul'; a: Float32Array; rows: number; inner: number; b: Float32Array; cols: number };

/** A synchronous backend, usable by `prune`. */
export interface LinalgBackend {
  readonly name: string;
  cosine(a: Float32Array, n: number, d: number): Float32Array;
  cosineUpper(a: Float32Array, n: number, d: number): Float32Array;
  cosineCross(a: Float32Array, na: number, b: Float32Array, nb: number, d: number): Float32Array;
  dotCross(a: Float32Array, na: number, b: Float32Array, nb: number, d: number): Float32Array;
  matmul(a: Float32Array, rows: number, inner: number, b: Float32Array, cols: number): Float32Array;
}

/** An asynchronous backend (onnxruntime, a GPU execution provider), usable by `pruneAsync`. */
export interface AsyncLinalgBackend {
  readonly name: string;
  cosine(a: Float32Array, n: number, d: number): Promise<Float32Array>;
  cosineUpper(a: Float32Array, n: number, d: number): Promise<Float32Array>;
  cosineCross(a: Float32Array, na: number, b: Float32Array, nb: number, d: number): Promise<Float32Array>;
  dotCross(a: Float32Array, na: number, b: Float32Array, nb: number, d: number): Promise<Float32Array>;
  matmul(a: Float32Array, rows: number, inner: number, b: Float32Array, cols: number): Promise<Float32Array>;
}

/** Pure TypeScript, float32, blocked loops: exact and dependency-free, fast enough up to a few hundred tokens. */
export const tsLinalg: LinalgBackend = {
  name: 'ts',
  cosine: cosineTs,
  cosineUpper: cosineUpperTs,
  cosineCross: cosineCrossTs,
  dotCross: dotCrossTs,
  matmul: matmulTs,
};

export function serveSync(backend: LinalgBackend, request: LinalgRequest): Float32Array {
  if (request.op === 'matmul') return backend.matmul(request.a, request.rows, request.inner, request.b, request.cols);
  if (request.op === 'cosine') return backend.cosine(request.a, request.n, request.d);
  if (request.op === 'cosineUpper') return backend.cosineUpper(request.a, request.n, request.d);
  if (request.op === 'dotCross') return backend.dotCross(request.a, request.na, request.b, request.nb, request.d);
  return backend.cosineCross(request.a, request.na, request.b, request.nb, request.d);
}

export function serveAsync(backend: AsyncLinalgBackend | LinalgBackend, request: LinalgRequest): Promise<Float32Array> | Float32Array {
  if (request.op === 'matmul') return backend.matmul(request.a, request.rows, request.inner, request.b, request.cols);
  if (request.op === 'cosine') return backend.cosine(request.a, request.n, request.d);
  if (request.op === 'cosineUpper') return backend.cosineUpper(request.a, request.n, request.d);
  if (request.op === 'dotCross') return backend.dotCross(request.a, request.na, request.b, request.nb, request.d);
  return backend.cosineCross(request.a, request.na, request.b, request.nb, request.d);
}
