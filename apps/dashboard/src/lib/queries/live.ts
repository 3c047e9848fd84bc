import { sql } from 'drizzle-orm';
import { results, shards, sweeps, workers, type PrunebenchDb } from '@prunebench/db';

/**
 * A cheap fingerprint of everything the pages show: newest result (rowid lookup), shard states (covered by the
 * state index), newest heartbeat and sweep. Browsers poll it and re-render only when it changes.
 */
export function liveFingerprint(db: PrunebenchDb): string {
  const newestResult = db.select({ id: sql<number | null>`max(${results.id})` }).from(results).get()?.id ?? 0;
  const shardStates = db
    .select({ state: shards.state, count: sql<number>`count(*)` })
    .from(shards)
    .groupBy(shards.state)
    .all()
    .map((s) => `${s.state}:${s.count}`)
    .join(',');
  const heartbeat = db.select({ at: sql<number | null>`max(${workers.lastHeartbeatAt})`, n: sql<number>`count(*)` }).from(workers).get();
  const sweep = db.select({ id: sql<number | null>`max(${sweeps.id})`, states: sql<string | null>`group_concat(${sweeps.state})` }).from(sweeps).get();
  return [newestResult, shardStates, heartbeat?.at ?? 0, heartbeat?.n ?? 0, sweep?.id ?? 0, sweep?.states ?? ''].join('|');
}
