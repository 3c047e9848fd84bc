/**
 * Percentile bootstrap of a mean over samples. Deterministic: the same scores and seed give the same band, so a
 * page reload never makes the band jitter.
 */
export interface MeanInterval {
  mean: number;
  low: number;
  high: number;
  n: number;
}

export interface BootstrapOptions {
  resamples?: number;
  /** Two-sided coverage, e.g. 0.95. */
  confidence?: number;
  seed?: number;
}

/** mulberry32: tiny, fast, good enough for resampling indices. */
function makeRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function quantileOfSorted(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const position = (sorted.length - 1) * q;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  const a = sorted[lower] ?? Number.NaN;
  const b = sorted[upper] ?? Number.NaN;
  return a + (b - a) * (position - lower);
}

export function bootstrapMean(scores: ArrayLike<number>, options: BootstrapOptions = {}): MeanInterval {
  const n = scores.length;
  if (n === 0) return { mean: Number.NaN, low: Number.NaN, high: Number.NaN, n: 0 };
  let total = 0;
  for (let i = 0; i < n; i++) total += scores[i] ?? 0;
  const mean = total / n;
  if (n === 1) return { mean, low: mean, high: mean, n };

  const resamples = options.resamples ?? 200;
  const confidence = options.confidence ?? 0.95;
  const random = makeRandom(options.seed ?? 1);
  const means = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += scores[Math.floor(random() * n)] ?? 0;
    means[r] = sum / n;
  }
  means.sort();
  const tail = (1 - confidence) / 2;
  return { mean, low: quantileOfSorted(means, tail), high: quantileOfSorted(means, 1 - tail), n };
}
