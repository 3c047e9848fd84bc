import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, repoRoot, runCli } from '../harness/processes.ts';
import { seededRng } from '../harness/rng.ts';
import { runChaosSweep } from '../harness/sweep-run.ts';
import type { Scenario, ScenarioOutcome } from '../scenario.ts';

const sizes = {
  quick: { scenes: 3, workers: 2, workerKills: 1, stalls: 1, coordinatorRestarts: 1, timeoutMs: 150_000 },
  soak: { scenes: 12, workers: 3, workerKills: 4, stalls: 2, coordinatorRestarts: 2, timeoutMs: 900_000 },
};

/** The embedded trained model once it exists, else the random-weight LLaVA-1.5 layout fixture. */
function tinyModel(): { name: string; dir: string } | undefined {
  for (const [name, dir] of [['tiny-synth', 'models'], ['tiny-random-llava15', 'fixtures/models']] as const) {
    if (existsSync(join(repoRoot(), dir, name, 'model.json'))) return { name, dir: join(repoRoot(), dir) };
  }
  return undefined;
}

/** Real worker processes running the ONNX pipeline on a tiny model, under the same chaos (smaller). */
export const chaosReal: Scenario = {
  id: 'chaos-real',
  title: 'chaos during a sweep run by real workers (onnxruntime pipeline, tiny model, synthetic benchmark)',
  async run(ctx): Promise<ScenarioOutcome> {
    const size = sizes[ctx.mode];
    const model = tinyModel();
    if (!model) return { problems: [], figures: {}, skipped: 'SKIP: no tiny model (models/tiny-synth or fixtures/models/tiny-random-llava15) in this checkout' };
    const benches = join(ctx.workDir, 'benches');
    const synth = await runCli(['bench', 'synth', '--out', join(benches, 'synth-shapes'), '--scenes', String(size.scenes), '--size', '64', '--no-progress'], { timeoutMs: 120_000 });
    if (synth.code !== 0) return { problems: [`cannot generate the synthetic benchmark: ${synth.stderr.trim()}`], figures: {} };
    const port = await freePort();
    const address = `127.0.0.1:${port}`;
    const leaseTtlMs = 4_000;
    const sweepYaml = [
      'name: chaos-real',
      `models: [${model.name}]`,
      'benchmarks: [synth-shapes]',
      'methods: [random, fastv]',
      'keep: [16]',
      'shardSize: 3',
      'maxAttempts: 30',
      '',
    ].join('\n');
    const result = await runChaosSweep({
      label: 'chaos-real',
      workDir: ctx.workDir,
      sweepYaml,
      coordinator: { name: 'coordinator', logDir: ctx.logDir, dbPath: join(ctx.workDir, 'real.sqlite'), host: '127.0.0.1', port, leaseTtlMs, retryBaseMs: 100, models: [model.dir], benches: [benches] },
      worker: (i) => ({ name: `worker${i}`, logDir: ctx.logDir, coordinator: address, id: `real-${i}`, models: [model.dir], benches: [benches], batchSize: 2 }),
      workers: size.workers,
      chaos: { workerKills: size.workerKills, stalls: size.stalls, coordinatorRestarts: size.coordinatorRestarts, from: 0.1, to: 0.7 },
      rng: seededRng(ctx.seed ^ 0x4ea1),
      timeoutMs: size.timeoutMs,
      log: ctx.log,
      clientAddress: address,
    });
    return {
      problems: result.problems,
      figures: {
        model: model.name,
        samples: result.ledger.expected,
        stored: result.ledger.stored,
        lost: result.ledger.lost,
        duplicated: result.ledger.duplicated,
        shards: result.ledger.shards,
        retriedShards: result.ledger.retriedShards,
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
