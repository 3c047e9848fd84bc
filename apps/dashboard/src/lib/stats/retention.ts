/**
 * Relative performance, as the pruning papers report it: for each benchmark, pruned score / full-token score of
 * the same model; then the mean over benchmarks. Benchmarks without a full-token reference are left out (and
 * counted), never divided by zero.
 */
export interface BenchmarkScore {
  benchmark: string;
  score: number;
}

export interface Relative {
  /** Mean over benchmarks of pruned / full, 1 = as good as keeping every token. NaN when nothing is comparable. */
  relative: number;
  benchmarks: number;
}

export function relativePerformance(pruned: readonly BenchmarkScore[], full: ReadonlyMap<string, number>): Relative {
  let sum = 0;
  let count = 0;
  for (const { benchmark, score } of pruned) {
    const reference = full.get(benchmark);
    if (reference === undefined || !(reference > 0) || !Number.isFinite(score)) continue;
    sum += score / reference;
    count++;
  }
  return { relative: count === 0 ? Number.NaN : sum / count, benchmarks: count };
}

export interface RetentionPoint {
  keepRatio: number;
  relative: number;
}

/**
 * Area under the retention curve (keep ratio on x, relative performance on y), normalised by the x span so that
 * a method that keeps full performance everywhere scores 1. The full-token point (1, 1) closes the curve, since
 * keeping every token is the reference by definition.
 */
export function retentionArea(points: readonly RetentionPoint[]): number {
  const usable = points.filter((p) => Number.isFinite(p.relative) && p.keepRatio > 0 && p.keepRatio < 1);
  if (usable.length === 0) return Number.NaN;
  const curve = [...usable].sort((a, b) => a.keepRatio - b.keepRatio);
  curve.push({ keepRatio: 1, relative: 1 });
  const first = curve[0];
  if (!first) return Number.NaN;
  let area = 0;
  for (let i = 1; i < curve.length; i++) {
    const a = curve[i - 1];
    const b = curve[i];
    if (!a || !b) continue;
    area += ((a.relative + b.relative) / 2) * (b.keepRatio - a.keepRatio);
  }
  const span = 1 - first.keepRatio;
  return span > 0 ? area / span : Number.NaN;
}
