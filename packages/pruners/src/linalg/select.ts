/**
 * Scratch for the selections below, grown to the largest candidate count seen and reused: allocating fresh
 * arrays per call (23 KB of values at n = 2,880) cost as much as the selection itself. Safe to share because
 * nothing here yields or calls back before it is done with them.
 */
const scratch = {
  values: new Float64Array(0),
  indices: new Int32Array(0),
  ties: new Int32Array(0),
  certain: new Int32Array(0),
};

function floatScratch(name: 'values', length: number): Float64Array {
  if (scratch[name].length < length) scratch[name] = new Float64Array(length);
  return scratch[name];
}

function intScratch(name: 'indices' | 'ties' | 'certain', length: number): Int32Array {
  if (scratch[name].length < length) scratch[name] = new Int32Array(length);
  return scratch[name];
}

/**
 * The cores take typed arrays. Every method passes Float32Array scores and Int32Array candidates to topKSet; keep
 * it so: in a process that had also passed Float64Array scores, these loops went polymorphic and FastV's whole
 * prune went from 20 to 36-40 us. Plain arrays (tests, small lists) are copied once, to float64 so that no score
 * changes.
 */
type Scores = Float32Array | Float64Array;

function asScores(scores: ArrayLike<number>): Scores {
  return scores instanceof Float32Array || scores instanceof Float64Array ? scores : Float64Array.from(scores as ArrayLike<number>);
}

function asIndices(among: ArrayLike<number>): Int32Array {
  return among instanceof Int32Array ? among : Int32Array.from(among as ArrayLike<number>);
}

/**
 * The value at position `target` of values[0..count) in descending order, by an in-place quickselect with a
 * median-of-three pivot: O(count) on average where a sort is O(count log count) (at 2,880 scores the native sort
 * was most of FastV's 0.2 ms). Deterministic (no random pivots); only the value is returned, so ties need no rule.
 */
function selectDescending(values: Float64Array, count: number, target: number): number {
  let lo = 0;
  let hi = count - 1;
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

/** The k-th largest of `scores` over `among` (1 <= k <= among.length). */
function kthLargest(scores: Scores, among: Int32Array, k: number): number {
  const m = among.length;
  const values = floatScratch('values', m);
  for (let t = 0; t < m; t++) values[t] = scores[among[t] as number] as number;
  return selectDescending(values, m, k - 1);
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
  const threshold = kthLargest(asScores(scores), asIndices(among), k);
  const contenders: number[] = [];
  for (let t = 0; t < m; t++) {
    const i = among[t] as number;
    if ((scores[i] as number) >= threshold) contenders.push(i);
  }
  return orderByScore(scores, contenders).subarray(0, k);
}

/** Below this many candidates the sampled selection's setup costs more than it saves. */
const SAMPLED_MIN_CANDIDATES = 1024;
/** Sample size and the half-width, in standard deviations of the sample rank, of the bracket around the k-th value. */
const SAMPLE_SIZE = 256;
const BRACKET_SIGMAS = 3;

/**
 * The same k indices as `topK`, with no comparator sort (which is what makes plain top-k methods cost
 * microseconds). Ascending when `among` is. From 1,024 candidates on, the selection is Floyd and Rivest's: a
 * strided sample brackets the k-th best value, one pass keeps the scores above the bracket outright and sets the
 * few inside it aside, and only those few are quickselected (a full quickselect touches every score ~3 times).
 * A bracket the data escapes (adversarial strides) falls back to the full quickselect, so the result never depends
 * on the sample.
 */
export function topKSet(scores: ArrayLike<number>, among: ArrayLike<number>, k: number): Int32Array {
  const m = among.length;
  if (k <= 0) return new Int32Array(0);
  if (k >= m) return Int32Array.from(among);
  const typedScores = asScores(scores);
  const indices = asIndices(among);
  if (m >= SAMPLED_MIN_CANDIDATES) {
    const bySample = topKSetBySample(typedScores, indices, k);
    if (bySample) return bySample;
  }
  return pickAtThreshold(typedScores, indices, m, kthLargest(typedScores, indices, k), k);
}

function topKSetBySample(scores: Scores, among: Int32Array, k: number): Int32Array | null {
  const m = among.length;
  const sample = new Float64Array(SAMPLE_SIZE);
  for (let s = 0; s < SAMPLE_SIZE; s++) sample[s] = scores[among[Math.floor(((s + 0.5) * m) / SAMPLE_SIZE)] as number] as number;
  const share = k / m;
  const spread = BRACKET_SIGMAS * Math.sqrt(SAMPLE_SIZE * share * (1 - share)) + 1;
  const upperRank = Math.floor(share * SAMPLE_SIZE - spread);
  const lowerRank = Math.ceil(share * SAMPLE_SIZE + spread);
  const upper = upperRank < 0 ? Infinity : selectDescending(sample, SAMPLE_SIZE, upperRank);
  const lower = lowerRank >= SAMPLE_SIZE ? -Infinity : selectDescending(sample, SAMPLE_SIZE, lowerRank);

  const certain = intScratch('certain', k);
  const bracketed = intScratch('indices', m);
  const bracketedValues = floatScratch('values', m);
  let certainCount = 0;
  let bracketedCount = 0;
  for (let t = 0; t < m; t++) {
    const i = among[t] as number;
    const v = scores[i] as number;
    if (v > upper) {
      if (certainCount === k) return null;
      certain[certainCount++] = i;
    } else if (v >= lower) {
      bracketed[bracketedCount] = i;
      bracketedValues[bracketedCount++] = v;
    }
  }
  // The k-th best must lie inside the bracket: fewer than k above it, at least k at or above its lower end.
  if (certainCount >= k || certainCount + bracketedCount < k) return null;
  const need = k - certainCount;
  const threshold = selectDescending(bracketedValues, bracketedCount, need - 1);
  const picked = pickAtThreshold(scores, bracketed, bracketedCount, threshold, need);
  return mergeAscending(certain, certainCount, picked);
}

/**
 * The `need` entries of list[0..count) that score above `threshold` or, lowest index first, at it (threshold being
 * the need-th best score there). Ascending when `list` is.
 */
function pickAtThreshold(scores: Scores, list: Int32Array, count: number, threshold: number, need: number): Int32Array {
  const ties = intScratch('ties', count);
  let aboveCount = 0;
  let tieCount = 0;
  for (let t = 0; t < count; t++) {
    const i = list[t] as number;
    const v = scores[i] as number;
    if (v > threshold) aboveCount++;
    else if (v === threshold) ties[tieCount++] = i;
  }
  // Usually the one tie is the threshold's own score. A real tie goes to the lowest indices.
  let lastTie = Infinity;
  if (tieCount > need - aboveCount) {
    const tied = ties.subarray(0, tieCount).sort();
    lastTie = tied[need - aboveCount - 1] as number;
  }
  const out = new Int32Array(need);
  let filled = 0;
  for (let t = 0; t < count; t++) {
    const i = list[t] as number;
    const v = scores[i] as number;
    if (v > threshold || (v === threshold && i <= lastTie)) out[filled++] = i;
  }
  return out;
}

/** a[0..aCount) and b, both ascending, merged into one ascending (fresh) array. */
export function mergeAscending(a: Int32Array, aCount: number, b: Int32Array): Int32Array {
  const out = new Int32Array(aCount + b.length);
  let ia = 0;
  let ib = 0;
  for (let t = 0; t < out.length; t++) {
    const fromA = ib >= b.length || (ia < aCount && (a[ia] as number) < (b[ib] as number));
    out[t] = fromA ? (a[ia++] as number) : (b[ib++] as number);
  }
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
