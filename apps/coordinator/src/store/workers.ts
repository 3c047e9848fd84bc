import { randomUUID } from 'node:crypto';
import { workers, type WorkerCapabilities } from '@prunebench/db';
import { asc } from 'drizzle-orm';
import type { Context } from '../context.ts';

/** Registers a worker, or refreshes one that comes back with its id (after a restart on either side). */
export function registerWorker(ctx: Context, requestedId: string, host: string, capabilities: WorkerCapabilities): string {
  const id = requestedId || `${host}-${randomUUID().slice(0, 8)}`;
  const now = ctx.now();
  const row = { id, host, capabilities, registeredAt: now, lastHeartbeatAt: now, state: 'active' as const, currentShardId: null };
  ctx.db
    .insert(workers)
    .values(row)
    .onConflictDoUpdate({ target: workers.id, set: { host, capabilities, lastHeartbeatAt: now, state: 'active', currentShardId: null } })
    .run();
  ctx.log.info({ workerId: id, host, provider: capabilities.provider, models: capabilities.models.map((m) => m.name) }, 'worker registered');
  return id;
}

export function listWorkers(ctx: Context) {
  return ctx.db.select().from(workers).orderBy(asc(workers.registeredAt)).all();
}
