import type { CoordinatorServer, FailShardRequest, FailShardResponse } from '@prunebench/proto';
import type { Context } from '../context.ts';
import { unaryHandler } from '../errors.ts';
import { failShard as fail } from '../store/leasing.ts';

export function failShard(ctx: Context): CoordinatorServer['failShard'] {
  return unaryHandler<FailShardRequest, FailShardResponse>(ctx, 'FailShard', (request) =>
    fail(ctx, request.workerId, request.shardId, request.error.slice(0, 4000)),
  );
}
