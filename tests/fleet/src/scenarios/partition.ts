import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { startCoordinatorProc, startWorkerProc, submitSweepCli, sweepStatusCli } from '../harness/fleet.ts';
import { exactlyOnceViolations, progress, readLedger } from '../harness/ledger.ts';
import { sleep, spawnAgent, waitFor, type Proc } from '../harness/processes.ts';
import { seededRng } from '../harness/rng.ts';
import type { Scenario, ScenarioOutcome } from '../scenario.ts';

const sizes = {
  quick: { samples: 600, simulateMs: 15, partitions: 2, timeoutMs: 150_000 },
  soak: { samples: 3_000, simulateMs: 10, partitions: 10, timeoutMs: 900_000 },
};
const WORKERS = 3;
const PORT = 50_051;

function queryOne<T>(dbPath: string, sql: string, ...params: unknown[]): T {
  const db = new Database(dbPath, { readonly: true });
  try {
    return db.prepare(sql).get(...params) as T;
  } finally {
    db.close();
  }
}

/**
 * Coordinator and workers on separate "hosts" (network namespaces on a private bridge). Workers are cut off (their
 * switch port taken down) and brought back: their leases expire, their shards are re-run elsewhere, they rejoin,
 * and a worker that reports after its shard was re-run has every late result ignored as a duplicate.
 */
export const partition: Scenario = {
  id: 'partition',
  title: 'network partitions across namespaces: lease expiry, re-run elsewhere, rejoin, late results deduplicated',
  async run(ctx): Promise<ScenarioOutcome> {
    if (!ctx.netns.available) {
      return { problems: [], figures: {}, skipped: `SKIP: network namespaces cannot be created here (${ctx.netns.reason}); partition cases need them (the other scenarios ran on loopback)` };
    }
    const size = sizes[ctx.mode];
    const rng = seededRng(ctx.seed ^ 0x9a27);
    const problems: string[] = [];
    const figures: Record<string, number | string> = {};
    const topo = ctx.netns.create(WORKERS + 1);
    const address = `${topo.coordinatorIp}:${PORT}`;
    const leaseTtlMs = 2_000;
    const dbPath = join(ctx.workDir, 'partition.sqlite');
    let coordinator: Proc | undefined;
    const workers: Proc[] = [];
    let late: Proc | undefined;
    try {
      coordinator = await startCoordinatorProc({ name: 'coordinator', logDir: ctx.logDir, dbPath, host: '0.0.0.0', port: PORT, leaseTtlMs, retryBaseMs: 100, netns: topo.coordinatorNs });
      const sweepFile = join(ctx.workDir, 'partition.yaml');
      writeFileSync(sweepFile, `name: partition\nmodels: [sim-model]\nbenchmarks: [sim-bench]\nmethods: [random]\nkeep: [64, 32]\nsamples: ${size.samples}\nshardSize: 20\nmaxAttempts: 30\nsimulate: true\n`);
      const sweepId = await submitSweepCli(address, sweepFile, topo.coordinatorNs);

      // The late reporter takes the first shard, reports half, and is cut off before it can say more.
      const lateIndex = WORKERS;
      const goFile = join(ctx.workDir, 'late-go');
      late = spawnAgent('late-reporter.ts', [address, 'part-late', goFile], { name: 'late-reporter', logDir: ctx.logDir, netns: topo.workerNs[lateIndex] });
      const leased = JSON.parse((await late.waitForStdout(/^\{"event":"leased".*$/m, 60_000))[0]) as { shardId: number; start: number; end: number };
      topo.cut(lateIndex);
      let partitions = 1;

      for (let i = 0; i < WORKERS; i++) {
        workers.push(startWorkerProc({ name: `worker${i}`, logDir: ctx.logDir, coordinator: address, id: `part-w${i}`, simulateMs: size.simulateMs, netns: topo.workerNs[i], batchSize: 8 }));
      }

      // Seeded cuts of the real workers, one at a time, each held for 1.5 to 3 lease lifetimes.
      const restoredAt: Array<{ worker: number; fraction: number; at: number }> = [];
      const moments = Array.from({ length: size.partitions }, () => rng.between(0.1, 0.5)).sort((a, b) => a - b);
      for (const moment of moments) {
        await waitFor(`${(moment * 100).toFixed(0)}% progress`, size.timeoutMs, () => {
          const p = progress(dbPath, sweepId);
          return p && p.done / p.total >= moment ? true : undefined;
        });
        const victim = rng.int(0, WORKERS - 1);
        const holdMs = Math.round(leaseTtlMs * rng.between(1.5, 3));
        ctx.log(`partition @${(moment * 100).toFixed(1)}%: cable of worker ${victim} pulled for ${holdMs} ms`);
        topo.cut(victim);
        partitions++;
        await sleep(holdMs);
        topo.restore(victim);
        const p = progress(dbPath, sweepId);
        restoredAt.push({ worker: victim, fraction: p ? p.done / p.total : 1, at: Date.now() });
      }

      // Once its shard was re-run and finished elsewhere, the late reporter gets its cable back and reports.
      await waitFor(`shard ${leased.shardId} re-run elsewhere`, size.timeoutMs, () =>
        queryOne<{ state: string }>(dbPath, 'select state from shards where id = ?', leased.shardId).state === 'done' ? true : undefined,
      );
      topo.restore(lateIndex);
      writeFileSync(goFile, 'go\n');
      const lateLine = JSON.parse((await late.waitForStdout(/^\{"event":"late".*$/m, 90_000))[0]) as { late: { inserted: number; duplicates: number; error: string }; leaseLost: boolean; complete: { accepted: boolean } };
      const lateCount = leased.end - (leased.start + Math.floor((leased.end - leased.start) / 2));
      figures.lateResults = lateCount;
      figures.lateInserted = lateLine.late.inserted;
      figures.lateIgnoredAsDuplicates = lateLine.late.duplicates;
      figures.lateReporterToldLeaseLost = String(lateLine.leaseLost);
      if (lateLine.late.error) problems.push(`late results were refused outright instead of deduplicated: ${lateLine.late.error}`);
      else if (lateLine.late.inserted !== 0 || lateLine.late.duplicates !== lateCount) {
        problems.push(`late results: ${lateLine.late.inserted} inserted, ${lateLine.late.duplicates} duplicates of ${lateCount} (expected 0 and ${lateCount})`);
      }
      if (!lateLine.leaseLost) problems.push('the late reporter was not told its lease was lost');

      await waitFor('the sweep to finish', size.timeoutMs, () => {
        const p = progress(dbPath, sweepId);
        return p && (p.state === 'done' || p.state === 'failed') ? true : undefined;
      });
      await sleep(300);
      const ledger = readLedger(dbPath, sweepId);
      problems.push(...exactlyOnceViolations(ledger));
      const expired = queryOne<{ n: number }>(dbPath, "select count(*) n from shards where sweep_id = ? and last_error like 'lease expired%'", sweepId).n;
      figures.expiredLeases = expired;
      if (expired < 1) problems.push('no lease expired although workers were cut off for longer than the lease');
      workers.forEach((w, i) => {
        if (!w.alive) problems.push(`worker ${i} died after a partition: exit ${w.exit?.code ?? w.exit?.signal}: ${w.output.slice(-300)}`);
      });
      // A worker cut off early enough must have rejoined: results from it stored after its cable came back.
      let rejoined = 0;
      for (const r of restoredAt.filter((r) => r.fraction < 0.75)) {
        const n = queryOne<{ n: number }>(dbPath, 'select count(*) n from results where sweep_id = ? and worker_id = ? and created_at > ?', sweepId, `part-w${r.worker}`, r.at + leaseTtlMs).n;
        if (n > 0) rejoined++;
        else problems.push(`worker ${r.worker} stored nothing after its cable came back (at ${(r.fraction * 100).toFixed(0)}% of the sweep)`);
      }
      figures.rejoinedAfterPartition = rejoined;
      const status = await sweepStatusCli(address, sweepId, topo.coordinatorNs);
      figures.statusLine = status.text.split('\n')[0] ?? '';
      if (!coordinator.alive) problems.push('the coordinator died');
      Object.assign(figures, { samples: ledger.expected, stored: ledger.stored, lost: ledger.lost, duplicated: ledger.duplicated, partitions, retriedShards: ledger.retriedShards });
    } finally {
      late?.signal('SIGKILL');
      await Promise.all(workers.map((w) => w.stop(5_000)));
      await coordinator?.stop(5_000);
      ctx.netns.cleanup();
    }
    return { problems, figures };
  },
};
