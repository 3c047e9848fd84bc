import type { SampleResult, ShardLease } from '@prunebench/proto';
import type { SampleRunner } from './runner.ts';

/** A cheap deterministic hash, so a simulated sample gives the same fake numbers on every attempt. */
function mix(a: number, b: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ b;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return ((h ^ (h >>> 16)) >>> 0) / 2 ** 32;
}

/**
 * SIMULATED MODEL: for load tests, soak tests and coordinator benchmarks only. It produces no model output; its
 * predictions are the literal string "simulated" and its variant says `simulated: true`. Coordinators lease it
 * only sweeps marked `simulate: true`, so its rows can never mix with real results.
 */
export function simulatedRunner(delayMs = 0, tokensBefore = 576): SampleRunner {
  return {
    prepare: async () => {},
    evaluate: async (lease: ShardLease, sampleIndex: number): Promise<SampleResult> => {
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      const keep = lease.keep === 0 ? tokensBefore : Math.min(lease.keep, tokensBefore);
      // A fresh array per result, as a real runner returns, filled by a plain loop: Array.from with a callback
      // cost the ingest benchmark's fleet process about 0.2 CPU-s per 100,000 results, ten times the loop.
      const keptIndices: number[] = [];
      if (lease.keep !== 0) for (let i = 0; i < keep; i++) keptIndices.push(Math.floor((i * tokensBefore) / keep));
      const r = mix(lease.jobId, sampleIndex);
      return {
        sampleId: `${lease.benchmark}-${sampleIndex}`,
        sampleIndex,
        prediction: 'simulated',
        score: r < 0.5 + (0.4 * keep) / tokensBefore ? 1 : 0,
        metric: 'exact-match',
        parsedJson: '',
        tokensBefore,
        keptCount: keep,
        keptIndices,
        prefillMs: 1 + r,
        totalMs: 2 + r,
        flops: keep * 1e6,
        variantJson: '{"simulated":true}',
      };
    },
    close: async () => {},
  };
}
