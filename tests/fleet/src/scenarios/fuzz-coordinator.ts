import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { Metadata, status } from '@grpc/grpc-js';
import { unary } from '@prunebench/proto';
import { startCoordinatorProc, startWorkerProc, submitSweepCli, TOKEN } from '../harness/fleet.ts';
import { exactlyOnceViolations, progress, readLedger } from '../harness/ledger.ts';
import { freePort, runCli, waitFor, type Proc } from '../harness/processes.ts';
import { errorDetails, ProbeWorker, probeResult } from '../harness/probe-worker.ts';
import { RawClient } from '../harness/raw-client.ts';
import { ProblemLog, tally, unclearError } from '../harness/verdict.ts';
import type { Scenario, ScenarioOutcome } from '../scenario.ts';
import { authCases, rawCases, yamlCases } from './fuzz-inputs-coordinator.ts';

const counts = { quick: { yaml: 80, raw: 140, auth: 40 }, soak: { yaml: 1_000, raw: 1_200, auth: 1_000 } };

/**
 * Hostile input at a live coordinator while two simulated-model workers run a sweep through it: sweep YAML, raw
 * gRPC bytes (wrong types, lying lengths, huge and negative sizes, hostile values), wrong bearer tokens. Every case
 * must get a clear error (or a sane success), and afterwards the coordinator, the workers and the sweep must be fine.
 */
export const fuzzCoordinator: Scenario = {
  id: 'fuzz-coordinator',
  title: 'fuzzing the coordinator: hostile sweep YAML, raw gRPC messages, wrong auth (workers keep running)',
  async run(ctx): Promise<ScenarioOutcome> {
    const n = counts[ctx.mode];
    const problems = new ProblemLog();
    const figures: Record<string, number | string> = {};
    const port = await freePort();
    const address = `127.0.0.1:${port}`;
    const config = { name: 'coordinator', logDir: ctx.logDir, dbPath: join(ctx.workDir, 'fuzz.sqlite'), host: '127.0.0.1', port, leaseTtlMs: 5_000, retryBaseMs: 100 };
    const coordinator: Proc = await startCoordinatorProc(config);
    const workers: Proc[] = [];
    const probe = new ProbeWorker(address);
    const alive = async (after: string): Promise<void> => {
      try {
        await unary(probe.client.getStatus.bind(probe.client), { sweepId: 0 }, new Metadata(), { deadline: Date.now() + 10_000 });
      } catch (error) {
        problems.add('coordinator stopped answering', `after ${after}: ${errorDetails(error).details}`);
      }
    };
    try {
      const sweepFile = join(ctx.workDir, 'background.yaml');
      writeFileSync(sweepFile, 'name: background\nmodels: [sim-model]\nbenchmarks: [sim-bench]\nmethods: [random]\nkeep: [64, 32]\nsamples: 800\nshardSize: 50\nsimulate: true\n');
      const background = await submitSweepCli(address, sweepFile);
      for (let i = 0; i < 2; i++) workers.push(startWorkerProc({ name: `worker${i}`, logDir: ctx.logDir, coordinator: address, id: `fuzz-w${i}`, simulateMs: 8 }));
      await probe.register('fuzz-probe');

      // --- sweep YAML -------------------------------------------------------------------------------------------
      const yamlCodes: Record<string, number> = {};
      const cases = yamlCases(ctx.seed, n.yaml);
      for (const [i, text] of cases.entries()) {
        const sourceName = `fuzz-${i}.yaml`;
        try {
          const out = await unary(probe.client.submitSweep.bind(probe.client), { specYaml: text, sourceName }, new Metadata(), { deadline: Date.now() + 15_000 });
          tally(yamlCodes, status.OK);
          await unary(probe.client.cancelSweep.bind(probe.client), { sweepId: out.sweepId }, new Metadata(), { deadline: Date.now() + 10_000 });
        } catch (error) {
          const { code = status.UNKNOWN, details } = errorDetails(error);
          tally(yamlCodes, code);
          const unclear = unclearError(code, details);
          if (unclear) problems.add('sweep YAML: unclear error', `case ${i} (${JSON.stringify(text.slice(0, 80))}): ${unclear}`);
          else if (code === status.INVALID_ARGUMENT && !details.includes(sourceName)) problems.add('sweep YAML: error does not name the file', `case ${i}: ${details.slice(0, 160)}`);
          else if (code === status.INTERNAL) problems.add('sweep YAML: INTERNAL instead of a validation error', `case ${i} (${JSON.stringify(text.slice(0, 80))}): ${details.slice(0, 160)}`);
        }
        if (i % 50 === 49) await alive(`yaml case ${i}`);
      }
      figures['yaml.cases'] = cases.length;
      figures['yaml.outcomes'] = JSON.stringify(yamlCodes);

      // --- raw gRPC bytes ---------------------------------------------------------------------------------------
      const fuzzSweep = await unary(probe.client.submitSweep.bind(probe.client), { specYaml: 'name: fuzz-target\nmodels: [sim-model]\nbenchmarks: [fuzz-bench]\nmethods: [random]\nkeep: [8]\nsamples: 100\nshardSize: 10\nsimulate: true\nrequirements: {providers: [probe]}\n', sourceName: 'fuzz-target.yaml' }, new Metadata());
      const rawCodes: Record<string, number> = {};
      const rawList = rawCases(ctx.seed + 1, n.raw, Array.from({ length: 10 }, (_, i) => i + 1), probe.workerId);
      for (const [i, c] of rawList.entries()) {
        // A fresh connection per case: one case that wedges its connection must not make the next ones time out.
        const raw = new RawClient(address);
        const timeoutMs = c.payloads[0]!.length > 1_000_000 ? 30_000 : 5_000;
        const outcome = c.method === 'ReportResults' ? await raw.reportStream(c.payloads, timeoutMs) : await raw.unary(c.method, c.payloads[0]!, undefined, timeoutMs);
        raw.close();
        tally(rawCodes, outcome.code);
        const unclear = unclearError(outcome.code, outcome.details);
        if (unclear) problems.add(`raw gRPC (${c.kind}): unclear error`, `case ${i} ${c.method} (${c.payloads[0]!.length} bytes): ${unclear}`);
        if (i % 50 === 49) await alive(`raw case ${i}`);
      }
      figures['grpc.cases'] = rawList.length;
      figures['grpc.outcomes'] = JSON.stringify(rawCodes);

      // --- wrong auth -------------------------------------------------------------------------------------------
      const authCodes: Record<string, number> = {};
      const noAuth = new RawClient(address, null);
      const tokens = authCases(ctx.seed + 2, n.auth, TOKEN);
      for (const [i, token] of tokens.entries()) {
        const metadata = new Metadata();
        if (token !== null) metadata.set('authorization', token);
        const outcome = await noAuth.unary(i % 2 ? 'GetStatus' : 'Lease', Buffer.alloc(0), metadata);
        tally(authCodes, outcome.code);
        if (outcome.code !== status.UNAUTHENTICATED) problems.add('wrong auth not refused with UNAUTHENTICATED', `token ${JSON.stringify(token?.slice(0, 40))}: ${status[outcome.code]} ${outcome.details}`);
      }
      noAuth.close();
      figures['auth.cases'] = tokens.length;
      figures['auth.outcomes'] = JSON.stringify(authCodes);
      const wrongWorker = await runCli(['worker', '--coordinator', address, '--token', 'not-the-token', '--simulate'], { timeoutMs: 30_000 });
      const lastLine = wrongWorker.stderr.trim().split('\n').filter((l) => !l.startsWith('{')).pop() ?? '';
      figures['auth.wrongTokenWorker'] = `exit ${wrongWorker.code}: ${lastLine.slice(0, 160)}`;
      if (wrongWorker.code === 0 || wrongWorker.code === null) problems.add('a worker with a wrong token', `did not exit with an error (exit ${wrongWorker.code})`);
      else if (!/token|unauthenticated|auth/i.test(lastLine) || /^\s+at /m.test(wrongWorker.stderr)) problems.add('a worker with a wrong token', `exits without one clear line: ${wrongWorker.stderr.slice(-300)}`);

      // --- afterwards: the background sweep finished exactly once, and nobody died -------------------------------
      await waitFor('the background sweep', ctx.mode === 'quick' ? 90_000 : 300_000, () => {
        const p = progress(config.dbPath, background);
        return p && (p.state === 'done' || p.state === 'failed') ? p : undefined;
      });
      // A result under another sample id for an index already stored would count that sample twice.
      const lease = await probe.lease();
      if (lease && lease.sweepId === fuzzSweep.sweepId) {
        const first = await probe.report(lease.shardId, [probeResult(lease, lease.sampleStart)]);
        const imposter = await probe.report(lease.shardId, [{ ...probeResult(lease, lease.sampleStart), sampleId: 'another-id' }]);
        figures['grpc.sameIndexOtherId'] = imposter.error ? `refused: ${imposter.error}` : `inserted ${imposter.inserted}`;
        if (!first.error && !imposter.error && imposter.inserted > 0) {
          problems.add('a second result for a stored sample index is stored under another sample id (the sample counts twice)', `shard ${lease.shardId} index ${lease.sampleStart}`);
        }
      }
      
      const ledger = readLedger(config.dbPath, background);
      for (const v of exactlyOnceViolations(ledger)) problems.add('background sweep', v);
      workers.forEach((w) => {
        if (!w.alive) problems.add('a worker died during fuzzing', `${w.name}: exit ${w.exit?.code ?? w.exit?.signal}: ${w.output.slice(-300)}`);
      });
      await alive('all cases');
      if (!coordinator.alive) problems.add('the coordinator died during fuzzing', coordinator.output.slice(-500));
      // Last, since a coordinator that chokes on it is no use afterwards: a sweep that expands into millions of
      // shards must be refused with an error naming the field, not expanded in memory while every worker waits.
      const bomb = 'name: huge\nmodels: [sim-model]\nbenchmarks: [sim-bench]\nmethods: [random]\nkeep: [1]\nsamples: 3000000\nshardSize: 1\nsimulate: true\n';
      const bombStarted = Date.now();
      try {
        const out = await unary(probe.client.submitSweep.bind(probe.client), { specYaml: bomb, sourceName: 'huge.yaml' }, new Metadata(), { deadline: Date.now() + 20_000 });
        figures['yaml.hugeSweep'] = `accepted: ${out.shards} shards in ${Date.now() - bombStarted} ms`;
        await unary(probe.client.cancelSweep.bind(probe.client), { sweepId: out.sweepId }, new Metadata(), { deadline: Date.now() + 20_000 });
      } catch (error) {
        const { code = status.UNKNOWN, details } = errorDetails(error);
        figures['yaml.hugeSweep'] = `${status[code]} after ${Date.now() - bombStarted} ms: ${details.slice(0, 160)}`;
        const unclear = unclearError(code, details);
        if (unclear) problems.add('a sweep of 6 million shards', `${unclear}`);
      }
      await alive('a sweep of 6 million shards');
      figures.cases = cases.length + rawList.length + tokens.length + 1;
      figures.samples = ledger.expected;
      figures.lost = ledger.lost;
      figures.duplicated = ledger.duplicated;
    } finally {
      probe.close();
      await Promise.all(workers.map((w) => w.stop(5_000)));
      await coordinator.stop(5_000);
    }
    return { problems: problems.summary(), figures };
  },
};
