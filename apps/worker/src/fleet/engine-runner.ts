import { readBenchmark, type Benchmark } from '@prunebench/datasets';
import type { SampleResult, ShardLease } from '@prunebench/proto';
import type { LocalInventory } from './capabilities.ts';
import type { Spinning } from '../onnx/session.ts';
import type { SampleRunner } from './runner.ts';

export interface EngineRunnerOptions {
  provider: 'cpu' | 'cuda';
  threads?: number;
  spinning?: Spinning;
}

type Engine = typeof import('../index.ts');
type LoadedModel = Awaited<ReturnType<Engine['openModel']>>;
type EvalSetting = Parameters<Engine['evaluateSample']>[3];

function findLocal(inventory: LocalInventory['models'], name: string, hash: string, kind: string): string {
  const local = inventory.find((a) => a.name === name);
  if (!local) throw new Error(`${kind} "${name}" is not in this worker's folders`);
  if (hash && local.contentHash !== hash) {
    throw new Error(`${kind} "${name}" here (${local.contentHash}) differs from the coordinator's registry (${hash})`);
  }
  return local.dir;
}

/**
 * Runs shards with the real worker pipeline (apps/worker/src/index.ts, loaded on first use so simulated workers
 * never load onnxruntime); keeps one model and one benchmark loaded between shards.
 */
export function engineRunner(inventory: LocalInventory, options: EngineRunnerOptions): SampleRunner {
  let engine: Engine | undefined;
  let loaded: { name: string; model: LoadedModel } | undefined;
  let bench: Benchmark | undefined;

  async function prepare(lease: ShardLease): Promise<void> {
    if (loaded?.name !== lease.model) {
      const dir = findLocal(inventory.models, lease.model, lease.modelHash, 'model');
      engine ??= await import('../index.ts');
      if (loaded) await loaded.model.close();
      loaded = undefined;
      const opened = await engine.openModel(dir, { provider: options.provider, ...(options.threads ? { threads: options.threads } : {}), ...(options.spinning ? { spinning: options.spinning } : {}) });
      loaded = { name: lease.model, model: opened };
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
      const setting: EvalSetting = {
        method: lease.pruner,
        keep: lease.keep === 0 ? 'all' : lease.keep,
        params,
        seed: lease.seed,
        ...(lease.policy === 'preserve' || lease.policy === 'compact' ? { policy: lease.policy } : {}),
      };
      const r = await engine!.evaluateSample(loaded!.model, { dir: bench!.dir, header: bench!.header }, sample, setting);
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
        // The method's own facts (e.g. which relevance variant ran) travel with the preprocessing variant.
        variantJson: JSON.stringify({ ...r.variant, fullFlops: r.fullFlops, methodInfo: r.methodInfo }),
      };
    },
    async close() {
      if (loaded) await loaded.model.close();
      loaded = undefined;
    },
  };
}
