import { jobs, shards, sweeps } from '@prunebench/db';
import { and, eq, inArray } from 'drizzle-orm';
import { SWEEP_SUBMITTED, type Context } from '../context.ts';
import { registerBenchmark, registerModel } from '../sweep/assets.ts';
import { expandSweep } from '../sweep/expand.ts';
import { parseSweepSpec } from '../sweep/spec.ts';

export interface SubmittedSweep {
  sweepId: number;
  jobs: number;
  shards: number;
  samples: number;
}

/** Validates a sweep file, registers its models and benchmarks, and stores its jobs and shards in one transaction. */
export async function submitSweep(ctx: Context, specYaml: string, sourceName: string): Promise<SubmittedSweep> {
  const spec = parseSweepSpec(specYaml, sourceName);
  const sampleCounts = new Map<string, number>();
  if (spec.simulate) {
    for (const benchmark of spec.benchmarks) sampleCounts.set(benchmark, spec.samples ?? 0);
  } else {
    for (const model of spec.models) registerModel(ctx, model);
    for (const benchmark of spec.benchmarks) sampleCounts.set(benchmark, (await registerBenchmark(ctx, benchmark)).samples);
  }
  const plan = expandSweep(spec, sampleCounts);
  const now = ctx.now();
  const sweepId = ctx.db.transaction((tx) => {
    const sweep = tx
      .insert(sweeps)
      .values({
        name: spec.name,
        specYaml,
        spec: spec as unknown as Record<string, unknown>,
        priority: spec.priority,
        maxAttempts: spec.maxAttempts,
        simulated: spec.simulate,
        createdAt: now,
      })
      .returning({ id: sweeps.id })
      .get();
    const jobIds = plan.jobs.map(
      (job) =>
        tx
          .insert(jobs)
          .values({ sweepId: sweep.id, ...job })
          .returning({ id: jobs.id })
          .get().id,
    );
    const rows = plan.shards.map((shard) => ({
      sweepId: sweep.id,
      jobId: jobIds[shard.job] as number,
      sampleStart: shard.sampleStart,
      sampleEnd: shard.sampleEnd,
    }));
    // SQLite caps bound parameters per statement; insert in slices.
    for (let i = 0; i < rows.length; i += 500) tx.insert(shards).values(rows.slice(i, i + 500)).run();
    return sweep.id;
  });
  const samples = plan.jobs.reduce((sum, job) => sum + job.samples, 0);
  ctx.log.info({ sweepId, name: spec.name, jobs: plan.jobs.length, shards: plan.shards.length, samples }, 'sweep submitted');
  ctx.events.emit('change', sweepId);
  ctx.events.emit(SWEEP_SUBMITTED, sweepId);
  return { sweepId, jobs: plan.jobs.length, shards: plan.shards.length, samples };
}

/** Cancels a sweep: queued and leased shards stop (workers learn it on their next heartbeat); results are kept. */
export function cancelSweep(ctx: Context, sweepId: number): string {
  const sweep = ctx.db.select().from(sweeps).where(eq(sweeps.id, sweepId)).get();
  if (!sweep) throw new Error(`no sweep ${sweepId}`);
  if (sweep.state === 'done' || sweep.state === 'failed' || sweep.state === 'cancelled') return sweep.state;
  const now = ctx.now();
  ctx.db.transaction((tx) => {
    tx.update(sweeps).set({ state: 'cancelled', finishedAt: now }).where(eq(sweeps.id, sweepId)).run();
    tx.update(jobs)
      .set({ state: 'cancelled' })
      .where(and(eq(jobs.sweepId, sweepId), inArray(jobs.state, ['queued', 'running'])))
      .run();
    tx.update(shards)
      .set({ state: 'cancelled', leaseOwner: null, leaseDeadline: null, finishedAt: now })
      .where(and(eq(shards.sweepId, sweepId), inArray(shards.state, ['queued', 'leased'])))
      .run();
  });
  ctx.log.info({ sweepId }, 'sweep cancelled');
  ctx.events.emit('change', sweepId);
  return 'cancelled';
}
