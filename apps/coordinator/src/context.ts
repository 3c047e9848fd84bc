import type { EventEmitter } from 'node:events';
import type { OpenedDatabase, PrunebenchDb } from '@prunebench/db';
import type { Logger } from 'pino';

export interface Timing {
  /** How long a lease lives without a heartbeat. */
  leaseTtlMs: number;
  /** What workers are told to use between heartbeats (a third of the TTL by default). */
  heartbeatIntervalMs: number;
  /** Backoff after a failed attempt: base * 2^(attempt-1), capped. */
  retryBaseMs: number;
  retryMaxMs: number;
  /** How often expired leases are looked for. */
  expiryScanMs: number;
}

/** Emitted on `Context.events` once a new sweep is stored: held lease calls of idle workers try again. */
export const SWEEP_SUBMITTED = 'sweep-submitted';
/** Emitted on `Context.events` when the coordinator starts shutting down: held calls answer at once. */
export const COORDINATOR_CLOSING = 'closing';

/** Everything a handler needs; one per running coordinator (no module state). */
export interface Context {
  db: PrunebenchDb;
  sqlite: OpenedDatabase['sqlite'];
  log: Logger;
  timing: Timing;
  /** Folders searched for models and benchmarks by name. */
  modelDirs: string[];
  benchDirs: string[];
  /** Emits `change` with a sweep id whenever its progress or state changes; also SWEEP_SUBMITTED and COORDINATOR_CLOSING. */
  events: EventEmitter;
  now: () => number;
  /** The model each worker ran last, so leasing can prefer shards it need not load another model for. */
  lastModelByWorker: Map<string, string>;
}
