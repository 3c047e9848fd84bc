import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startCoordinatorProc, startWorkerProc, submitSweepCli, sweepStatusCli } from '../harness/fleet.ts';
import { progress, readLedger } from '../harness/ledger.ts';
import { freePort, repoRoot, runCli, spawnAgent, waitFor, type Proc } from '../harness/processes.ts';
import type { Scenario, ScenarioOutcome } from '../scenario.ts';

const counts = { quick: { images: 24, onnx: 16, manifest: 40 }, soak: { images: 1_000, onnx: 1_000, manifest: 1_000 } };

interface Tally {
  cases: number;
  accepted: number;
  clearErrors: number;
  problems: string[];
}

/**
 * Bad input at the worker: corrupt and truncated images, truncated or mismatched ONNX graphs, model.json errors (in
 * a child process running the real pipeline), then one broken model served to a real worker process through the
 * coordinator: the shard fails with the error visible in `sweep status`, the sweep ends failed, the worker lives on.
 */
export const fuzzWorker: Scenario = {
  id: 'fuzz-worker',
  title: 'fuzzing the worker: corrupt images, broken ONNX graphs, model.json errors; a broken model through the fleet',
  async run(ctx): Promise<ScenarioOutcome> {
    const n = counts[ctx.mode];
    const problems: string[] = [];
    const figures: Record<string, number | string> = {};
    const modelDir = join(repoRoot(), 'fixtures', 'models', 'tiny-random-llava15');
    const otherDir = join(repoRoot(), 'fixtures', 'models', 'tiny-llava-next');
    const benches = join(ctx.workDir, 'benches');
    const synth = await runCli(['bench', 'synth', '--out', join(benches, 'synth-shapes'), '--scenes', '1', '--size', '64', '--no-progress'], { timeoutMs: 120_000 });
    if (synth.code !== 0) return { problems: [`cannot generate the synthetic benchmark: ${synth.stderr.trim()}`], figures };

    const summaryFile = join(ctx.workDir, 'worker-input-fuzz.json');
    const agent = spawnAgent('worker-input-fuzz.ts', ['--out', summaryFile, '--seed', String(ctx.seed), '--images', String(n.images), '--onnx', String(n.onnx), '--manifest', String(n.manifest), '--model', modelDir, '--other', otherDir, '--bench', join(benches, 'synth-shapes'), '--work', join(ctx.workDir, 'agent')], { name: 'worker-input-fuzz', logDir: ctx.logDir });
    const exit = await agent.exited;
    const summaryLine = existsSync(summaryFile) ? readFileSync(summaryFile, 'utf8') : undefined;
    if (exit.code !== 0 || !summaryLine) {
      const lastCase = agent.stdout.trim().split('\n').filter((l) => l.startsWith('case ')).pop() ?? '(before the first case)';
      problems.push(`the worker pipeline died (exit ${exit.code ?? exit.signal}) at ${lastCase}: ${agent.output.slice(-400)}`);
    } else {
      const summary = JSON.parse(summaryLine) as Record<'images' | 'onnx' | 'manifest', Tally>;
      let cases = 0;
      for (const [target, tally] of Object.entries(summary)) {
        figures[`${target}.cases`] = tally.cases;
        figures[`${target}.clearErrors`] = tally.clearErrors;
        figures[`${target}.accepted`] = tally.accepted;
        cases += tally.cases;
        problems.push(...tally.problems.slice(0, 3).map((p) => `${target}: ${p}`));
        if (tally.problems.length > 3) problems.push(`${target}: ${tally.problems.length} problems in all`);
      }
      figures.cases = cases;
    }

    // Through the fleet: a model folder whose decoder tail is cut short.
    const broken = join(ctx.workDir, 'models');
    cpSync(modelDir, join(broken, 'broken-llava'), { recursive: true });
    const tail = join(broken, 'broken-llava', 'decoder_tail.onnx');
    writeFileSync(tail, readFileSync(tail).subarray(0, 5_000));
    const manifestFile = join(broken, 'broken-llava', 'model.json');
    writeFileSync(manifestFile, readFileSync(manifestFile, 'utf8').replace('"name": "tiny-random-llava15"', '"name": "broken-llava"'));
    const port = await freePort();
    const address = `127.0.0.1:${port}`;
    let coordinator: Proc | undefined;
    let worker: Proc | undefined;
    try {
      const dbPath = join(ctx.workDir, 'broken.sqlite');
      coordinator = await startCoordinatorProc({ name: 'coordinator', logDir: ctx.logDir, dbPath, host: '127.0.0.1', port, leaseTtlMs: 10_000, retryBaseMs: 100, models: [broken], benches: [benches] });
      const sweepFile = join(ctx.workDir, 'broken.yaml');
      writeFileSync(sweepFile, 'name: broken-model\nmodels: [broken-llava]\nbenchmarks: [synth-shapes]\nmethods: [random]\nkeep: [16]\nfullReference: false\nshardSize: 4\nmaxAttempts: 2\n');
      const sweepId = await submitSweepCli(address, sweepFile);
      worker = startWorkerProc({ name: 'worker', logDir: ctx.logDir, coordinator: address, id: 'broken-model-worker', models: [broken], benches: [benches] });
      await waitFor('the broken-model sweep to end', 120_000, () => {
        const p = progress(dbPath, sweepId);
        return p && p.state !== 'queued' && p.state !== 'running' ? p : undefined;
      });
      const ledger = readLedger(dbPath, sweepId);
      const status = await sweepStatusCli(address, sweepId);
      const failure = status.text.split('\n').find((l) => l.includes('failed shard')) ?? '';
      figures.brokenModelSweep = ledger.state;
      figures.brokenModelError = failure.trim().slice(0, 240);
      if (ledger.state !== 'failed') problems.push(`a sweep on a broken model ended ${ledger.state}, expected failed`);
      if (!failure.includes('decoder_tail.onnx')) problems.push(`sweep status does not name the broken graph: ${failure || status.text.slice(0, 300)}`);
      if (ledger.openShards !== 0) problems.push(`${ledger.openShards} shards stuck after the sweep failed`);
      if (!worker.alive) problems.push(`the worker died on a broken model: ${worker.output.slice(-300)}`);
      figures.workerAfterBrokenModel = worker.alive ? 'still running' : 'died';
    } finally {
      await worker?.stop(5_000);
      await coordinator?.stop(5_000);
    }
    return { problems, figures };
  },
};
