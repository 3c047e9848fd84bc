import { benchmarks, jobs, models, results, shards, sweeps, workers, type Job, type Shard, type Worker } from '@prunebench/db';
import { and, asc, desc, eq, gte, inArray, lt, min, sql } from 'drizzle-orm';
import type { Context } from '../context.ts';
import { endAttempt, rollUp } from './lifecycle.ts';

export interface GrantedLease {
  shard: Shard;
  job: Job;
  modelHash: string;
  benchmarkHash: string;
  seed: number;
  doneSampleIndices: number[];
}

export type LeaseOutcome = { granted: GrantedLease } | { granted: null; retryAfterMs: number; reason: string };

const p = (name: string) => sql.placeholder(name);

/**
 * The statements every lease, heartbeat and completion runs, prepared once per database: built per call, Drizzle
 * re-rendered and SQLite re-compiled each of them, about half the cost of these RPCs (64-worker benchmark: 1,400
 * leases and completions and ~1,800 heartbeats in 14 s).
 */
function buildStatements(db: Context['db']) {
  return {
    worker: db.select().from(workers).where(eq(workers.id, p('workerId'))).prepare(),
    activeSweeps: db
      .select({ id: sweeps.id, spec: sweeps.spec })
      .from(sweeps)
      .where(and(inArray(sweeps.state, ['queued', 'running']), eq(sweeps.simulated, p('simulated'))))
      .orderBy(desc(sweeps.priority), asc(sweeps.id))
      .prepare(),
    // The unary `+` keeps SQLite off the (state, next_attempt_at) and (job, state) indexes, which it picked on its
    // own and which read and sorted every queued shard per lease; walking (sweep, state, id) in id order stops at
    // the first shard that fits. The job ids come as one JSON array so the statement is prepared once.
    firstQueued: db
      .select()
      .from(shards)
      .where(
        and(
          eq(shards.sweepId, p('sweepId')),
          eq(shards.state, 'queued'),
          sql`+${shards.nextAttemptAt} <= ${p('now')}`,
          sql`+${shards.jobId} in (select value from json_each(${p('jobIds')}))`,
        ),
      )
      .orderBy(asc(shards.id))
      .limit(1)
      .prepare(),
    openJobs: db
      .select()
      .from(jobs)
      .where(and(eq(jobs.sweepId, p('sweepId')), inArray(jobs.state, ['queued', 'running'])))
      .prepare(),
    takeShard: db
      .update(shards)
      .set({ state: 'leased', leaseOwner: sql`${p('workerId')}`, leaseDeadline: sql`${p('deadline')}`, attempts: sql`${shards.attempts} + 1` })
      .where(and(eq(shards.id, p('shardId')), eq(shards.state, 'queued')))
      .returning()
      .prepare(),
    jobRunning: db
      .update(jobs)
      .set({ state: 'running' })
      .where(and(eq(jobs.id, p('jobId')), eq(jobs.state, 'queued')))
      .prepare(),
    sweepRunning: db
      .update(sweeps)
      .set({ state: 'running' })
      .where(and(eq(sweeps.id, p('sweepId')), eq(sweeps.state, 'queued')))
      .prepare(),
    workerOnShard: db
      .update(workers)
      .set({ currentShardId: sql`${p('shardId')}`, lastHeartbeatAt: sql`${p('now')}`, state: 'active' })
      .where(eq(workers.id, p('workerId')))
      .prepare(),
    storedIndices: db
      .select({ index: results.sampleIndex })
      .from(results)
      .where(and(eq(results.jobId, p('jobId')), gte(results.sampleIndex, p('start')), lt(results.sampleIndex, p('end'))))
      .prepare(),
    storedCount: db
      .select({ n: sql<number>`count(*)` })
      .from(results)
      .where(and(eq(results.jobId, p('jobId')), gte(results.sampleIndex, p('start')), lt(results.sampleIndex, p('end'))))
      .prepare(),
    modelHash: db.select({ contentHash: models.contentHash }).from(models).where(eq(models.name, p('name'))).prepare(),
    benchmarkHash: db.select({ contentHash: benchmarks.contentHash }).from(benchmarks).where(eq(benchmarks.name, p('name'))).prepare(),
    touchWorker: db
      .update(workers)
      .set({ lastHeartbeatAt: sql`${p('now')}`, state: 'active' })
      .where(eq(workers.id, p('workerId')))
      .prepare(),
    extendLease: db
      .update(shards)
      .set({ leaseDeadline: sql`${p('deadline')}` })
      .where(and(eq(shards.id, p('shardId')), eq(shards.state, 'leased'), eq(shards.leaseOwner, p('workerId'))))
      .prepare(),
    shard: db.select().from(shards).where(eq(shards.id, p('shardId'))).prepare(),
    finishShard: db
      .update(shards)
      .set({ state: 'done', leaseOwner: null, leaseDeadline: null, finishedAt: sql`${p('now')}` })
      .where(eq(shards.id, p('shardId')))
      .prepare(),
    workerOffShard: db.update(workers).set({ currentShardId: null }).where(eq(workers.id, p('workerId'))).prepare(),
  };
}

const preparedByDb = new WeakMap<Context['db'], ReturnType<typeof buildStatements>>();

function statements(ctx: Context): ReturnType<typeof buildStatements> {
  let prepared = preparedByDb.get(ctx.db);
  if (!prepared) {
    prepared = buildStatements(ctx.db);
    preparedByDb.set(ctx.db, prepared);
  }
  return prepared;
}

/** The reason given when no queued or running sweep is one this worker may serve (an idle fleet). */
export const NO_ACTIVE_SWEEP = 'no active sweep this worker can serve';

interface EligibleSweep {
  id: number;
  seed: number;
}

/**
 * Sweeps this worker may serve, best first (priority, then age): same simulated-ness, and the sweep's provider and
 * memory requirements met.
 */
function eligibleSweeps(ctx: Context, worker: Worker): EligibleSweep[] {
  const caps = worker.capabilities;
  return statements(ctx)
    // Placeholders are bound as given (no column mapping): the boolean column stores 0 or 1.
    .activeSweeps.all({ simulated: caps.simulated ? 1 : 0 })
    .filter(({ spec }) => {
      const req = (spec.requirements ?? {}) as { providers?: string[]; minMemoryGb?: number };
      if (req.providers && !req.providers.includes(caps.provider)) return false;
      if (req.minMemoryGb !== undefined && caps.memoryBytes < req.minMemoryGb * 1e9) return false;
      return true;
    })
    .map(({ id, spec }) => ({ id, seed: Number(spec.seed ?? 0) }));
}

/** Names of models and benchmarks the worker has with exactly the registered content. */
function matchingAssets(ctx: Context, worker: Worker): { models: Set<string>; benchmarks: Set<string> } {
  const caps = worker.capabilities;
  const registeredModels = new Map(ctx.db.select().from(models).all().map((m) => [m.name, m.contentHash]));
  const registeredBenches = new Map(ctx.db.select().from(benchmarks).all().map((b) => [b.name, b.contentHash]));
  return {
    models: new Set(caps.models.filter((m) => registeredModels.get(m.name) === m.contentHash).map((m) => m.name)),
    benchmarks: new Set(caps.benchmarks.filter((b) => registeredBenches.get(b.name) === b.contentHash).map((b) => b.name)),
  };
}

/** The sweep's oldest leasable shard among `jobIds` (walks the (sweep, state, id) index; cheap per lease). */
function firstQueued(ctx: Context, sweepId: number, jobIds: number[], now: number): Shard | undefined {
  if (jobIds.length === 0) return undefined;
  return statements(ctx).firstQueued.get({ sweepId, now, jobIds: JSON.stringify(jobIds) });
}

/**
 * Pull-based leasing: the highest-priority (then oldest) sweep's next queued shard that this worker can run,
 * preferring the model it ran last so it need not load another. Runs synchronously, so two leases never race.
 */
export function leaseShard(ctx: Context, workerId: string): LeaseOutcome {
  const st = statements(ctx);
  const worker = st.worker.get({ workerId });
  if (!worker) throw new Error(`unknown worker ${workerId}: register first`);
  const now = ctx.now();
  const idle = ctx.timing.heartbeatIntervalMs;
  const candidates = eligibleSweeps(ctx, worker);
  if (candidates.length === 0) return { granted: null, retryAfterMs: idle, reason: NO_ACTIVE_SWEEP };
  const assets = worker.capabilities.simulated ? undefined : matchingAssets(ctx, worker);
  const previousModel = ctx.lastModelByWorker.get(workerId);

  let found: { shard: Shard; job: Job; seed: number } | undefined;
  let soonest = Number.POSITIVE_INFINITY;
  for (const sweep of candidates) {
    const open = st.openJobs
      .all({ sweepId: sweep.id })
      .filter((job) => !assets || (assets.models.has(job.model) && assets.benchmarks.has(job.benchmark)));
    const sameModel = open.filter((job) => job.model === previousModel).map((job) => job.id);
    const shard = firstQueued(ctx, sweep.id, sameModel, now) ?? firstQueued(ctx, sweep.id, open.map((job) => job.id), now);
    if (shard) {
      found = { shard, job: open.find((job) => job.id === shard.jobId)!, seed: sweep.seed };
      break;
    }
    if (open.length > 0) {
      const waiting = ctx.db
        .select({ next: min(shards.nextAttemptAt) })
        .from(shards)
        .where(and(eq(shards.sweepId, sweep.id), eq(shards.state, 'queued'), inArray(shards.jobId, open.map((job) => job.id))))
        .get();
      if (waiting?.next != null) soonest = Math.min(soonest, waiting.next);
    }
  }
  if (!found) {
    if (Number.isFinite(soonest)) {
      return { granted: null, retryAfterMs: Math.max(10, Math.min(idle, soonest - now)), reason: 'shards waiting out their retry backoff' };
    }
    return { granted: null, retryAfterMs: idle, reason: 'no queued shard matches this worker (models, benchmarks, provider)' };
  }

  const { shard, job, seed } = found;
  const deadline = now + ctx.timing.leaseTtlMs;
  const leased = ctx.db.transaction(() => {
    const updated = st.takeShard.get({ shardId: shard.id, workerId, deadline });
    st.jobRunning.run({ jobId: job.id });
    st.sweepRunning.run({ sweepId: shard.sweepId });
    st.workerOnShard.run({ shardId: shard.id, now, workerId });
    return updated;
  });
  if (!leased) return { granted: null, retryAfterMs: 10, reason: 'shard taken meanwhile' };
  const done = st.storedIndices.all({ jobId: job.id, start: shard.sampleStart, end: shard.sampleEnd });
  ctx.lastModelByWorker.set(workerId, job.model);
  ctx.events.emit('change', shard.sweepId);
  return {
    granted: {
      shard: leased,
      job,
      modelHash: st.modelHash.get({ name: job.model })?.contentHash ?? '',
      benchmarkHash: st.benchmarkHash.get({ name: job.benchmark })?.contentHash ?? '',
      seed,
      doneSampleIndices: done.map((d) => d.index),
    },
  };
}

export interface HeartbeatOutcome {
  known: boolean;
  leaseLost: boolean;
  leaseDeadline: number;
}

/** Marks the worker alive and extends its lease, or tells it the lease is gone (cancelled, expired, re-leased). */
export function heartbeat(ctx: Context, workerId: string, shardId: number): HeartbeatOutcome {
  const now = ctx.now();
  const st = statements(ctx);
  const touched = st.touchWorker.run({ now, workerId });
  if (touched.changes === 0) return { known: false, leaseLost: shardId !== 0, leaseDeadline: 0 };
  if (shardId === 0) return { known: true, leaseLost: false, leaseDeadline: 0 };
  const deadline = now + ctx.timing.leaseTtlMs;
  const extended = st.extendLease.run({ deadline, shardId, workerId });
  return { known: true, leaseLost: extended.changes === 0, leaseDeadline: extended.changes ? deadline : 0 };
}

function ownedShard(ctx: Context, workerId: string, shardId: number): Shard | undefined {
  return ctx.db
    .select()
    .from(shards)
    .where(and(eq(shards.id, shardId), eq(shards.state, 'leased'), eq(shards.leaseOwner, workerId)))
    .get();
}

export function missingSamples(ctx: Context, shard: Shard): number {
  const stored = statements(ctx).storedCount.get({ jobId: shard.jobId, start: shard.sampleStart, end: shard.sampleEnd });
  return shard.sampleEnd - shard.sampleStart - (stored?.n ?? 0);
}

/**
 * A shard is done when every one of its samples has a stored result, whoever leased it last: a worker whose lease
 * expired but who still finished saves the re-leased copy its work (that copy then learns it lost the lease).
 */
export function completeShard(ctx: Context, workerId: string, shardId: number): { accepted: boolean; missing: number } {
  const st = statements(ctx);
  const shard = st.shard.get({ shardId });
  if (!shard) throw new Error(`no shard ${shardId}`);
  if (shard.state === 'done') return { accepted: true, missing: 0 };
  if (shard.state === 'cancelled' || shard.state === 'failed') return { accepted: false, missing: 0 };
  const missing = missingSamples(ctx, shard);
  const now = ctx.now();
  ctx.db.transaction((tx) => {
    if (missing === 0) {
      st.finishShard.run({ now, shardId: shard.id });
      rollUp(ctx, shard.jobId, shard.sweepId, now);
    } else if (shard.state === 'leased' && shard.leaseOwner === workerId) {
      endAttempt(ctx, tx, shard, `worker ${workerId} completed the shard with ${missing} samples unreported`);
    }
    st.workerOffShard.run({ workerId });
  });
  ctx.events.emit('change', shard.sweepId);
  return { accepted: missing === 0, missing };
}

export function failShard(ctx: Context, workerId: string, shardId: number, error: string): { final: boolean } {
  const shard = ownedShard(ctx, workerId, shardId);
  if (!shard) return { final: false };
  const final = ctx.db.transaction((tx) => endAttempt(ctx, tx, shard, error || 'worker reported a failure'));
  ctx.events.emit('change', shard.sweepId);
  return { final };
}

/** Gives the shard back without counting the attempt (a draining worker); `leaving` marks the worker gone. */
export function releaseShard(ctx: Context, workerId: string, shardId: number, leaving: boolean): void {
  const shard = shardId === 0 ? undefined : ownedShard(ctx, workerId, shardId);
  ctx.db.transaction((tx) => {
    if (shard) {
      tx.update(shards)
        .set({ state: 'queued', leaseOwner: null, leaseDeadline: null, attempts: sql`max(0, ${shards.attempts} - 1)`, nextAttemptAt: 0 })
        .where(eq(shards.id, shard.id))
        .run();
    }
    tx.update(workers)
      .set({ currentShardId: null, ...(leaving ? { state: 'gone' as const } : {}) })
      .where(eq(workers.id, workerId))
      .run();
  });
  if (shard) ctx.events.emit('change', shard.sweepId);
}
