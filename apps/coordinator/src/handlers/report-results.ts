import type { CoordinatorServer, ReportResultsRequest, ReportResultsResponse } from '@prunebench/proto';
import type { Context } from '../context.ts';
import { RejectedBatch, shardTarget, type createIngest, type ShardTarget } from '../store/ingest.ts';

/**
 * Bidi stream: every batch is committed in one transaction, then acknowledged with its sequence number. A worker
 * re-sends unacknowledged batches after a reconnect; the unique key makes that harmless.
 */
export function reportResults(ctx: Context, ingest: ReturnType<typeof createIngest>): CoordinatorServer['reportResults'] {
  return (call) => {
    // Stream-local cache: a stream carries the batches of one worker, mostly for one shard at a time.
    const targets = new Map<number, ShardTarget>();
    call.on('data', (batch: ReportResultsRequest) => {
      let ack: ReportResultsResponse;
      try {
        let target = targets.get(batch.shardId);
        if (!target) {
          targets.clear();
          target = shardTarget(ctx, batch.shardId);
          targets.set(batch.shardId, target);
        }
        const outcome = ingest(batch.workerId, target, batch.results);
        ack = { batchSeq: batch.batchSeq, inserted: outcome.inserted, duplicates: outcome.duplicates, error: '' };
      } catch (error) {
        if (!(error instanceof RejectedBatch)) ctx.log.error({ err: error, shardId: batch.shardId }, 'result batch failed');
        ack = { batchSeq: batch.batchSeq, inserted: 0, duplicates: 0, error: (error as Error).message };
      }
      call.write(ack);
    });
    call.on('end', () => call.end());
    call.on('cancelled', () => targets.clear());
    call.on('error', (error) => ctx.log.debug({ err: error }, 'result stream closed with an error'));
  };
}
