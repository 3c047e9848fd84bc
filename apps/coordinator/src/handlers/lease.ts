import { status, type ServerUnaryCall } from '@grpc/grpc-js';
import type { CoordinatorServer, LeaseRequest, LeaseResponse } from '@prunebench/proto';
import { SWEEP_SUBMITTED, COORDINATOR_CLOSING, type Context } from '../context.ts';
import { storeFailure, unaryHandler } from '../errors.ts';
import { leaseShard, NO_ACTIVE_SWEEP, type LeaseOutcome } from '../store/leasing.ts';

/** The longest a lease call is held open, whatever the heartbeat interval (clients use 30 s deadlines). */
const MAX_HOLD_MS = 10_000;
/** Time kept back from the client's deadline, so a held call is answered before the client gives up on it. */
const DEADLINE_MARGIN_MS = 1_000;
/** After a full hold the worker may ask again at once: the waiting has been done here. */
const RETRY_AFTER_HOLD_MS = 1;

function toResponse(outcome: LeaseOutcome): LeaseResponse {
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
}

function tryLease(ctx: Context, workerId: string): LeaseOutcome {
  try {
    return leaseShard(ctx, workerId);
  } catch (error) {
    throw storeFailure(status.NOT_FOUND, error);
  }
}

/** How long this call may be held: the idle retry interval, capped, and well inside the client's deadline. */
function holdMs(call: ServerUnaryCall<LeaseRequest, LeaseResponse>, retryAfterMs: number): number {
  const deadline = call.getDeadline();
  const deadlineMs = deadline instanceof Date ? deadline.getTime() : deadline;
  const untilDeadline = Number.isFinite(deadlineMs) ? deadlineMs - Date.now() - DEADLINE_MARGIN_MS : Number.POSITIVE_INFINITY;
  return Math.max(0, Math.min(retryAfterMs, MAX_HOLD_MS, untilDeadline));
}

/**
 * Pull-based leasing with a long poll for idle fleets: when no active sweep is there for the worker, the call is
 * held until a sweep is submitted (then leased at once) or the idle interval passes. Without the hold a new sweep
 * waited for every idle worker's next poll (up to one heartbeat interval, 10 s by default) before it started.
 */
export function lease(ctx: Context): CoordinatorServer['lease'] {
  return unaryHandler<LeaseRequest, LeaseResponse>(ctx, 'Lease', (request, call) => {
    const first = tryLease(ctx, request.workerId);
    if (first.granted || first.reason !== NO_ACTIVE_SWEEP) return toResponse(first);
    const waitMs = holdMs(call, first.retryAfterMs);
    if (waitMs <= 0) return toResponse(first);
    return new Promise<LeaseResponse>((resolve, reject) => {
      const stopWaiting = (): void => {
        clearTimeout(timer);
        ctx.events.off(SWEEP_SUBMITTED, onSubmitted);
        ctx.events.off(COORDINATOR_CLOSING, answerNow);
        call.off('cancelled', answerNow);
      };
      const onSubmitted = (): void => {
        let again: LeaseOutcome;
        try {
          again = tryLease(ctx, request.workerId);
        } catch (error) {
          stopWaiting();
          reject(error);
          return;
        }
        // A sweep this worker cannot serve (other simulated-ness, provider, models) changes nothing: keep waiting.
        if (again.granted || again.reason !== NO_ACTIVE_SWEEP) {
          stopWaiting();
          resolve(toResponse(again));
        }
      };
      function answerNow(): void {
        stopWaiting();
        resolve(toResponse(first));
      }
      const timer = setTimeout(() => {
        stopWaiting();
        resolve(toResponse({ ...first, retryAfterMs: RETRY_AFTER_HOLD_MS }));
      }, waitMs);
      ctx.events.on(SWEEP_SUBMITTED, onSubmitted);
      ctx.events.on(COORDINATOR_CLOSING, answerNow);
      call.on('cancelled', answerNow);
    });
  });
}
