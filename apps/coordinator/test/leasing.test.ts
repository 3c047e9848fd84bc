import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureSyntheticBenchmark } from '@prunebench/datasets';
import { contentHash, type WorkerCapabilities } from '@prunebench/db';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningCoordinator } from '../src/index.ts';
import { cancelSweep, submitSweep } from '../src/store/sweeps.ts';
import { completeShard, failShard, heartbeat, leaseShard } from '../src/store/leasing.ts';
import { registerWorker } from '../src/store/workers.ts';
import { sweepStatus } from '../src/store/status.ts';
import { inProcessCoordinator, root, simulatedSweep } from './helpers.ts';

let dir: string;
let coordinator: RunningCoordinator;
const fixtures = join(root, 'fixtures', 'models');
const simulated: WorkerCapabilities = { models: [], benchmarks: [], provider: 'cpu', memoryBytes: 8e9, threads: 1, simulated: true, version: 't' };

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'prunebench-leasing-'));
  coordinator = await inProcessCoordinator(join(dir, 'c.sqlite'), { modelDirs: [fixtures], benchDirs: [join(dir, 'benches')] });
});
afterEach(async () => {
  await coordinator.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('leasing', () => {
  it('serves the higher-priority sweep first, then the older one', async () => {
    const ctx = coordinator.ctx;
    const low = await submitSweep(ctx, simulatedSweep(4, 4, 'low'), 'low.yaml');
    const high = await submitSweep(ctx, `${simulatedSweep(4, 4, 'high')}priority: 5\n`, 'high.yaml');
    registerWorker(ctx, 'w', 'h', simulated);
    const first = leaseShard(ctx, 'w');
    expect(first.granted?.shard.sweepId).toBe(high.sweepId);
    cancelSweep(ctx, high.sweepId);
    expect(heartbeat(ctx, 'w', first.granted!.shard.id).leaseLost).toBe(true);
    expect(leaseShard(ctx, 'w').granted?.shard.sweepId).toBe(low.sweepId);
  });

  it('matches real sweeps to workers holding the model and benchmark with the registered content', async () => {
    const ctx = coordinator.ctx;
    const bench = await ensureSyntheticBenchmark({ outDir: join(dir, 'benches', 'synth-shapes'), split: 'test', scenes: 1 });
    const spec = 'name: real\nmodels: [tiny-random-llava15]\nbenchmarks: [synth-shapes]\nmethods: [random]\nkeep: [16]\nsamples: 2\n';
    await submitSweep(ctx, spec, 'real.yaml');
    const model = { name: 'tiny-random-llava15', contentHash: contentHash(join(fixtures, 'tiny-random-llava15')) };
    const benchmark = { name: 'synth-shapes', contentHash: contentHash(bench.dir) };
    registerWorker(ctx, 'simulated', 'h', simulated);
    registerWorker(ctx, 'no-model', 'h', { ...simulated, simulated: false, benchmarks: [benchmark] });
    registerWorker(ctx, 'stale-copy', 'h', { ...simulated, simulated: false, models: [{ ...model, contentHash: 'sha256:other' }], benchmarks: [benchmark] });
    registerWorker(ctx, 'good', 'h', { ...simulated, simulated: false, models: [model], benchmarks: [benchmark] });
    expect(leaseShard(ctx, 'simulated').granted).toBeNull();
    expect(leaseShard(ctx, 'no-model').granted).toBeNull();
    expect(leaseShard(ctx, 'stale-copy').granted).toBeNull();
    const lease = leaseShard(ctx, 'good').granted;
    expect(lease?.modelHash).toBe(model.contentHash);
    expect(lease?.benchmarkHash).toBe(benchmark.contentHash);
  });

  it('backs off after a failure and fails the shard for good with its last error at maxAttempts', async () => {
    const ctx = coordinator.ctx;
    const { sweepId } = await submitSweep(ctx, simulatedSweep(2, 2).replace('maxAttempts: 5', 'maxAttempts: 2').replace('methods: [gridprune, random]', 'methods: [random]').replace('keep: [64, 16]', 'keep: [8]') + 'fullReference: false\n', 's.yaml');
    registerWorker(ctx, 'w', 'h', simulated);
    const first = leaseShard(ctx, 'w').granted!;
    expect(failShard(ctx, 'w', first.shard.id, 'boom 1')).toEqual({ final: false });
    const waiting = leaseShard(ctx, 'w');
    expect(waiting.granted).toBeNull();
    expect(waiting.granted === null && waiting.reason).toMatch(/backoff/);
    await new Promise((r) => setTimeout(r, 80));
    const second = leaseShard(ctx, 'w').granted!;
    expect(second.shard.id).toBe(first.shard.id);
    expect(failShard(ctx, 'w', second.shard.id, 'boom 2')).toEqual({ final: true });
    const status = sweepStatus(ctx, sweepId)!;
    expect(status.state).toBe('failed');
    expect(status.failures).toEqual([{ shardId: first.shard.id, jobId: first.job.id, attempts: 2, lastError: 'boom 2' }]);
    expect(completeShard(ctx, 'w', first.shard.id).accepted).toBe(false);
  });
});
