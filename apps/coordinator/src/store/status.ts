import { jobs, shards, sweeps, type Sweep } from '@prunebench/db';
import type { JobStatus, SweepStatus } from '@prunebench/proto';
import { and, asc, desc, eq, sql } from 'drizzle-orm';
import type { Context } from '../context.ts';

const MAX_FAILURES_LISTED = 50;

function summary(sweep: Sweep, samples: number, samplesDone: number): SweepStatus {
  return {
    sweepId: sweep.id,
    name: sweep.name,
    state: sweep.state,
    priority: sweep.priority,
    createdAtMs: sweep.createdAt,
    finishedAtMs: sweep.finishedAt ?? 0,
    samples,
    samplesDone,
    jobs: [],
    failures: [],
  };
}

/** One sweep with per-job progress, shard counts by state and the failed shards' last errors. */
export function sweepStatus(ctx: Context, sweepId: number): SweepStatus | undefined {
  const sweep = ctx.db.select().from(sweeps).where(eq(sweeps.id, sweepId)).get();
  if (!sweep) return undefined;
  const counts = ctx.db
    .select({ jobId: shards.jobId, state: shards.state, n: sql<number>`count(*)` })
    .from(shards)
    .where(eq(shards.sweepId, sweepId))
    .groupBy(shards.jobId, shards.state)
    .all();
  const byJob = new Map<number, Record<string, number>>();
  for (const c of counts) byJob.set(c.jobId, { ...(byJob.get(c.jobId) ?? {}), [c.state]: c.n });
  const jobRows = ctx.db.select().from(jobs).where(eq(jobs.sweepId, sweepId)).orderBy(asc(jobs.id)).all();
  const jobStatuses: JobStatus[] = jobRows.map((job) => {
    const c = byJob.get(job.id) ?? {};
    return {
      jobId: job.id,
      model: job.model,
      benchmark: job.benchmark,
      method: job.method,
      keep: job.keep,
      policy: job.policy,
      state: job.state,
      samples: job.samples,
      samplesDone: job.samplesDone,
      shards: Object.values(c).reduce((a, b) => a + b, 0),
      shardsDone: c.done ?? 0,
      shardsLeased: c.leased ?? 0,
      shardsFailed: c.failed ?? 0,
    };
  });
  const failures = ctx.db
    .select()
    .from(shards)
    .where(and(eq(shards.sweepId, sweepId), eq(shards.state, 'failed')))
    .limit(MAX_FAILURES_LISTED)
    .all()
    .map((s) => ({ shardId: s.id, jobId: s.jobId, attempts: s.attempts, lastError: s.lastError ?? '' }));
  const status = summary(
    sweep,
    jobRows.reduce((sum, j) => sum + j.samples, 0),
    jobRows.reduce((sum, j) => sum + j.samplesDone, 0),
  );
  return { ...status, jobs: jobStatuses, failures };
}

/** Every sweep, newest first, without per-job detail. */
export function allSweeps(ctx: Context): SweepStatus[] {
  const totals = new Map(
    ctx.db
      .select({ sweepId: jobs.sweepId, samples: sql<number>`sum(${jobs.samples})`, done: sql<number>`sum(${jobs.samplesDone})` })
      .from(jobs)
      .groupBy(jobs.sweepId)
      .all()
      .map((t) => [t.sweepId, t]),
  );
  return ctx.db
    .select()
    .from(sweeps)
    .orderBy(desc(sweeps.id))
    .all()
    .map((sweep) => summary(sweep, totals.get(sweep.id)?.samples ?? 0, totals.get(sweep.id)?.done ?? 0));
}

export function isFinished(state: string): boolean {
  return state === 'done' || state === 'failed' || state === 'cancelled';
}
