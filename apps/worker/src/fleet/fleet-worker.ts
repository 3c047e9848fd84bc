import { status, type ServiceError } from '@grpc/grpc-js';
import { connectCoordinator, type CoordinatorClient, type SampleResult, type ShardLease, type WorkerCapabilities } from '@prunebench/proto';
import type { Logger } from 'pino';
import { callOnce, callRetrying, isRetryable, sleep } from './rpc.ts';
import { ResultChannel } from './result-channel.ts';
import type { SampleRunner } from './runner.ts';

export interface FleetWorkerOptions {
  coordinator: string;
  token: string;
  tlsCaFile?: string;
  tlsServerName?: string;
  host: string;
  capabilities: WorkerCapabilities;
  runner: SampleRunner;
  log: Logger;
  workerId?: string;
  /** Results per ReportResults batch, and the longest a finished result waits for its batch. */
  batchSize?: number;
  flushMs?: number;
  /** Separate connection per worker (several workers in one process: load tests). */
  ownConnection?: boolean;
}

export interface FleetWorkerStats {
  workerId: string;
  shards: number;
  samples: number;
}

interface ShardState {
  lease: ShardLease;
  lost: boolean;
}

/**
 * The worker process's loop: register, then lease shards and run their samples until `drain` is aborted. A drain
 * finishes the sample in progress, reports what is done, releases the shard and leaves (SIGTERM semantics).
 */
export async function runFleetWorker(options: FleetWorkerOptions, drain: AbortSignal): Promise<FleetWorkerStats> {
  const { log, runner } = options;
  const client: CoordinatorClient = connectCoordinator(options.coordinator, {
    token: options.token,
    tlsCaFile: options.tlsCaFile,
    tlsServerName: options.tlsServerName,
    channel: options.ownConnection ? { 'grpc.use_local_subchannel_pool': 1 } : {},
  });
  const batchSize = options.batchSize ?? 64;
  const flushMs = options.flushMs ?? 500;
  const channel = new ResultChannel(client, log);
  const stats: FleetWorkerStats = { workerId: options.workerId ?? '', shards: 0, samples: 0 };
  let current: ShardState | undefined;
  let needsRegister = true;
  let heartbeatMs = 10_000;

  const register = async (): Promise<void> => {
    const response = await callRetrying(log, 'register', client.register.bind(client), {
      workerId: stats.workerId,
      host: options.host,
      capabilities: options.capabilities,
    });
    stats.workerId = response.workerId;
    heartbeatMs = response.heartbeatIntervalMs || heartbeatMs;
    needsRegister = false;
    log.info({ workerId: stats.workerId, heartbeatMs }, 'registered with coordinator');
  };

  let heartbeatTimer: NodeJS.Timeout | undefined;
  const beat = async (): Promise<void> => {
    try {
      const response = await callOnce(client.heartbeat.bind(client), {
        workerId: stats.workerId,
        shardId: current?.lease.shardId ?? 0,
        samplesDone: stats.samples,
      }, heartbeatMs);
      if (response.unknownWorker) needsRegister = true;
      if (response.leaseLost && current && !current.lost) {
        current.lost = true;
        log.warn({ shardId: current.lease.shardId }, 'lease lost (cancelled, expired or re-leased): stopping the shard');
      }
    } catch (error) {
      log.warn({ err: (error as Error).message }, 'heartbeat failed');
    }
  };
  const startHeartbeats = (): void => {
    if (heartbeatTimer) clearInterval(heartbeatTimer);
    heartbeatTimer = setInterval(() => void beat(), heartbeatMs);
  };

  const runShard = async (state: ShardState): Promise<void> => {
    const { lease } = state;
    const skip = new Set(lease.doneSampleIndices);
    const acks: Array<Promise<unknown>> = [];
    let buffer: SampleResult[] = [];
    let lastFlush = Date.now();
    const flush = (): void => {
      if (buffer.length === 0) return;
      acks.push(channel.send(stats.workerId, lease.shardId, buffer));
      buffer = [];
      lastFlush = Date.now();
    };
    let processed = skip.size;
    const total = lease.sampleEnd - lease.sampleStart;
    try {
      await runner.prepare(lease);
      for (let index = lease.sampleStart; index < lease.sampleEnd; index++) {
        if (drain.aborted || state.lost) break;
        if (skip.has(index)) continue;
        let result: SampleResult;
        try {
          result = await runner.evaluate(lease, index);
        } catch (error) {
          throw new Error(`sample ${index}: ${(error as Error).message}`, { cause: error });
        }
        buffer.push(result);
        processed++;
        stats.samples++;
        if (buffer.length >= batchSize || Date.now() - lastFlush >= flushMs) flush();
        // Bound the batches in flight, so a slow coordinator slows the worker instead of filling its memory.
        if (acks.length > 8) await acks.shift();
      }
      flush();
      await Promise.all(acks);
    } catch (error) {
      flush();
      await Promise.allSettled(acks);
      const message = (error as Error).message;
      log.error({ shardId: lease.shardId, err: message }, 'shard failed');
      if (!state.lost) await callRetrying(log, 'failShard', client.failShard.bind(client), { workerId: stats.workerId, shardId: lease.shardId, error: message });
      return;
    }
    if (state.lost) return;
    if (processed < total) {
      await callRetrying(log, 'releaseShard', client.releaseShard.bind(client), { workerId: stats.workerId, shardId: lease.shardId, leaving: false });
      log.info({ shardId: lease.shardId, processed, total }, 'shard released (draining)');
      return;
    }
    const done = await callRetrying(log, 'completeShard', client.completeShard.bind(client), { workerId: stats.workerId, shardId: lease.shardId });
    if (done.accepted) stats.shards++;
    else log.warn({ shardId: lease.shardId, missing: done.missing }, 'coordinator did not accept the shard as complete');
  };

  try {
    await register();
    startHeartbeats();
    while (!drain.aborted) {
      if (needsRegister) await register();
      let response;
      try {
        // The coordinator may hold this call while it has no sweep for us (long poll): a drain cancels it.
        response = await callRetrying(log, 'lease', client.lease.bind(client), { workerId: stats.workerId }, undefined, drain);
      } catch (error) {
        if (drain.aborted) break;
        if ((error as ServiceError).code === status.NOT_FOUND) {
          needsRegister = true;
          continue;
        }
        throw error;
      }
      if (!response.shard) {
        log.debug({ reason: response.reason, retryAfterMs: response.retryAfterMs }, 'nothing to lease');
        await sleep(response.retryAfterMs || 1_000, drain);
        continue;
      }
      current = { lease: response.shard, lost: false };
      log.info(
        { shardId: current.lease.shardId, model: current.lease.model, method: current.lease.method, keep: current.lease.keep, samples: [current.lease.sampleStart, current.lease.sampleEnd] },
        'leased shard',
      );
      await runShard(current);
      current = undefined;
    }
  } finally {
    if (heartbeatTimer) clearInterval(heartbeatTimer);
    if (stats.workerId) {
      try {
        await callOnce(client.releaseShard.bind(client), { workerId: stats.workerId, shardId: 0, leaving: true }, 5_000);
      } catch (error) {
        if (!isRetryable(error)) log.warn({ err: (error as Error).message }, 'could not say goodbye to the coordinator');
      }
    }
    channel.close();
    client.close();
    await runner.close();
  }
  log.info(stats, 'worker stopped');
  return stats;
}
