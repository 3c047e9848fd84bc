import { freePort } from '../harness/processes.ts';
import { seededRng } from '../harness/rng.ts';
import { runChaosSweep } from '../harness/sweep-run.ts';
import type { Scenario } from '../scenario.ts';
import { join } from 'node:path';

const sizes = {
  // 5 jobs (full reference + 2 methods x 2 budgets) x 2,000 samples = 10,000 sample evaluations.
  quick: { samples: 2_000, workers: 4, simulateMs: 4, workerKills: 4, stalls: 1, timeoutMs: 150_000 },
  soak: { samples: 12_000, workers: 6, simulateMs: 4, workerKills: 24, stalls: 4, timeoutMs: 900_000 },
};

/** >= 10,000 samples with simulated-model workers while workers are SIGKILLed, frozen past their lease, and the coordinator is SIGKILLed twice. */
export const chaosSimulated: Scenario = {
  id: 'chaos-simulated',
  title: 'chaos during a simulated-model sweep (worker SIGKILLs, a worker frozen past its lease, 2 coordinator SIGKILLs)',
  async run(ctx) {
    const size = sizes[ctx.mode];
    const leaseTtlMs = 3_000;
    const port = await freePort();
    const address = `127.0.0.1:${port}`;
    const sweepYaml = [
      'name: chaos-simulated',
      'models: [sim-model]',
      'benchmarks: [sim-bench]',
      'methods: [random, fastv]',
      'keep: [64, 32]',
      `samples: ${size.samples}`,
      'shardSize: 50',
      // Kills and expiries count attempts; a shard unlucky enough to be hit many times must not fail the sweep.
      'maxAttempts: 50',
      'simulate: true',
      '',
    ].join('\n');
    const result = await runChaosSweep({
      label: 'chaos-simulated',
      workDir: ctx.workDir,
      sweepYaml,
      coordinator: { name: 'coordinator', logDir: ctx.logDir, dbPath: join(ctx.workDir, 'chaos.sqlite'), host: '127.0.0.1', port, leaseTtlMs, retryBaseMs: 100 },
      worker: (i) => ({ name: `worker${i}`, logDir: ctx.logDir, coordinator: address, id: `sim-${i}`, simulateMs: size.simulateMs, batchSize: 16 }),
      workers: size.workers,
      chaos: { workerKills: size.workerKills, stalls: size.stalls, coordinatorRestarts: 2, from: 0.05, to: 0.85 },
      rng: seededRng(ctx.seed ^ 0xc4a05),
      timeoutMs: size.timeoutMs,
      log: ctx.log,
      clientAddress: address,
    });
    return {
      problems: result.problems,
      figures: {
        samples: result.ledger.expected,
        stored: result.ledger.stored,
        lost: result.ledger.lost,
        duplicated: result.ledger.duplicated,
        shards: result.ledger.shards,
        retriedShards: result.ledger.retriedShards,
        maxAttemptsOnAShard: result.ledger.maxAttempts,
        workers: size.workers,
        workerKills: result.counters.workerKills,
        workerStalls: result.counters.stalls,
        coordinatorKills: result.counters.coordinatorKills,
        finalState: result.ledger.state,
        statusLine: result.statusLine,
        seconds: result.seconds,
      },
    };
  },
};
