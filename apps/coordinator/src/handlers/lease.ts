import { status } from '@grpc/grpc-js';
import type { CoordinatorServer, LeaseRequest, LeaseResponse } from '@prunebench/proto';
import type { Context } from '../context.ts';
import { storeFailure, unaryHandler } from '../errors.ts';
import { leaseShard } from '../store/leasing.ts';

export function lease(ctx: Context): CoordinatorServer['lease'] {
  return unaryHandler<LeaseRequest, LeaseResponse>(ctx, 'Lease', (request) => {
    let outcome: ReturnType<typeof leaseShard>;
    try {
      outcome = leaseShard(ctx, request.workerId);
    } catch (error) {
      throw storeFailure(status.NOT_FOUND, error);
    }
    if (!outcome.granted) return { retryAfterMs: outcome.retryAfterMs, reason: outcome.reason };
    const { shard, job, modelHash, benchmarkHash, seed, doneSampleIndices } = outcome.granted;
    return {
      retryAfterMs: 0,
      reason: '',
      shard: {
        shardId: shard.id,
        sweepId: shard.sweepId,
        jobId: job.id,
        model: job.model,
        modelHash,
        benchmark: job.benchmark,
        benchmarkHash,
        method: job.method,
        pruner: job.pruner,
        keep: job.keep,
        policy: job.policy,
        paramsJson: JSON.stringify(job.params),
        sampleStart: shard.sampleStart,
        sampleEnd: shard.sampleEnd,
        leaseDeadlineMs: shard.leaseDeadline ?? 0,
        attempt: shard.attempts,
        seed,
        doneSampleIndices,
      },
    };
  });
}
