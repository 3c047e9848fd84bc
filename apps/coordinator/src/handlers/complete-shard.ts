import { status } from '@grpc/grpc-js';
import type { CompleteShardRequest, CompleteShardResponse, CoordinatorServer } from '@prunebench/proto';
import type { Context } from '../context.ts';
import { storeFailure, unaryHandler } from '../errors.ts';
import { completeShard as complete } from '../store/leasing.ts';

export function completeShard(ctx: Context): CoordinatorServer['completeShard'] {
  return unaryHandler<CompleteShardRequest, CompleteShardResponse>(ctx, 'CompleteShard', (request) => {
    try {
      return complete(ctx, request.workerId, request.shardId);
    } catch (error) {
      throw storeFailure(status.NOT_FOUND, error);
    }
  });
}
