import type { CoordinatorServer, ListWorkersRequest, ListWorkersResponse } from '@prunebench/proto';
import type { Context } from '../context.ts';
import { unaryHandler } from '../errors.ts';
import { listWorkers as list } from '../store/workers.ts';

export function listWorkers(ctx: Context): CoordinatorServer['listWorkers'] {
  return unaryHandler<ListWorkersRequest, ListWorkersResponse>(ctx, 'ListWorkers', () => ({
    workers: list(ctx).map((w) => ({
      workerId: w.id,
      host: w.host,
      capabilities: w.capabilities,
      registeredAtMs: w.registeredAt,
      lastHeartbeatMs: w.lastHeartbeatAt,
      currentShardId: w.currentShardId ?? 0,
      samplesDone: w.samplesDone,
      state: w.state,
    })),
  }));
}
