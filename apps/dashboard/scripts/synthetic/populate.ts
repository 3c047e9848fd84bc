import { eq } from 'drizzle-orm';
import { benchmarks, jobs, models, results, shards, sweeps, workers, type NewResult, type PrunebenchDb } from '@prunebench/db';
import {
  FULL_METHOD,
  keptIndicesOf,
  outcomeOf,
  sampleId,
  stridedIndices,
  type SynthBenchmark,
  type SynthMethod,
  type SynthModel,
} from './world.ts';

/**
 * Writes a synthetic world through the shared Drizzle schema: registry rows, sweeps, jobs, shards, workers and one
 * result row per sample x setting. Every sweep's spec carries `fixture: true`, which the dashboard shows as a banner.
 */
export interface SweepPlan {
  name: string;
  models: readonly SynthModel[];
  benchmarks: readonly SynthBenchmark[];
  methods: readonly SynthMethod[];
  /** Fraction of shards finished; below 1 the sweep is running, with leased, failed and queued shards. */
  progress: number;
  startedAt: number;
  /** Time the finished shards took, spread evenly over their results. */
  durationMs: number;
}

export interface PopulateOptions {
  now: number;
  shardSize: number;
  /** 'realistic' ranks tokens per method (fixture); 'strided' is cheap (the 1M-row benchmark). */
  indices: 'realistic' | 'strided';
  benchmarkPaths: ReadonlyMap<string, string>;
  workerIds: readonly string[];
  onProgress?: (rows: number) => void;
}

interface Setting {
  model: SynthModel;
  benchmark: SynthBenchmark;
  method: SynthMethod | null;
  keep: number;
  policy: 'default' | 'preserve' | 'compact';
}

function settingsOf(plan: SweepPlan): Setting[] {
  const settings: Setting[] = [];
  for (const model of plan.models)
    for (const benchmark of plan.benchmarks) {
      settings.push({ model, benchmark, method: null, keep: 0, policy: 'default' });
      for (const method of plan.methods)
        for (const keep of model.budgets) for (const policy of method.policies) settings.push({ model, benchmark, method, keep, policy });
    }
  return settings;
}

function insertRegistry(db: PrunebenchDb, plans: readonly SweepPlan[], options: PopulateOptions): void {
  const allModels = new Map(plans.flatMap((p) => p.models).map((m) => [m.name, m]));
  const allBenchmarks = new Map(plans.flatMap((p) => p.benchmarks).map((b) => [b.name, b]));
  for (const model of allModels.values())
    db.insert(models)
      .values({
        name: model.name,
        contentHash: `fixture-${model.name}`,
        path: '',
        meta: { fixture: true, family: model.family, vision: { grid: model.grid }, tokensBefore: model.tokensBefore },
        registeredAt: options.now,
      })
      .onConflictDoNothing()
      .run();
  for (const benchmark of allBenchmarks.values())
    db.insert(benchmarks)
      .values({
        name: benchmark.name,
        contentHash: `fixture-${benchmark.name}`,
        path: options.benchmarkPaths.get(benchmark.name) ?? '',
        samples: benchmark.samples,
        meta: { fixture: true, metric: benchmark.metric },
        registeredAt: options.now,
      })
      .onConflictDoNothing()
      .run();
}

export function populate(db: PrunebenchDb, plans: readonly SweepPlan[], options: PopulateOptions): number {
  insertRegistry(db, plans, options);
  const [w1, w2] = options.workerIds;
  let rows = 0;
  const leasedShards: number[] = [];
  let pending: NewResult[] = [];
  const perWorker = new Map<string, number>();
  const flush = () => {
    if (pending.length === 0) return;
    for (const row of pending) perWorker.set(row.workerId, (perWorker.get(row.workerId) ?? 0) + 1);
    db.insert(results).values(pending).run();
    rows += pending.length;
    pending = [];
    options.onProgress?.(rows);
  };

  for (const plan of plans) {
    const live = plan.progress < 1;
    const sweep = db
      .insert(sweeps)
      .values({
        name: plan.name,
        specYaml: `# fixture sweep written by apps/dashboard/scripts (synthetic numbers, not measured)\nname: ${plan.name}\n`,
        spec: { fixture: true, note: 'synthetic numbers written by the dashboard fixture seed, not measured' },
        state: live ? 'running' : 'done',
        createdAt: plan.startedAt,
        finishedAt: live ? null : plan.startedAt + plan.durationMs,
      })
      .returning({ id: sweeps.id })
      .get();
    const settings = settingsOf(plan);
    const shardsPerJob = Math.ceil((plan.benchmarks[0]?.samples ?? 0) / options.shardSize);
    const totalShards = settings.length * shardsPerJob;
    const doneShards = Math.floor(plan.progress * totalShards);
    let shardOrdinal = 0;

    for (const setting of settings) {
      const samples = setting.benchmark.samples;
      const job = db
        .insert(jobs)
        .values({
          sweepId: sweep.id,
          model: setting.model.name,
          benchmark: setting.benchmark.name,
          method: setting.method?.id ?? FULL_METHOD,
          pruner: setting.method?.id ?? 'none',
          keep: setting.keep,
          policy: setting.policy,
          params: {},
          samples,
        })
        .returning({ id: jobs.id })
        .get();
      let samplesDone = 0;
      const states: string[] = [];
      for (let start = 0; start < samples; start += options.shardSize) {
        const end = Math.min(samples, start + options.shardSize);
        const ordinal = shardOrdinal++;
        const finished = ordinal < doneShards;
        // A live sweep shows the whole life cycle: two shards leased, one failed for good, one retried, the rest queued.
        const offset = ordinal - doneShards;
        const state = finished ? 'done' : offset < 2 ? 'leased' : offset === 2 ? 'failed' : 'queued';
        const finishedAt = plan.startedAt + Math.round(((ordinal + 1) / Math.max(1, doneShards)) * plan.durationMs);
        const shard = db
          .insert(shards)
          .values({
            sweepId: sweep.id,
            jobId: job.id,
            sampleStart: start,
            sampleEnd: end,
            state,
            leaseOwner: state === 'leased' ? (offset === 0 ? w1 : w2) ?? null : null,
            leaseDeadline: state === 'leased' ? options.now + 60_000 : null,
            attempts: state === 'failed' ? 3 : state === 'queued' ? (offset === 3 ? 1 : 0) : 1,
            lastError:
              state === 'failed'
                ? 'fixture: lease expired 3 times (worker stopped heartbeating); shard failed after max_attempts'
                : state === 'queued' && offset === 3
                  ? 'fixture: worker drained on SIGTERM before finishing; shard returned to the queue'
                  : null,
            finishedAt: finished ? finishedAt : null,
          })
          .returning({ id: shards.id })
          .get();
        states.push(state);
        if (state === 'leased') leasedShards.push(shard.id);
        // Finished shards have all their results; a leased shard has its first half.
        const stored = finished ? end : state === 'leased' ? start + Math.floor((end - start) / 2) : start;
        for (let index = start; index < stored; index++) {
          pending.push(resultRow(setting, index, sweep.id, job.id, plan, options, finished ? finishedAt : options.now - 1000));
          if (pending.length >= 500) flush();
        }
        samplesDone += stored - start;
      }
      const jobState = states.every((s) => s === 'done') ? 'done' : states.includes('failed') ? 'failed' : states.some((s) => s !== 'queued') ? 'running' : 'queued';
      db.update(jobs).set({ samplesDone, state: jobState }).where(eq(jobs.id, job.id)).run();
    }
    flush();
  }

  const [wa, wb, wc] = options.workerIds;
  const capabilities = (provider: string, threads: number, memoryGb: number) => ({
    models: plans.flatMap((p) => p.models).map((m) => ({ name: m.name, contentHash: `fixture-${m.name}` })),
    benchmarks: plans.flatMap((p) => p.benchmarks).map((b) => ({ name: b.name, contentHash: `fixture-${b.name}` })),
    provider,
    memoryBytes: memoryGb * 2 ** 30,
    threads,
    simulated: true,
    version: 'fixture',
  });
  const workerRows = [
    { id: wa, provider: 'cuda', threads: 8, memory: 80, heartbeat: 1500, shard: leasedShards[0], state: 'active' as const },
    { id: wb, provider: 'cuda', threads: 8, memory: 24, heartbeat: 4000, shard: leasedShards[1], state: 'active' as const },
    { id: wc, provider: 'cpu', threads: 2, memory: 16, heartbeat: 25 * 60_000, shard: undefined, state: 'gone' as const },
  ];
  for (const w of workerRows) {
    if (!w.id) continue;
    db.insert(workers)
      .values({
        id: w.id,
        host: `${w.id}.fixture.local`,
        capabilities: capabilities(w.provider, w.threads, w.memory),
        registeredAt: options.now - 4 * 3600_000,
        lastHeartbeatAt: options.now - w.heartbeat,
        currentShardId: w.state === 'active' ? (w.shard ?? null) : null,
        samplesDone: perWorker.get(w.id) ?? 0,
        state: w.state,
      })
      .run();
  }
  return rows;
}

function resultRow(setting: Setting, index: number, sweepId: number, jobId: number, plan: SweepPlan, options: PopulateOptions, at: number): NewResult {
  const { model, benchmark, method, keep, policy } = setting;
  const outcome = outcomeOf(model, benchmark, index, method, keep, policy);
  const ratio = keep === 0 ? 1 : keep / model.tokensBefore;
  const keptIndices =
    keep === 0 || !method ? [] : options.indices === 'realistic' ? keptIndicesOf(model, benchmark.name, index, method, keep) : stridedIndices(model.tokensBefore, keep);
  const jitter = 0.9 + 0.2 * ((index * 7919) % 101) / 100;
  const prefillMs = model.prefillMsFull * (0.25 + 0.75 * ratio) * jitter;
  // The third worker only appears in finished sweeps: it has since left the fleet.
  const pool = plan.progress < 1 ? Math.min(2, options.workerIds.length) : options.workerIds.length;
  const workerId = options.workerIds[index % Math.max(1, pool)] ?? 'fixture-worker';
  return {
    sweepId,
    jobId,
    model: model.name,
    benchmark: benchmark.name,
    sampleId: sampleId(benchmark.name, index),
    sampleIndex: index,
    method: method?.id ?? FULL_METHOD,
    keep,
    policy,
    answer: outcome.answer,
    score: outcome.score,
    metric: benchmark.metric,
    parsed: outcome.parsed,
    tokensBefore: model.tokensBefore,
    keptCount: keep === 0 ? model.tokensBefore : keep,
    keptIndices,
    prefillMs,
    totalMs: prefillMs + 18 * 12 * jitter,
    flops: model.flopsFull * (0.12 + 0.88 * ratio),
    variant: { fixture: true, preprocess: 'pad-square', policy: policy === 'default' ? 'preserve' : policy, provider: 'fixture', dtype: 'float32' },
    workerId,
    createdAt: Math.min(at, plan.startedAt + plan.durationMs + 1) - ((index * 37) % 1000),
  };
}
