import { RegisterRequest, type CoordinatorServer, type RegisterResponse } from '@prunebench/proto';
import { status } from '@grpc/grpc-js';
import type { Context } from '../context.ts';
import { RpcError, unaryHandler } from '../errors.ts';
import { registerWorker } from '../store/workers.ts';

export function register(ctx: Context): CoordinatorServer['register'] {
  return unaryHandler<RegisterRequest, RegisterResponse>(ctx, 'Register', (request) => {
    const caps = request.capabilities;
    if (!caps) throw new RpcError(status.INVALID_ARGUMENT, 'capabilities are required');
    if (!request.host) throw new RpcError(status.INVALID_ARGUMENT, 'host is required');
    const workerId = registerWorker(ctx, request.workerId, request.host, caps);
    return { workerId, heartbeatIntervalMs: ctx.timing.heartbeatIntervalMs, leaseTtlMs: ctx.timing.leaseTtlMs };
  });
}
