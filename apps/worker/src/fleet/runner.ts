import type { SampleResult, ShardLease } from '@prunebench/proto';

/** Runs the samples of leased shards; implementations keep the loaded model between shards of the same model. */
export interface SampleRunner {
  /** Loads what the shard needs (model, benchmark) and checks their content hashes. */
  prepare(lease: ShardLease): Promise<void>;
  evaluate(lease: ShardLease, sampleIndex: number): Promise<SampleResult>;
  close(): Promise<void>;
}
