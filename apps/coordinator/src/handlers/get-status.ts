import { status } from '@grpc/grpc-js';
import type { CoordinatorServer, GetStatusRequest, GetStatusResponse } from '@prunebench/proto';
import type { Context } from '../context.ts';
import { RpcError, unaryHandler } from '../errors.ts';
import { allSweeps, sweepStatus } from '../store/status.ts';

export function getStatus(ctx: Context): CoordinatorServer['getStatus'] {
  return unaryHandler<GetStatusRequest, GetStatusResponse>(ctx, 'GetStatus', (request) => {
    if (request.sweepId === 0) return { sweeps: allSweeps(ctx) };
    const one = sweepStatus(ctx, request.sweepId);
    if (!one) throw new RpcError(status.NOT_FOUND, `no sweep ${request.sweepId}`);
    return { sweeps: [one] };
  });
}
