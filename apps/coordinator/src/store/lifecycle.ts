import { jobs, shards, sweeps, workers, type Shard } from '@prunebench/db';
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Context, Timing } from '../context.ts';

type Tx = Parameters<Parameters<Context['db']['transaction']>[0]>[0];
type Db = Context['db'] | Tx;

export function backoffMs(timing: Timing, attempts: number): number {
  return Math.min(timing.retryMaxMs, timing.retryBaseMs * 2 ** Math.max(0, attempts - 1));
}

/**
 * After a shard reached a final state: a job whose shards are all final is done (or failed when one failed), and a
 * sweep whose jobs are all final likewise. Cancelled jobs and sweeps stay cancelled.
 */
export function rollUp(db: Db, jobId: number, sweepId: number, now: number): void {
  const open = db
    .select({ n: sql<number>`count(*)` })
    .from(shards)
    .where(and(eq(shards.jobId, jobId), inArray(shards.state, ['queued', 'leased'])))
    .get();
  if ((open?.n ?? 0) > 0) return;
  const failed = db
    .select({ n: sql<number>`count(*)` })
    .from(shards)
    .where(and(eq(shards.jobId, jobId), eq(shards.state, 'failed')))
    .get();
  db.update(jobs)
    .set({ state: (failed?.n ?? 0) > 0 ? 'failed' : 'done' })
    .where(and(eq(jobs.id, jobId), inArray(jobs.state, ['queued', 'running'])))
    .run();
  const openJobs = db
    .select({ n: sql<number>`count(*)` })
    .from(jobs)
    .where(and(eq(jobs.sweepId, sweepId), inArray(jobs.state, ['queued', 'running'])))
    .get();
  if ((openJobs?.n ?? 0) > 0) return;
  const failedJobs = db
    .select({ n: sql<number>`count(*)` })
    .from(jobs)
    .where(and(eq(jobs.sweepId, sweepId), eq(jobs.state, 'failed')))
    .get();
  db.update(sweeps)
    .set({ state: (failedJobs?.n ?? 0) > 0 ? 'failed' : 'done', finishedAt: now })
    .where(and(eq(sweeps.id, sweepId), inArray(sweeps.state, ['queued', 'running'])))
    .run();
}

/**
 * One attempt at a shard ended without finishing it: back to the queue after a backoff, or failed for good with
 * its last error once the sweep's attempts are used up. Returns true when the failure is final.
 */
export function endAttempt(ctx: Context, db: Db, shard: Shard, error: string): boolean {
  const sweep = db.select({ maxAttempts: sweeps.maxAttempts }).from(sweeps).where(eq(sweeps.id, shard.sweepId)).get();
  const now = ctx.now();
  const final = shard.attempts >= (sweep?.maxAttempts ?? 1);
  if (final) {
    db.update(shards)
      .set({ state: 'failed', leaseOwner: null, leaseDeadline: null, lastError: error, finishedAt: now })
      .where(eq(shards.id, shard.id))
      .run();
    rollUp(db, shard.jobId, shard.sweepId, now);
  } else {
    db.update(shards)
      .set({
        state: 'queued',
        leaseOwner: null,
        leaseDeadline: null,
        lastError: error,
        nextAttemptAt: now + backoffMs(ctx.timing, shard.attempts),
      })
      .where(eq(shards.id, shard.id))
      .run();
  }
  ctx.log.warn({ shardId: shard.id, attempts: shard.attempts, final, error }, 'shard attempt ended');
  return final;
}

/** Leases whose deadline passed (the worker died or lost its network) end their attempt. */
export function expireLeases(ctx: Context): number {
  const now = ctx.now();
  // A worker silent for a whole lease TTL is gone (crashed or cut off); it comes back by registering again.
  ctx.db
    .update(workers)
    .set({ state: 'gone', currentShardId: null })
    .where(and(eq(workers.state, 'active'), sql`${workers.lastHeartbeatAt} < ${now - ctx.timing.leaseTtlMs}`))
    .run();
  const expired = ctx.db
    .select()
    .from(shards)
    .where(and(eq(shards.state, 'leased'), sql`${shards.leaseDeadline} < ${now}`))
    .all();
  if (expired.length === 0) return 0;
  const sweepIds = new Set<number>();
  ctx.db.transaction((tx) => {
    for (const shard of expired) {
      endAttempt(ctx, tx, shard, `lease expired: worker ${shard.leaseOwner ?? '?'} stopped heartbeating`);
      sweepIds.add(shard.sweepId);
    }
  });
  for (const id of sweepIds) ctx.events.emit('change', id);
  return expired.length;
}

/**
 * After a coordinator restart, workers that kept running deserve a full TTL to reach us again before their leases
 * count as expired.
 */
export function graceLeasesAfterRestart(ctx: Context): void {
  ctx.db
    .update(shards)
    .set({ leaseDeadline: ctx.now() + ctx.timing.leaseTtlMs })
    .where(eq(shards.state, 'leased'))
    .run();
}
