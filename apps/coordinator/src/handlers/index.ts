import type { CoordinatorServer } from '@prunebench/proto';
import type { Context } from '../context.ts';
import { createIngest } from '../store/ingest.ts';
import { cancelSweep } from './cancel-sweep.ts';
import { completeShard } from './complete-shard.ts';
import { exportResults } from './export-results.ts';
import { failShard } from './fail-shard.ts';
import { getStatus } from './get-status.ts';
import { heartbeat } from './heartbeat.ts';
import { lease } from './lease.ts';
import { listWorkers } from './list-workers.ts';
import { register } from './register.ts';
import { releaseShard } from './release-shard.ts';
import { reportResults } from './report-results.ts';
import { submitSweep } from './submit-sweep.ts';
import { watchProgress } from './watch-progress.ts';

/** Every RPC, registered in this one place; `satisfies` makes a missing or mistyped handler a type error. */
export function handlers(ctx: Context) {
  return {
    register: register(ctx),
    lease: lease(ctx),
    heartbeat: heartbeat(ctx),
    reportResults: reportResults(ctx, createIngest(ctx)),
    completeShard: completeShard(ctx),
    failShard: failShard(ctx),
    releaseShard: releaseShard(ctx),
    submitSweep: submitSweep(ctx),
    getStatus: getStatus(ctx),
    cancelSweep: cancelSweep(ctx),
    watchProgress: watchProgress(ctx),
    listWorkers: listWorkers(ctx),
    exportResults: exportResults(ctx),
  } satisfies CoordinatorServer;
}
