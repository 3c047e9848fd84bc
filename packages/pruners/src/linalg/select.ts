/**
 * The k-th largest of `scores` over `among` (1 <= k <= among.length), by quickselect with a median-of-three pivot:
 * O(m) on average where a sort is O(m log m) (at 2,880 scores the native sort was most of FastV's 0.2 ms).
 * Deterministic (no random pivots); only the value is returned, so ties need no rule here.
 */
function kthLargest(scores: ArrayLike<number>, among: ArrayLike<number>, k: number): number {
  const m = among.length;
  const values = new Float64Array(m);
  for (let t = 0; t < m; t++) values[t] = scores[among[t] as number] as number;
  const target = k - 1; // position in descending order
  let lo = 0;
  let hi = m - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const a = values[lo] as number;
    const b = values[mid] as number;
    const c = values[hi] as number;
    const pivot = a > b ? (b > c ? b : a > c ? c : a) : a > c ? a : b > c ? c : b;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while ((values[i] as number) > pivot) i++;
      while ((values[j] as number) < pivot) j--;
      if (i <= j) {
        const swap = values[i] as number;
        values[i] = values[j] as number;
        values[j] = swap;
        i++;
        j--;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else break;
  }
  return values[target] as number;
}

/**
 * Indices of `among` ordered by score descending; ties go to the lower index so that results never depend on
 * the sort implementation.
 */
export function orderByScore(scores: ArrayLike<number>, among: ArrayLike<number>): Int32Array {
  const order = Int32Array.from(among);
  order.sort((a, b) => {
    const diff = (scores[b] as number) - (scores[a] as number);
    return diff !== 0 ? diff : a - b;
  });
  return order;
}

/**
 * The k indices of `among` with the highest scores (ties to the lower index), best first. Only the candidates
 * at or above the k-th best value (found by quickselect) are sorted with the comparator.
 */
export function topK(scores: ArrayLike<number>, among: ArrayLike<number>, k: number): Int32Array {
  const m = among.length;
  if (k <= 0) return new Int32Array(0);
  if (k >= m) return orderByScore(scores, among);
  const threshold = kthLargest(scores, among, k);
  const contenders: number[] = [];
  for (let t = 0; t < m; t++) {
    const i = among[t] as number;
    if ((scores[i] as number) >= threshold) contenders.push(i);
  }
  return orderByScore(scores, contenders).subarray(0, k);
}

/**
 * The same k indices as `topK`, as a set (in `among` order): no comparator sort, which is what makes plain
 * top-k methods cost microseconds.
 */
export function topKSet(scores: ArrayLike<number>, among: ArrayLike<number>, k: number): Int32Array {
  const m = among.length;
  if (k <= 0) return new Int32Array(0);
  if (k >= m) return Int32Array.from(among);
  const threshold = kthLargest(scores, among, k);
  const out = new Int32Array(k);
  const ties: number[] = [];
  let filled = 0;
  for (let t = 0; t < m; t++) {
    const i = among[t] as number;
    const v = scores[i] as number;
    if (v > threshold) out[filled++] = i;
    else if (v === threshold) ties.push(i);
  }
  const tied = Int32Array.from(ties).sort();
  for (let t = 0; filled < k; t++) out[filled++] = tied[t] as number;
  return out;
}

/** Index of the largest value among `among` (ties to the lower index), or -1 when `among` is empty. */
export function argmax(values: ArrayLike<number>, among: ArrayLike<number>): number {
  let best = -1;
  let bestValue = -Infinity;
  for (let t = 0; t < among.length; t++) {
    const i = among[t] as number;
    const v = values[i] as number;
    if (best === -1 || v > bestValue || (v === bestValue && i < best)) {
      best = i;
      bestValue = v;
    }
  }
  return best;
}

/**
 * Rows `indices` of a [? * d] matrix, packed. A run of consecutive ascending indices is returned as a view
 * (no copy): callers treat the result as read-only.
 */
export function gatherRows(a: Float32Array, d: number, indices: ArrayLike<number>): Float32Array {
  const first = indices[0] as number;
  let consecutive = true;
  for (let t = 1; t < indices.length && consecutive; t++) consecutive = indices[t] === first + t;
  if (consecutive && indices.length > 0) return a.subarray(first * d, (first + indices.length) * d);
  const out = new Float32Array(indices.length * d);
  for (let t = 0; t < indices.length; t++) {
    const i = indices[t] as number;
    out.set(a.subarray(i * d, i * d + d), t * d);
  }
  return out;
}
