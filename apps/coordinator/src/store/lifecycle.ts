import { jobs, shards, sweeps, workers, type Shard } from '@prunebench/db';
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Context, Timing } from '../context.ts';

type Tx = Parameters<Parameters<Context['db']['transaction']>[0]>[0];
type Db = Context['db'] | Tx;

export function backoffMs(timing: Timing, attempts: number): number {
  return Math.min(timing.retryMaxMs, timing.retryBaseMs * 2 ** Math.max(0, attempts - 1));
}

const p = (name: string) => sql.placeholder(name);

/** rollUp's statements, prepared once per database (it runs in every shard completion's transaction). */
function buildRollUpStatements(db: Context['db']) {
  const countShards = (states: Array<(typeof shards.state.enumValues)[number]>) =>
    db
      .select({ n: sql<number>`count(*)` })
      .from(shards)
      .where(and(eq(shards.jobId, p('jobId')), inArray(shards.state, states)))
      .prepare();
  const countJobs = (states: Array<(typeof jobs.state.enumValues)[number]>) =>
    db
      .select({ n: sql<number>`count(*)` })
      .from(jobs)
      .where(and(eq(jobs.sweepId, p('sweepId')), inArray(jobs.state, states)))
      .prepare();
  return {
    openShards: countShards(['queued', 'leased']),
    failedShards: countShards(['failed']),
    finishJob: db
      .update(jobs)
      .set({ state: sql`${p('state')}` })
      .where(and(eq(jobs.id, p('jobId')), inArray(jobs.state, ['queued', 'running'])))
      .prepare(),
    openJobs: countJobs(['queued', 'running']),
    failedJobs: countJobs(['failed']),
    finishSweep: db
      .update(sweeps)
      .set({ state: sql`${p('state')}`, finishedAt: sql`${p('now')}` })
      .where(and(eq(sweeps.id, p('sweepId')), inArray(sweeps.state, ['queued', 'running'])))
      .prepare(),
  };
}

const rollUpByDb = new WeakMap<Context['db'], ReturnType<typeof buildRollUpStatements>>();

/**
 * After a shard reached a final state: a job whose shards are all final is done (or failed when one failed), and a
 * sweep whose jobs are all final likewise. Cancelled jobs and sweeps stay cancelled. Runs inside the caller's
 * transaction (the statements share its connection).
 */
export function rollUp(ctx: Context, jobId: number, sweepId: number, now: number): void {
  let st = rollUpByDb.get(ctx.db);
  if (!st) {
    st = buildRollUpStatements(ctx.db);
    rollUpByDb.set(ctx.db, st);
  }
  if ((st.openShards.get({ jobId })?.n ?? 0) > 0) return;
  st.finishJob.run({ jobId, state: (st.failedShards.get({ jobId })?.n ?? 0) > 0 ? 'failed' : 'done' });
  if ((st.openJobs.get({ sweepId })?.n ?? 0) > 0) return;
  st.finishSweep.run({ sweepId, now, state: (st.failedJobs.get({ sweepId })?.n ?? 0) > 0 ? 'failed' : 'done' });
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
    rollUp(ctx, shard.jobId, shard.sweepId, now);
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
