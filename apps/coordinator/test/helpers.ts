import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jobs, openDatabase, results, shards } from '@prunebench/db';
import { asc, eq } from 'drizzle-orm';
import { pino } from 'pino';
import { startCoordinator, type CoordinatorOptions, type RunningCoordinator } from '../src/index.ts';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const cliBin = join(root, 'apps', 'cli', 'bin', 'prunebench.js');
export const TOKEN = 'test-token';

/** Short timings so expiry, backoff and heartbeats happen within a test. */
export const fastTiming = { leaseTtlMs: 1_500, heartbeatIntervalMs: 300, retryBaseMs: 50, retryMaxMs: 500, expiryScanMs: 100 };

export function quietLogger() {
  return pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
}

export function inProcessCoordinator(dbPath: string, extra: Partial<CoordinatorOptions> = {}): Promise<RunningCoordinator> {
  return startCoordinator({ dbPath, listen: '127.0.0.1:0', token: TOKEN, timing: fastTiming, logger: quietLogger(), ...extra });
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface CliProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** A real `prunebench` process (coordinator or worker), its stdout and stderr collected. */
export function spawnCli(args: string[], env: Record<string, string> = {}): CliProcess {
  const child = spawn(process.execPath, [cliBin, ...args], {
    cwd: root,
    env: { ...process.env, PRUNEBENCH_TOKEN: TOKEN, PRUNEBENCH_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => text, exited };
}

export function simulatedWorker(address: string, extra: string[] = []): CliProcess {
  return spawnCli(['worker', '--coordinator', address, '--simulate', '--simulate-ms', '5', '--batch-size', '4', ...extra]);
}

export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

export async function stop(processes: CliProcess[]): Promise<void> {
  await Promise.all(
    processes.map(async (p) => {
      if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
      await p.exited;
    }),
  );
}

/** Reads the database the way the dashboard does (read-only, while the coordinator writes). */
export function readBack(dbPath: string) {
  const { db, close } = openDatabase(dbPath, { readonly: true });
  try {
    return {
      jobs: db.select().from(jobs).orderBy(asc(jobs.id)).all(),
      shards: db.select().from(shards).orderBy(asc(shards.id)).all(),
      results: db
        .select({ jobId: results.jobId, sampleIndex: results.sampleIndex, sampleId: results.sampleId, method: results.method, keep: results.keep })
        .from(results)
        .all(),
    };
  } finally {
    close();
  }
}

export function storedCount(dbPath: string, sweepId: number): number {
  const { db, close } = openDatabase(dbPath, { readonly: true });
  try {
    return db.select({ id: results.id }).from(results).where(eq(results.sweepId, sweepId)).all().length;
  } finally {
    close();
  }
}

/** Exactly one row per (job, sample index) for every sample of every job: nothing lost, nothing doubled. */
export function expectExactlyOnce(dbPath: string): { rows: number; expected: number; problems: string[] } {
  const data = readBack(dbPath);
  const problems: string[] = [];
  let expected = 0;
  for (const job of data.jobs) {
    expected += job.samples;
    const indices = data.results.filter((r) => r.jobId === job.id).map((r) => r.sampleIndex).sort((a, b) => a - b);
    const want = Array.from({ length: job.samples }, (_, i) => i);
    if (JSON.stringify(indices) !== JSON.stringify(want)) problems.push(`job ${job.id} (${job.method}/${job.keep}): ${indices.length} rows for ${job.samples} samples`);
    if (job.samplesDone !== job.samples) problems.push(`job ${job.id}: samplesDone ${job.samplesDone} != ${job.samples}`);
  }
  return { rows: data.results.length, expected, problems };
}

export const simulatedSweep = (samples: number, shardSize: number, name = 'sim') => `name: ${name}
simulate: true
models: [m]
benchmarks: [b]
methods: [gridprune, random]
keep: [64, 16]
samples: ${samples}
shardSize: ${shardSize}
maxAttempts: 5
`;
