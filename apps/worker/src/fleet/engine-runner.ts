import { readBenchmark, type Benchmark, type BenchmarkHeader, type BenchmarkSample } from '@prunebench/datasets';
import type { SampleResult, ShardLease } from '@prunebench/proto';
import type { LocalInventory } from './capabilities.ts';
import type { SampleRunner } from './runner.ts';

/** The worker engine's library API (apps/worker/src/index.ts), as the fleet loop uses it. */
export interface EngineSetting {
  method: string;
  keep: number | 'all';
  policy?: 'preserve' | 'compact';
  params?: Record<string, unknown>;
  seed?: number;
}

export interface EngineSampleResult {
  sampleId: string;
  prediction: string;
  score: number;
  metric: string;
  parsed?: unknown;
  tokensBefore: number;
  keptCount: number;
  keptIndices: ArrayLike<number>;
  prefillMs: number;
  totalMs: number;
  flops: number;
  variant: Record<string, unknown>;
}

export interface WorkerEngine<Model> {
  openModel(dir: string, options: { provider: string; threads?: number }): Promise<Model>;
  evaluateSample(model: Model, bench: { dir: string; header: BenchmarkHeader }, sample: BenchmarkSample, setting: EngineSetting): Promise<EngineSampleResult>;
  closeModel?(model: Model): Promise<void> | void;
}

export interface EngineRunnerOptions {
  provider: string;
  threads?: number;
}

function findLocal(inventory: LocalInventory['models'], name: string, hash: string, kind: string): string {
  const local = inventory.find((a) => a.name === name);
  if (!local) throw new Error(`${kind} "${name}" is not in this worker's folders`);
  if (hash && local.contentHash !== hash) {
    throw new Error(`${kind} "${name}" here (${local.contentHash}) differs from the coordinator's registry (${hash})`);
  }
  return local.dir;
}

/** Runs shards with the real worker pipeline; keeps one model and one benchmark loaded between shards. */
export function engineRunner<Model>(engine: WorkerEngine<Model>, inventory: LocalInventory, options: EngineRunnerOptions): SampleRunner {
  let loaded: { name: string; model: Model } | undefined;
  let bench: Benchmark | undefined;

  async function prepare(lease: ShardLease): Promise<void> {
    if (loaded?.name !== lease.model) {
      const dir = findLocal(inventory.models, lease.model, lease.modelHash, 'model');
      if (loaded) await engine.closeModel?.(loaded.model);
      loaded = undefined;
      loaded = { name: lease.model, model: await engine.openModel(dir, { provider: options.provider, threads: options.threads }) };
    }
    if (bench?.header.name !== lease.benchmark) {
      bench = await readBenchmark(findLocal(inventory.benchmarks, lease.benchmark, lease.benchmarkHash, 'benchmark'));
    }
  }

  return {
    prepare,
    async evaluate(lease, sampleIndex): Promise<SampleResult> {
      await prepare(lease);
      const sample = bench!.samples[sampleIndex];
      if (!sample) throw new Error(`benchmark "${lease.benchmark}" has no sample ${sampleIndex}`);
      const params = JSON.parse(lease.paramsJson || '{}') as Record<string, unknown>;
      const setting: EngineSetting = {
        method: lease.pruner,
        keep: lease.keep === 0 ? 'all' : lease.keep,
        params,
        seed: lease.seed,
        ...(lease.policy === 'preserve' || lease.policy === 'compact' ? { policy: lease.policy } : {}),
      };
      const r = await engine.evaluateSample(loaded!.model, { dir: bench!.dir, header: bench!.header }, sample, setting);
      return {
        sampleId: r.sampleId,
        sampleIndex,
        prediction: r.prediction,
        score: r.score,
        metric: r.metric,
        parsedJson: r.parsed === undefined || r.parsed === null ? '' : JSON.stringify(r.parsed),
        tokensBefore: r.tokensBefore,
        keptCount: r.keptCount,
        keptIndices: lease.keep === 0 ? [] : Array.from(r.keptIndices),
        prefillMs: r.prefillMs,
        totalMs: r.totalMs,
        flops: r.flops,
        variantJson: JSON.stringify(r.variant),
      };
    },
    async close() {
      if (loaded) await engine.closeModel?.(loaded.model);
      loaded = undefined;
    },
  };
}
