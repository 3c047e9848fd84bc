import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Metadata } from '@grpc/grpc-js';
import { unary } from '@prunebench/proto';
import { startCoordinatorProc, startWorkerProc, type CoordinatorConfig } from '../harness/fleet.ts';
import { storedKeys } from '../harness/ledger.ts';
import { freePort, sleep, type Proc } from '../harness/processes.ts';
import { errorDetails, ProbeWorker, probeResult } from '../harness/probe-worker.ts';
import type { Scenario, ScenarioContext, ScenarioOutcome } from '../scenario.ts';

const CLEAR_STORAGE_ERROR = /full|read-?only|disk|space|storage/i;

function mount(...args: string[]): void {
  execFileSync('mount', args, { stdio: ['ignore', 'pipe', 'pipe'] });
}

function unmount(dir: string): void {
  try {
    execFileSync('umount', ['-l', dir], { stdio: 'ignore' });
  } catch {
    // Not mounted.
  }
}

const sweepYaml = (name: string): string =>
  [`name: ${name}`, 'models: [sim-model]', 'benchmarks: [sim-bench]', 'methods: [random]', 'keep: [64]', 'samples: 20000', 'shardSize: 100', 'simulate: true', ''].join('\n');

interface Acked {
  keys: Set<string>;
  batches: number;
  rejection: string;
}

/** Leases shards and reports fat results until the coordinator rejects a batch; returns what it acknowledged. */
async function fillUntilRejected(probe: ProbeWorker, maxBatches: number): Promise<Acked> {
  const acked: Acked = { keys: new Set(), batches: 0, rejection: '' };
  while (acked.batches < maxBatches) {
    let lease;
    try {
      lease = await probe.lease();
    } catch (error) {
      acked.rejection = `Lease: ${errorDetails(error).details}`;
      return acked;
    }
    if (!lease) return acked;
    for (let start = lease.sampleStart; start < lease.sampleEnd; start += 25) {
      const indices = Array.from({ length: Math.min(25, lease.sampleEnd - start) }, (_, i) => start + i);
      const ack = await probe.report(lease.shardId, indices.map((i) => probeResult(lease, i, 2_000)));
      if (ack.error) {
        acked.rejection = `ReportResults: ${ack.error}`;
        return acked;
      }
      acked.batches++;
      for (const i of indices) acked.keys.add(`${lease.jobId}:${i}`);
    }
    await probe.complete(lease.shardId).catch(() => undefined);
  }
  return acked;
}

/** A submit on a full or read-only database: refused with an error naming the storage, or accepted (returned id). */
async function expectRefusal(call: Promise<{ sweepId: number }>, problems: string[], figures: Record<string, number | string>): Promise<number | undefined> {
  try {
    const out = await call;
    figures.submitOnFullDisk = `accepted (sweep ${out.sweepId}; checked durable after restart)`;
    return out.sweepId;
  } catch (error) {
    const { details } = errorDetails(error);
    figures.submitRefusal = details;
    if (!CLEAR_STORAGE_ERROR.test(details)) problems.push(`SubmitSweep refusal does not name the storage problem: ${details}`);
    return undefined;
  }
}

async function storageCase(ctx: ScenarioContext, kind: 'disk-full' | 'read-only'): Promise<{ problems: string[]; figures: Record<string, number | string> }> {
  const problems: string[] = [];
  const dir = join(ctx.workDir, kind);
  mkdirSync(dir, { recursive: true });
  mount('-t', 'tmpfs', '-o', kind === 'disk-full' ? 'size=3m' : 'size=64m', 'tmpfs', dir);
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  const config: CoordinatorConfig = { name: `coordinator-${kind}`, logDir: ctx.logDir, dbPath: join(dir, 'db.sqlite'), host: '127.0.0.1', port, leaseTtlMs: 30_000, retryBaseMs: 100 };
  let coordinator: Proc | undefined;
  const probe = new ProbeWorker(address);
  const figures: Record<string, number | string> = {};
  try {
    coordinator = await startCoordinatorProc(config, 1);
    const submit = (name: string) => unary(probe.client.submitSweep.bind(probe.client), { specYaml: sweepYaml(name), sourceName: `${name}.yaml` }, new Metadata(), { deadline: Date.now() + 20_000 });
    const { sweepId } = await submit(`${kind}-1`);
    await probe.register(`probe-${kind}`);

    let acked: Acked;
    const acceptedSweeps: number[] = [];
    if (kind === 'disk-full') {
      acked = await fillUntilRejected(probe, 10_000);
      if (!acked.rejection) problems.push('a 3 MiB disk never filled up: no batch was rejected');
      figures.acknowledgedResults = acked.keys.size;
      figures.rejection = acked.rejection;
      if (acked.rejection && !CLEAR_STORAGE_ERROR.test(acked.rejection)) problems.push(`the rejection does not say the storage is the problem: ${acked.rejection}`);
      // Take whatever space the rollback freed too, so the disk stays full for what follows.
      try {
        execFileSync('dd', ['if=/dev/zero', `of=${join(dir, 'filler')}`, 'bs=64k'], { stdio: 'ignore' });
      } catch {
        // dd stops with ENOSPC: that is the point.
      }
      // Every later write is either refused with a clear error or, if it fits after all, durable like any other.
      const accepted = await expectRefusal(submit(`${kind}-2`), problems, figures);
      if (accepted !== undefined) acceptedSweeps.push(accepted);
      const more = await fillUntilRejected(probe, 4);
      for (const key of more.keys) acked.keys.add(key);
      figures.acknowledgedResults = acked.keys.size;
      if (!more.rejection) problems.push('results were acknowledged on a disk full to the last byte, and no batch was refused');
      else if (!CLEAR_STORAGE_ERROR.test(more.rejection)) problems.push(`the rejection does not say the storage is the problem: ${more.rejection}`);
      try {
        await unary(probe.client.getStatus.bind(probe.client), { sweepId }, new Metadata(), { deadline: Date.now() + 10_000 });
      } catch (error) {
        problems.push(`GetStatus fails on a full disk: ${errorDetails(error).details}`);
      }
      // A worker that joins now must wait for space, not crash: the fleet outlives a full disk at the coordinator.
      const worker = startWorkerProc({ name: 'worker-full-disk', logDir: ctx.logDir, coordinator: address, id: 'full-disk-worker', simulateMs: 1 });
      await sleep(8_000);
      figures.workerOnFullDisk = worker.alive ? 'still running' : `exited ${worker.exit?.code ?? worker.exit?.signal}`;
      if (!worker.alive) {
        const last = worker.output.trim().split('\n').filter((l) => !l.startsWith('{')).pop() ?? '';
        problems.push(`a worker joining while the disk is full exits instead of waiting: "${last.slice(0, 200)}"`);
      }
      await worker.stop(5_000);
      if (!coordinator.alive) problems.push(`the coordinator exited on a full disk:\n${coordinator.output.slice(-600)}`);
    } else {
      // A file system cannot turn read-only under open writers (EBUSY), so the coordinator meets the read-only
      // database when it (re)starts: e.g. a volume remounted read-only after an error, or a restored backup.
      acked = await fillUntilRejected(probe, 8);
      figures.acknowledgedResults = acked.keys.size;
      probe.close();
      await coordinator.stop(10_000);
      mount('-o', 'remount,ro', dir);
      const readOnly = startCoordinatorProc(config, 2, 30_000);
      try {
        coordinator = await readOnly;
        // It runs: then it must refuse new work clearly.
        const again = new ProbeWorker(address);
        try {
          const accepted = await expectRefusal(unary(again.client.submitSweep.bind(again.client), { specYaml: sweepYaml(`${kind}-2`), sourceName: 'ro.yaml' }, new Metadata(), { deadline: Date.now() + 20_000 }), problems, figures);
          if (accepted !== undefined) problems.push(`SubmitSweep accepted sweep ${accepted} on a read-only database`);
        } finally {
          again.close();
        }
        figures.startup = 'serving (read-only)';
        await coordinator.stop(10_000);
      } catch (error) {
        // It refuses to start: the message must be one clear line naming the database, not a stack trace.
        const output = (error as Error).message;
        const lines = output.split('\n').filter((l) => l.trim() !== '' && !/^\S+ exited|^\s*$/.test(l));
        const reason = lines.find((l) => l.includes(config.dbPath) && CLEAR_STORAGE_ERROR.test(l)) ?? '';
        figures.startup = 'refused to start';
        figures.startupError = reason || lines.slice(-3).join(' | ');
        if (!reason) problems.push(`a coordinator on a read-only database exits without naming the database file and the cause: "${lines.slice(-3).join(' | ')}"`);
        if (lines.some((l) => /^\s+at /.test(l))) problems.push('a coordinator on a read-only database prints a stack trace instead of one clear line');
      }
      coordinator = undefined;
    }

    // The harshest end: SIGKILL, give the space back, restart, and look for every acknowledged result.
    await coordinator?.kill();
    probe.close();
    mount('-o', kind === 'disk-full' ? 'remount,rw,size=64m' : 'remount,rw', dir);
    coordinator = await startCoordinatorProc(config, 2);
    const stored = storedKeys(config.dbPath, sweepId);
    const lost = [...acked.keys].filter((key) => !stored.has(key)).length;
    figures.lost = lost;
    if (lost > 0) problems.push(`${lost} acknowledged results are missing after restart`);
    for (const id of acceptedSweeps) {
      const db = new Database(config.dbPath, { readonly: true });
      const row = db.prepare('select count(*) n from shards where sweep_id = ?').get(id) as { n: number };
      db.close();
      if (row.n === 0) problems.push(`sweep ${id}, accepted on the full disk, is missing after restart`);
    }
    const integrity = new Database(config.dbPath, { readonly: true });
    const check = integrity.pragma('integrity_check', { simple: true });
    integrity.close();
    figures.integrity = String(check);
    if (check !== 'ok') problems.push(`integrity_check: ${String(check)}`);
    const again = new ProbeWorker(address);
    try {
      await unary(again.client.submitSweep.bind(again.client), { specYaml: sweepYaml(`${kind}-3`), sourceName: 'after.yaml' }, new Metadata(), { deadline: Date.now() + 20_000 });
      figures.recovered = 'yes';
    } catch (error) {
      problems.push(`after space came back the coordinator still refuses work: ${errorDetails(error).details}`);
    } finally {
      again.close();
    }
    return { problems, figures };
  } finally {
    probe.close();
    await coordinator?.stop(5_000);
    unmount(dir);
  }
}

/** Disk full and read-only database at the coordinator: new work refused with a clear error, nothing acknowledged lost. */
export const diskFull: Scenario = {
  id: 'disk-full',
  title: 'disk full and read-only database at the coordinator (tmpfs): clear refusal, nothing acknowledged lost',
  async run(ctx): Promise<ScenarioOutcome> {
    const probeDir = join(ctx.workDir, 'mount-probe');
    mkdirSync(probeDir, { recursive: true });
    try {
      mount('-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', probeDir);
      unmount(probeDir);
    } catch (error) {
      const reason = (error as { stderr?: Buffer }).stderr?.toString().trim() || (error as Error).message;
      return { problems: [], figures: {}, skipped: `SKIP: cannot mount a tmpfs here (${reason}); the disk-full and read-only cases need one` };
    }
    writeFileSync(join(ctx.workDir, 'README'), 'tmpfs mounts for the disk-full and read-only cases live here while they run\n');
    const full = await storageCase(ctx, 'disk-full');
    const readOnly = await storageCase(ctx, 'read-only');
    const prefix = (tag: string, figures: Record<string, number | string>) => Object.fromEntries(Object.entries(figures).map(([k, v]) => [`${tag}.${k}`, v]));
    return {
      problems: [...full.problems.map((p) => `disk full: ${p}`), ...readOnly.problems.map((p) => `read-only: ${p}`)],
      figures: { ...prefix('diskFull', full.figures), ...prefix('readOnly', readOnly.figures), lost: Number(full.figures.lost ?? 0) + Number(readOnly.figures.lost ?? 0) },
    };
  },
};
