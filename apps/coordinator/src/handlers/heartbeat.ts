import type { CoordinatorServer, HeartbeatRequest, HeartbeatResponse } from '@prunebench/proto';
import type { Context } from '../context.ts';
import { unaryHandler } from '../errors.ts';
import { heartbeat as beat } from '../store/leasing.ts';

export function heartbeat(ctx: Context): CoordinatorServer['heartbeat'] {
  return unaryHandler<HeartbeatRequest, HeartbeatResponse>(ctx, 'Heartbeat', (request) => {
    const outcome = beat(ctx, request.workerId, request.shardId);
    return { leaseDeadlineMs: outcome.leaseDeadline, leaseLost: outcome.leaseLost, unknownWorker: !outcome.known };
  });
}
