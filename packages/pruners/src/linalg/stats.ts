/** Min-max scaling of `values` at the positions `among` to [0, 1] (all 0 when constant). Other entries are 0. */
export function minMax(values: ArrayLike<number>, among: ArrayLike<number>, n: number): Float32Array {
  let lo = Infinity;
  let hi = -Infinity;
  for (let t = 0; t < among.length; t++) {
    const v = values[among[t] as number] as number;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const out = new Float32Array(n);
  const span = hi - lo;
  for (let t = 0; t < among.length; t++) {
    const i = among[t] as number;
    out[i] = span > 0 ? ((values[i] as number) - lo) / span : 0;
  }
  return out;
}

/** Softmax of `logits` (numerically stable). */
export function softmax(logits: ArrayLike<number>): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i] as number);
  const out = new Float64Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) {
    const e = Math.exp((logits[i] as number) - max);
    out[i] = e;
    sum += e;
  }
  for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) / sum;
  return out;
}

/** Cosine similarity of two vectors (0 when either is all zeros). */
export function cosine(a: ArrayLike<number>, aOffset: number, b: ArrayLike<number>, bOffset: number, d: number): number {
  let dot = 0, na = 0, nb = 0;
  for (let k = 0; k < d; k++) {
    const x = a[aOffset + k] as number;
    const y = b[bOffset + k] as number;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  const denom = Math.sqrt(na) * Math.sqrt(nb);
  return denom > 0 ? dot / denom : 0;
}
