import { desc } from 'drizzle-orm';
import { results, type PrunebenchDb } from '@prunebench/db';

/**
 * Recent throughput from the newest results only (a rowid-ordered tail), so it costs the same on a million rows
 * as on a hundred and needs no index on created_at.
 */
export interface RecentResult {
  sweepId: number;
  workerId: string;
  createdAt: number;
}

export const TAIL_ROWS = 5000;
export const RATE_WINDOW_MS = 5 * 60_000;

export function loadRecentResults(db: PrunebenchDb, rows = TAIL_ROWS): RecentResult[] {
  return db
    .select({ sweepId: results.sweepId, workerId: results.workerId, createdAt: results.createdAt })
    .from(results)
    .orderBy(desc(results.id))
    .limit(rows)
    .all();
}

/**
 * Samples per minute per key over the last window. When the tail holds fewer minutes than the window (a fast
 * fleet), the rate is taken over the span the tail covers.
 */
export function ratesPerMinute<K>(tail: readonly RecentResult[], key: (r: RecentResult) => K, now: number, windowMs = RATE_WINDOW_MS, tailLimit = TAIL_ROWS): Map<K, number> {
  const since = now - windowMs;
  const oldest = tail.length > 0 ? Math.min(...tail.map((r) => r.createdAt)) : now;
  const truncated = tail.length >= tailLimit && oldest > since;
  const spanMs = truncated ? Math.max(1000, now - oldest) : windowMs;
  const counts = new Map<K, number>();
  for (const r of tail) if (r.createdAt >= since) counts.set(key(r), (counts.get(key(r)) ?? 0) + 1);
  return new Map([...counts].map(([k, count]) => [k, count / (spanMs / 60_000)]));
}
