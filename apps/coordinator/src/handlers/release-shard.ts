import type { CoordinatorServer, ReleaseShardRequest, ReleaseShardResponse } from '@prunebench/proto';
import type { Context } from '../context.ts';
import { unaryHandler } from '../errors.ts';
import { releaseShard as release } from '../store/leasing.ts';

export function releaseShard(ctx: Context): CoordinatorServer['releaseShard'] {
  return unaryHandler<ReleaseShardRequest, ReleaseShardResponse>(ctx, 'ReleaseShard', (request) => {
    release(ctx, request.workerId, request.shardId, request.leaving);
    return {};
  });
}
