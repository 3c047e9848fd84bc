import { cosineCrossTs, cosineTs, dotCrossTs } from './cosine.ts';

/**
 * The heavy linear algebra a method may ask for. Both return float32 row-major matrices of cosine similarities
 * (rows normalised with an epsilon, so an all-zero row has similarity 0 with everything).
 */
export type LinalgRequest =
  /** [n * n] cosine similarity of the rows of `a` ([n * d]) with each other. */
  | { op: 'cosine'; a: Float32Array; n: number; d: number }
  /** [na * nb] cosine similarity of the rows of `a` ([na * d]) with the rows of `b` ([nb * d]). */
  | { op: 'cosineCross'; a: Float32Array; na: number; b: Float32Array; nb: number; d: number }
  /** [na * nb] plain dot products a b^T, no normalisation (when only an argmax over b is needed). */
  | { op: 'dotCross'; a: Float32Array; na: number; b: Float32Array; nb: number; d: number };

/** A synchronous backend, usable by `prune`. */
export interface LinalgBackend {
  readonly name: string;
  cosine(a: Float32Array, n: number, d: number): Float32Array;
  cosineCross(a: Float32Array, na: number, b: Float32Array, nb: number, d: number): Float32Array;
  dotCross(a: Float32Array, na: number, b: Float32Array, nb: number, d: number): Float32Array;
}

/** An asynchronous backend (onnxruntime, a GPU execution provider), usable by `pruneAsync`. */
export interface AsyncLinalgBackend {
  readonly name: string;
  cosine(a: Float32Array, n: number, d: number): Promise<Float32Array>;
  cosineCross(a: Float32Array, na: number, b: Float32Array, nb: number, d: number): Promise<Float32Array>;
  dotCross(a: Float32Array, na: number, b: Float32Array, nb: number, d: number): Promise<Float32Array>;
}

/** Pure TypeScript, float32, blocked loops: exact and dependency-free, fast enough up to a few hundred tokens. */
export const tsLinalg: LinalgBackend = {
  name: 'ts',
  cosine: cosineTs,
  cosineCross: cosineCrossTs,
  dotCross: dotCrossTs,
};

export function serveSync(backend: LinalgBackend, request: LinalgRequest): Float32Array {
  if (request.op === 'cosine') return backend.cosine(request.a, request.n, request.d);
  if (request.op === 'dotCross') return backend.dotCross(request.a, request.na, request.b, request.nb, request.d);
  return backend.cosineCross(request.a, request.na, request.b, request.nb, request.d);
}

export function serveAsync(backend: AsyncLinalgBackend | LinalgBackend, request: LinalgRequest): Promise<Float32Array> | Float32Array {
  if (request.op === 'cosine') return backend.cosine(request.a, request.n, request.d);
  if (request.op === 'dotCross') return backend.dotCross(request.a, request.na, request.b, request.nb, request.d);
  return backend.cosineCross(request.a, request.na, request.b, request.nb, request.d);
}
