import { KEEP_ALL, type PositionPolicy } from '@prunebench/db';
import { MAX_SHARDS, methodLabel, type SweepSpec } from './spec.ts';

export interface PlannedJob {
  model: string;
  benchmark: string;
  method: string;
  pruner: string;
  keep: number;
  policy: PositionPolicy;
  params: Record<string, unknown>;
  samples: number;
}

export interface PlannedShard {
  /** Index into `jobs`. */
  job: number;
  sampleStart: number;
  sampleEnd: number;
}

export interface SweepPlan {
  jobs: PlannedJob[];
  /** In lease order: per model, the first sample range of every job, then the second, ... */
  shards: PlannedShard[];
}

/** The pruner id the worker runs for the full-token reference (nothing pruned). */
export const FULL_REFERENCE = { method: 'full', pruner: 'none' } as const;

/**
 * Expands a sweep into jobs (model x benchmark x method x keep x policy, plus one full-token reference per model x
 * benchmark) and shards of consecutive samples. Shards are interleaved across jobs so that the first results of a
 * sweep already cover every method and budget (a curve appears early), and grouped by model so a worker keeps the
 * model it has loaded.
 */
export function expandSweep(spec: SweepSpec, benchmarkSamples: ReadonlyMap<string, number>): SweepPlan {
  const jobs: PlannedJob[] = [];
  for (const model of spec.models) {
    for (const benchmark of spec.benchmarks) {
      const available = benchmarkSamples.get(benchmark);
      if (available === undefined) throw new Error(`no sample count for benchmark "${benchmark}"`);
      const samples = Math.min(available, spec.samples ?? available);
      if (samples === 0) throw new Error(`benchmark "${benchmark}" has no samples`);
      if (spec.fullReference) {
        jobs.push({ model, benchmark, ...FULL_REFERENCE, keep: KEEP_ALL, policy: 'default', params: {}, samples });
      }
      for (const entry of spec.methods) {
        const pruner = typeof entry === 'string' ? entry : entry.pruner;
        const params = typeof entry === 'string' ? {} : entry.params;
        for (const keep of spec.keep) {
          for (const policy of spec.policies) {
            jobs.push({ model, benchmark, method: methodLabel(entry), pruner, keep, policy, params, samples });
          }
        }
      }
    }
  }
  const shardCount = jobs.reduce((sum, job) => sum + Math.ceil(job.samples / spec.shardSize), 0);
  if (shardCount > MAX_SHARDS) {
    throw new Error(`the sweep would make ${shardCount} shards (at most ${MAX_SHARDS}): raise shardSize or lower samples`);
  }
  const shards: PlannedShard[] = [];
  for (const model of spec.models) {
    const modelJobs = jobs.map((job, index) => ({ job, index })).filter(({ job }) => job.model === model);
    const rounds = Math.max(...modelJobs.map(({ job }) => Math.ceil(job.samples / spec.shardSize)));
    for (let round = 0; round < rounds; round++) {
      for (const { job, index } of modelJobs) {
        const sampleStart = round * spec.shardSize;
        if (sampleStart >= job.samples) continue;
        shards.push({ job: index, sampleStart, sampleEnd: Math.min(job.samples, sampleStart + spec.shardSize) });
      }
    }
  }
  return { jobs, shards };
}
