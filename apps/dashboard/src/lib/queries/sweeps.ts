import { and, desc, eq, isNotNull, sql } from 'drizzle-orm';
import { jobs, shards, sweeps, type PrunebenchDb } from '@prunebench/db';

export interface SweepSummary {
  id: number;
  name: string;
  state: string;
  createdAt: number;
  finishedAt: number | null;
  jobs: number;
  samples: number;
  samplesDone: number;
  shards: Record<string, number>;
}

export function loadSweepSummaries(db: PrunebenchDb): SweepSummary[] {
  const rows = db.select().from(sweeps).orderBy(desc(sweeps.id)).all();
  const jobTotals = db
    .select({
      sweepId: jobs.sweepId,
      jobs: sql<number>`count(*)`,
      samples: sql<number>`sum(${jobs.samples})`,
      samplesDone: sql<number>`sum(${jobs.samplesDone})`,
    })
    .from(jobs)
    .groupBy(jobs.sweepId)
    .all();
  const shardStates = db
    .select({ sweepId: shards.sweepId, state: shards.state, count: sql<number>`count(*)` })
    .from(shards)
    .groupBy(shards.sweepId, shards.state)
    .all();
  const totals = new Map(jobTotals.map((t) => [t.sweepId, t]));
  return rows.map((s) => {
    const t = totals.get(s.id);
    const states: Record<string, number> = {};
    for (const row of shardStates) if (row.sweepId === s.id) states[row.state] = row.count;
    return {
      id: s.id,
      name: s.name,
      state: s.state,
      createdAt: s.createdAt,
      finishedAt: s.finishedAt,
      jobs: t?.jobs ?? 0,
      samples: t?.samples ?? 0,
      samplesDone: t?.samplesDone ?? 0,
      shards: states,
    };
  });
}

export interface JobProgress {
  id: number;
  model: string;
  benchmark: string;
  method: string;
  keep: number;
  policy: string;
  state: string;
  samples: number;
  samplesDone: number;
  shards: Record<string, number>;
}

const STATE_ORDER: Record<string, number> = { running: 0, failed: 1, queued: 2, done: 3, cancelled: 4 };

export function loadJobProgress(db: PrunebenchDb, sweepId: number): JobProgress[] {
  const rows = db.select().from(jobs).where(eq(jobs.sweepId, sweepId)).all();
  const shardStates = db
    .select({ jobId: shards.jobId, state: shards.state, count: sql<number>`count(*)` })
    .from(shards)
    .where(eq(shards.sweepId, sweepId))
    .groupBy(shards.jobId, shards.state)
    .all();
  const byJob = new Map<number, Record<string, number>>();
  for (const row of shardStates) {
    const states = byJob.get(row.jobId) ?? {};
    states[row.state] = row.count;
    byJob.set(row.jobId, states);
  }
  return rows
    .map((j) => ({
      id: j.id,
      model: j.model,
      benchmark: j.benchmark,
      method: j.method,
      keep: j.keep,
      policy: j.policy,
      state: j.state,
      samples: j.samples,
      samplesDone: j.samplesDone,
      shards: byJob.get(j.id) ?? {},
    }))
    .sort((a, b) => (STATE_ORDER[a.state] ?? 9) - (STATE_ORDER[b.state] ?? 9) || a.id - b.id);
}

export interface ShardFailure {
  shardId: number;
  jobId: number;
  setting: string;
  sampleStart: number;
  sampleEnd: number;
  state: string;
  attempts: number;
  lastError: string;
}

/** Shards that failed for good, and shards that were retried after an error, newest first. */
export function loadFailures(db: PrunebenchDb, sweepId: number, limit = 100): ShardFailure[] {
  return db
    .select({
      shardId: shards.id,
      jobId: shards.jobId,
      setting: sql<string>`${jobs.model} || ' · ' || ${jobs.benchmark} || ' · ' || ${jobs.method} || ' @' || ${jobs.keep} || ' · ' || ${jobs.policy}`,
      sampleStart: shards.sampleStart,
      sampleEnd: shards.sampleEnd,
      state: shards.state,
      attempts: shards.attempts,
      lastError: sql<string>`${shards.lastError}`,
    })
    .from(shards)
    .innerJoin(jobs, eq(jobs.id, shards.jobId))
    .where(and(eq(shards.sweepId, sweepId), isNotNull(shards.lastError)))
    .orderBy(sql`${shards.state} = 'failed' desc`, desc(shards.id))
    .limit(limit)
    .all();
}
