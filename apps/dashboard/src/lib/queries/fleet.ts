import { eq, sql } from 'drizzle-orm';
import { jobs, shards, workers, type PrunebenchDb, type WorkerCapabilities } from '@prunebench/db';

export interface WorkerRow {
  id: string;
  host: string;
  state: string;
  capabilities: WorkerCapabilities;
  registeredAt: number;
  lastHeartbeatAt: number;
  samplesDone: number;
  currentShardId: number | null;
  currentSetting: string | null;
  currentRange: string | null;
}

export function loadWorkers(db: PrunebenchDb): WorkerRow[] {
  return db
    .select({
      id: workers.id,
      host: workers.host,
      state: workers.state,
      capabilities: workers.capabilities,
      registeredAt: workers.registeredAt,
      lastHeartbeatAt: workers.lastHeartbeatAt,
      samplesDone: workers.samplesDone,
      currentShardId: workers.currentShardId,
      currentSetting: sql<string | null>`${jobs.model} || ' · ' || ${jobs.benchmark} || ' · ' || ${jobs.method} || ' @' || ${jobs.keep}`,
      currentRange: sql<string | null>`${shards.sampleStart} || '–' || (${shards.sampleEnd} - 1)`,
    })
    .from(workers)
    .leftJoin(shards, eq(shards.id, workers.currentShardId))
    .leftJoin(jobs, eq(jobs.id, shards.jobId))
    .orderBy(sql`${workers.state} = 'gone'`, workers.id)
    .all();
}

/** A worker is online while it heartbeats; one that is still "active" but silent past the lease period is stale. */
export const STALE_AFTER_MS = 30_000;

export function workerStatus(worker: Pick<WorkerRow, 'state' | 'lastHeartbeatAt'>, now: number): 'online' | 'stale' | 'offline' {
  if (worker.state === 'gone') return 'offline';
  return now - worker.lastHeartbeatAt <= STALE_AFTER_MS ? 'online' : 'stale';
}
