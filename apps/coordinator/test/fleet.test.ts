import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { connectCoordinator, CoordinatorClient, unary, type ReportResultsResponse, type SampleResult } from '@prunebench/proto';
import { credentials } from '@grpc/grpc-js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  TOKEN,
  expectExactlyOnce,
  freePort,
  inProcessCoordinator,
  readBack,
  root,
  simulatedSweep,
  simulatedWorker,
  spawnCli,
  stop,
  storedCount,
  waitFor,
  type CliProcess,
} from './helpers.ts';

let dir: string;
let processes: CliProcess[];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'prunebench-fleet-'));
  processes = [];
});
afterEach(async () => {
  await stop(processes);
  rmSync(dir, { recursive: true, force: true });
});

const md = () => new Metadata();

function result(sampleIndex: number): SampleResult {
  return {
    sampleId: `b-${sampleIndex}`,
    sampleIndex,
    prediction: 'x',
    score: 1,
    metric: 'exact-match',
    parsedJson: '',
    tokensBefore: 576,
    keptCount: 2,
    keptIndices: [3, 9],
    prefillMs: 1,
    totalMs: 2,
    flops: 3,
    variantJson: '{"simulated":true}',
  };
}

describe('auth', () => {
  it('rejects calls without the bearer token, or with a wrong one, as UNAUTHENTICATED', async () => {
    const coordinator = await inProcessCoordinator(join(dir, 'c.sqlite'));
    try {
      const anonymous = new CoordinatorClient(coordinator.address, credentials.createInsecure());
      const wrong = connectCoordinator(coordinator.address, { token: 'nope' });
      const right = connectCoordinator(coordinator.address, { token: TOKEN });
      for (const client of [anonymous, wrong]) {
        const error = (await unary(client.getStatus.bind(client), { sweepId: 0 }, md()).catch((e: unknown) => e)) as ServiceError;
        expect(error.code).toBe(status.UNAUTHENTICATED);
        // Streams are guarded by the same interceptor.
        const stream = client.exportResults({ sweepId: 1 }, md());
        const streamError = await new Promise<ServiceError>((resolve) => stream.on('error', resolve));
        expect(streamError.code).toBe(status.UNAUTHENTICATED);
        client.close();
      }
      expect((await unary(right.getStatus.bind(right), { sweepId: 0 }, md())).sweeps).toEqual([]);
      right.close();
    } finally {
      await coordinator.close();
    }
  });
});

describe('idempotent results', () => {
  it('ignores a replayed batch and never counts it twice', async () => {
    const dbPath = join(dir, 'c.sqlite');
    const coordinator = await inProcessCoordinator(dbPath);
    const client = connectCoordinator(coordinator.address, { token: TOKEN });
    try {
      const submitted = await unary(client.submitSweep.bind(client), { specYaml: simulatedSweep(6, 6), sourceName: 's.yaml' }, md());
      const { workerId } = await unary(client.register.bind(client), {
        workerId: 'w1',
        host: 'test',
        capabilities: { models: [], benchmarks: [], provider: 'cpu', memoryBytes: 1e9, threads: 1, simulated: true, version: 't' },
      }, md());
      const { shard } = await unary(client.lease.bind(client), { workerId }, md());
      expect(shard).toBeDefined();
      const stream = client.reportResults(md());
      const acks: ReportResultsResponse[] = [];
      stream.on('data', (ack: ReportResultsResponse) => acks.push(ack));
      const batch = { workerId, shardId: shard!.shardId, results: [0, 1, 2].map(result) };
      stream.write({ ...batch, batchSeq: 1 });
      stream.write({ ...batch, batchSeq: 2 });
      stream.write({ ...batch, batchSeq: 3, results: [2, 3, 4, 5].map(result) });
      stream.write({ ...batch, batchSeq: 4, results: [result(99)] });
      stream.write({ ...batch, batchSeq: 5, results: [{ ...result(1), score: Number.NaN }] });
      stream.write({ ...batch, batchSeq: 6, results: [{ ...result(1), keptIndices: [70_000] }] });
      await waitFor('six acks', () => acks.length === 6);
      stream.end();
      expect(acks.map((a) => [a.batchSeq, a.inserted, a.duplicates])).toEqual([[1, 3, 0], [2, 0, 3], [3, 3, 1], [4, 0, 0], [5, 0, 0], [6, 0, 0]]);
      expect(acks[3]!.error).toMatch(/outside shard/);
      expect(acks[4]!.error).toMatch(/score is not a finite number/);
      expect(acks[5]!.error).toMatch(/70000/);
      const done = await unary(client.completeShard.bind(client), { workerId, shardId: shard!.shardId }, md());
      expect(done).toEqual({ accepted: true, missing: 0 });
      const status1 = (await unary(client.getStatus.bind(client), { sweepId: submitted.sweepId }, md())).sweeps[0]!;
      const job = status1.jobs.find((j) => j.jobId === shard!.jobId)!;
      expect(job).toMatchObject({ samplesDone: 6, state: 'done' });
      expect(storedCount(dbPath, submitted.sweepId)).toBe(6);
    } finally {
      client.close();
      await coordinator.close();
    }
  });
});

describe('idle fleet (long-poll lease)', () => {
  // A long idle interval, so a test that passed only by re-polling would time out.
  const slowIdle = { timing: { leaseTtlMs: 30_000, heartbeatIntervalMs: 8_000, retryBaseMs: 50, retryMaxMs: 500, expiryScanMs: 100 } };
  const capabilities = { models: [], benchmarks: [], provider: 'cpu', memoryBytes: 1e9, threads: 1, simulated: true, version: 't' };

  it('holds an idle worker\'s lease until a sweep is submitted, then leases at once; close answers held calls', async () => {
    const coordinator = await inProcessCoordinator(join(dir, 'c.sqlite'), slowIdle);
    const client = connectCoordinator(coordinator.address, { token: TOKEN });
    let closed = false;
    try {
      const { workerId } = await unary(client.register.bind(client), { workerId: 'w1', host: 'test', capabilities }, md());
      let answeredAt = 0;
      const held = unary(client.lease.bind(client), { workerId }, md()).then((response) => {
        answeredAt = Date.now();
        return response;
      });
      await new Promise((r) => setTimeout(r, 300));
      expect(answeredAt).toBe(0);
      const submittedAt = Date.now();
      await unary(client.submitSweep.bind(client), { specYaml: simulatedSweep(6, 3), sourceName: 's.yaml' }, md());
      const granted = await held;
      expect(granted.shard?.sampleStart).toBe(0);
      expect(answeredAt - submittedAt).toBeLessThan(2_000);

      // Work is queued now: another worker is answered at once, with the next shard.
      const { workerId: second } = await unary(client.register.bind(client), { workerId: 'w2', host: 'test', capabilities }, md());
      const next = await unary(client.lease.bind(client), { workerId: second }, md());
      expect(next.shard).toBeDefined();
      expect(next.shard!.shardId).not.toBe(granted.shard!.shardId);

      // With the sweep cancelled there is nothing active: a third worker is held, and closing answers it.
      await unary(client.cancelSweep.bind(client), { sweepId: granted.shard!.sweepId }, md());
      const { workerId: third } = await unary(client.register.bind(client), { workerId: 'w3', host: 'test', capabilities }, md());
      const heldAtClose = unary(client.lease.bind(client), { workerId: third }, md()).then(
        (response) => response.reason,
        (error: ServiceError) => `status ${error.code}`,
      );
      await new Promise((r) => setTimeout(r, 300));
      const closing = Date.now();
      await coordinator.close();
      closed = true;
      expect(await heldAtClose).toMatch(/no active sweep|status/);
      expect(Date.now() - closing).toBeLessThan(1_900);
    } finally {
      client.close();
      if (!closed) await coordinator.close();
    }
  }, 30_000);

  it('an idle worker process drains at once on SIGTERM while its lease call is held', async () => {
    const coordinator = await inProcessCoordinator(join(dir, 'c.sqlite'), slowIdle);
    const client = connectCoordinator(coordinator.address, { token: TOKEN });
    try {
      const worker = simulatedWorker(coordinator.address);
      processes.push(worker);
      await waitFor('the worker registered', async () => (await unary(client.listWorkers.bind(client), {}, md())).workers.length === 1);
      await new Promise((r) => setTimeout(r, 500));
      const signalled = Date.now();
      worker.child.kill('SIGTERM');
      expect(await worker.exited).toBe(0);
      expect(Date.now() - signalled).toBeLessThan(4_000);
      const workers = await unary(client.listWorkers.bind(client), {}, md());
      expect(workers.workers.map((w) => w.state)).toEqual(['gone']);
    } finally {
      client.close();
      await coordinator.close();
    }
  }, 30_000);
});

describe('fleet over real processes', () => {
  it('re-leases the shard of a worker killed with SIGKILL mid-shard and finishes it', async () => {
    const dbPath = join(dir, 'c.sqlite');
    const coordinator = await inProcessCoordinator(dbPath);
    const client = connectCoordinator(coordinator.address, { token: TOKEN });
    try {
      const { sweepId } = await unary(client.submitSweep.bind(client), { specYaml: simulatedSweep(40, 40), sourceName: 's.yaml' }, md());
      const victim = simulatedWorker(coordinator.address, ['--simulate-ms', '40', '--id', 'victim']);
      const survivor = simulatedWorker(coordinator.address, ['--simulate-ms', '5', '--id', 'survivor']);
      processes.push(victim, survivor);
      await waitFor('a few results from the victim', () => readBack(dbPath).shards.some((s) => s.leaseOwner === 'victim') && storedCount(dbPath, sweepId) >= 8);
      victim.child.kill('SIGKILL');
      await victim.exited;
      const killedShard = readBack(dbPath).shards.find((s) => s.state === 'leased' && s.leaseOwner === 'victim');
      expect(killedShard).toBeDefined();
      await waitFor('the sweep to finish', async () => (await unary(client.getStatus.bind(client), { sweepId }, md())).sweeps[0]!.state === 'done', 60_000);
      const after = readBack(dbPath).shards.find((s) => s.id === killedShard!.id)!;
      expect(after.state).toBe('done');
      expect(after.attempts).toBe(2);
      expect(after.lastError).toMatch(/lease expired/);
      const fleet = await unary(client.listWorkers.bind(client), {}, md());
      expect(fleet.workers.find((w) => w.workerId === 'victim')?.state).toBe('gone');
      expect(fleet.workers.find((w) => w.workerId === 'survivor')?.state).toBe('active');
      const check = expectExactlyOnce(dbPath);
      expect(check.problems).toEqual([]);
      expect(check.rows).toBe(check.expected);
    } finally {
      client.close();
      await coordinator.close();
    }
  }, 90_000);

  it('resumes every sweep after the coordinator is killed and restarted', async () => {
    const dbPath = join(dir, 'c.sqlite');
    const port = await freePort();
    const address = `127.0.0.1:${port}`;
    const startCoordinatorProcess = async (): Promise<CliProcess> => {
      const p = spawnCli(['coordinator', '--db', dbPath, '--host', '127.0.0.1', '--port', String(port), '--lease-ttl', '3000', '--retry-base', '50']);
      processes.push(p);
      await waitFor('the coordinator to listen', () => p.output().includes('listening on'), 30_000);
      return p;
    };
    const first = await startCoordinatorProcess();
    const client = connectCoordinator(address, { token: TOKEN });
    try {
      const { sweepId } = await unary(client.submitSweep.bind(client), { specYaml: simulatedSweep(60, 15), sourceName: 's.yaml' }, md());
      processes.push(simulatedWorker(address, ['--simulate-ms', '10']), simulatedWorker(address, ['--simulate-ms', '10']));
      await waitFor('some progress', () => storedCount(dbPath, sweepId) >= 40, 30_000);
      first.child.kill('SIGKILL');
      await first.exited;
      const before = storedCount(dbPath, sweepId);
      await new Promise((r) => setTimeout(r, 500));
      await startCoordinatorProcess();
      await waitFor(
        'the sweep to finish after the restart',
        async () => (await unary(client.getStatus.bind(client), { sweepId }, md()).catch(() => undefined))?.sweeps[0]?.state === 'done',
        60_000,
      );
      const check = expectExactlyOnce(dbPath);
      expect(check.problems).toEqual([]);
      expect(check.rows).toBe(check.expected);
      expect(check.rows).toBeGreaterThan(before);
    } finally {
      client.close();
    }
  }, 120_000);

  it('drains on SIGTERM: the current shard is released without counting an attempt', async () => {
    const dbPath = join(dir, 'c.sqlite');
    const coordinator = await inProcessCoordinator(dbPath);
    const client = connectCoordinator(coordinator.address, { token: TOKEN });
    try {
      const { sweepId } = await unary(client.submitSweep.bind(client), { specYaml: simulatedSweep(40, 40), sourceName: 's.yaml' }, md());
      const worker = simulatedWorker(coordinator.address, ['--simulate-ms', '40']);
      processes.push(worker);
      await waitFor('some results', () => storedCount(dbPath, sweepId) >= 4);
      worker.child.kill('SIGTERM');
      expect(await worker.exited).toBe(0);
      const shardsAfter = readBack(dbPath).shards;
      expect(shardsAfter.every((s) => s.state === 'queued' || s.state === 'done')).toBe(true);
      expect(shardsAfter.every((s) => s.attempts === (s.state === 'done' ? 1 : 0))).toBe(true);
      const workers = await unary(client.listWorkers.bind(client), {}, md());
      expect(workers.workers.map((w) => w.state)).toEqual(['gone']);
    } finally {
      client.close();
      await coordinator.close();
    }
  }, 60_000);

  it('serves TLS with certificates made for the test, and workers verify them', async () => {
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
    const dbPath = join(dir, 'c.sqlite');
    const coordinator = await inProcessCoordinator(dbPath, { tlsCertFile: cert, tlsKeyFile: key, listen: 'localhost:0' });
    const secure = connectCoordinator(coordinator.address, { token: TOKEN, tlsCaFile: cert });
    const plain = connectCoordinator(coordinator.address, { token: TOKEN });
    try {
      const plainError = (await unary(plain.getStatus.bind(plain), { sweepId: 0 }, md(), { deadline: Date.now() + 3_000 }).catch((e: unknown) => e)) as ServiceError;
      expect(plainError.code).toBe(status.UNAVAILABLE);
      const { sweepId } = await unary(secure.submitSweep.bind(secure), { specYaml: simulatedSweep(12, 6), sourceName: 's.yaml' }, md());
      processes.push(simulatedWorker(coordinator.address, ['--tls-ca', cert]));
      await waitFor('the sweep to finish over TLS', async () => (await unary(secure.getStatus.bind(secure), { sweepId }, md())).sweeps[0]!.state === 'done', 30_000);
      const check = expectExactlyOnce(dbPath);
      expect(check.problems).toEqual([]);
      expect(check.rows).toBe(12 * 5);
    } finally {
      plain.close();
      secure.close();
      await coordinator.close();
    }
  }, 60_000);
});

describe('real model', () => {
  it('runs a sweep with real worker processes on the tiny fixture model and the synthetic benchmark', async () => {
    const { ensureSyntheticBenchmark } = await import('@prunebench/datasets');
    const benches = join(dir, 'benchmarks');
    await ensureSyntheticBenchmark({ outDir: join(benches, 'synth-shapes'), split: 'test', scenes: 2 });
    const dbPath = join(dir, 'c.sqlite');
    const modelDir = join(root, 'fixtures', 'models');
    const coordinator = await inProcessCoordinator(dbPath, { modelDirs: [modelDir], benchDirs: [benches], timing: { leaseTtlMs: 30_000 } });
    const client = connectCoordinator(coordinator.address, { token: TOKEN });
    try {
      const spec = `name: real
models: [tiny-random-llava15]
benchmarks: [synth-shapes]
methods: [gridprune, gprune]
keep: [64]
samples: 4
shardSize: 2
`;
      writeFileSync(join(dir, 'sweep.yaml'), spec);
      const { sweepId, jobs } = await unary(client.submitSweep.bind(client), { specYaml: spec, sourceName: 'sweep.yaml' }, md());
      expect(jobs).toBe(3);
      for (let i = 0; i < 2; i++) {
        processes.push(spawnCli(['worker', '--coordinator', coordinator.address, '--models', modelDir, '--benches', benches, '--threads', '1']));
      }
      await waitFor('the real sweep to finish', async () => (await unary(client.getStatus.bind(client), { sweepId }, md())).sweeps[0]!.state === 'done', 90_000);
      const check = expectExactlyOnce(dbPath);
      expect(check.problems).toEqual([]);
      expect(check.rows).toBe(12);
      const rows = readBack(dbPath).results;
      expect(new Set(rows.map((r) => r.sampleId)).size).toBe(4);
      const workers = await unary(client.listWorkers.bind(client), {}, md());
      expect(workers.workers).toHaveLength(2);
      expect(workers.workers.every((w) => !w.capabilities!.simulated && w.capabilities!.models.some((m) => m.name === 'tiny-random-llava15'))).toBe(true);
    } finally {
      client.close();
      await coordinator.close();
    }
  }, 120_000);
});
