/**
 * Coordinator benchmark (npm run bench -w @prunebench/coordinator):
 * 1. ingest: results stored per second with 8 simulated workers streaming batches over loopback into SQLite;
 * 2. scaling: sweep throughput of 64 simulated workers (50 ms per sample, small shards, fast heartbeats) against
 *    64 x the throughput of one worker: the share of linear scaling left after leasing and heartbeat overhead.
 * Writes bench-results/coordinator.json at the repository root and prints a table.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Metadata } from '@grpc/grpc-js';
import { connectCoordinator, unary, type CoordinatorClient } from '@prunebench/proto';
import { pino } from 'pino';
import { startCoordinator, type RunningCoordinator } from '../src/index.ts';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');
const TOKEN = 'bench';

function sweep(name: string, samples: number, shardSize: number, methods: string[], keep: number[]): string {
  return `name: ${name}\nsimulate: true\nmodels: [m]\nbenchmarks: [b]\nmethods: [${methods.join(', ')}]\nkeep: [${keep.join(', ')}]\nsamples: ${samples}\nshardSize: ${shardSize}\n`;
}

function fleet(address: string, workers: number, simulateMs: number, batchSize: number): ChildProcess {
  // BENCH_FLEET_NODE_ARGS: extra node flags for the fleet process (e.g. `--cpu-prof --cpu-prof-dir=prof`).
  const nodeArgs = process.env.BENCH_FLEET_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  return spawn(process.execPath, [...nodeArgs, '--import', 'tsx', join(here, 'sim-fleet.ts'), address, TOKEN, String(workers), String(simulateMs), String(batchSize)], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}

async function stopFleet(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
  });
}

async function waitForWorkers(client: CoordinatorClient, count: number): Promise<void> {
  for (;;) {
    const listed = await unary(client.listWorkers.bind(client), {}, new Metadata());
    if (listed.workers.filter((w) => w.state === 'active').length >= count) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** CPU seconds a child process has used so far (Linux /proc; undefined elsewhere). */
function processCpuSeconds(pid: number | undefined): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    // utime and stime are fields 14 and 15 of stat, 12 and 13 after "pid (comm) ", in clock ticks (100 per second).
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

interface Run {
  /** Coordinator process CPU seconds during the run (the machine is shared: wall time includes waiting for a core). */
  coordinatorCpuSeconds: number;
  /** The simulated fleet's process, same window (encoding and streaming its results). */
  fleetCpuSeconds: number | undefined;
  /** From submit to the first stored row: how long the idle fleet took to start on the sweep. */
  firstRowSeconds: number;
  workers: number;
  samples: number;
  seconds: number;
  perSecond: number;
}

/** Starts a fresh coordinator and fleet, submits the sweep once every worker is registered, times it to done. */
async function timedSweep(label: string, workers: number, simulateMs: number, batchSize: number, spec: string, timing: Record<string, number>): Promise<Run> {
  const dir = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), 'prunebench-bench-'));
  let coordinator: RunningCoordinator | undefined;
  let child: ChildProcess | undefined;
  try {
    coordinator = await startCoordinator({ dbPath: join(dir, 'bench.sqlite'), listen: '127.0.0.1:0', token: TOKEN, timing, logger: pino({ level: 'warn' }) });
    const client = connectCoordinator(coordinator.address, { token: TOKEN });
    child = fleet(coordinator.address, workers, simulateMs, batchSize);
    await waitForWorkers(client, workers);
    const loop = monitorEventLoopDelay({ resolution: 5 });
    loop.enable();
    const cpuBefore = process.cpuUsage();
    const fleetCpuBefore = processCpuSeconds(child.pid);
    const started = performance.now();
    const submitted = await unary(client.submitSweep.bind(client), { specYaml: spec, sourceName: label }, new Metadata());
    for (;;) {
      const state = (await unary(client.getStatus.bind(client), { sweepId: submitted.sweepId }, new Metadata())).sweeps[0]!.state;
      if (state === 'done') break;
      if (state !== 'running' && state !== 'queued') throw new Error(`${label}: sweep ended ${state}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const coordinatorCpuSeconds = (cpu.user + cpu.system) / 1e6;
    const fleetCpuAfter = processCpuSeconds(child.pid);
    const fleetCpuSeconds = fleetCpuBefore === undefined || fleetCpuAfter === undefined ? undefined : fleetCpuAfter - fleetCpuBefore;
    const stored = coordinator.ctx.sqlite.prepare('select count(*) as n, min(created_at) as first from results').get() as { n: number; first: number };
    if (stored.n !== submitted.samples) throw new Error(`${label}: ${stored.n} rows stored for ${submitted.samples} samples`);
    const firstRowSeconds = (stored.first - (performance.timeOrigin + started)) / 1000;
    if (process.env.BENCH_DEBUG) {
      process.stderr.write(`  debug: event loop delay p50 ${(loop.percentile(50) / 1e6).toFixed(1)} ms p99 ${(loop.percentile(99) / 1e6).toFixed(1)} ms max ${(loop.max / 1e6).toFixed(1)} ms\n`);
      process.stderr.write(`  debug: coordinator cpu ${coordinatorCpuSeconds.toFixed(1)} s; fleet cpu ${fleetCpuSeconds?.toFixed(1) ?? '?'} s; wall ${seconds.toFixed(1)} s; first row after ${firstRowSeconds.toFixed(2)} s\n`);
    }
    client.close();
    return { workers, samples: Number(submitted.samples), seconds, perSecond: Number(submitted.samples) / seconds, coordinatorCpuSeconds, fleetCpuSeconds, firstRowSeconds };
  } finally {
    if (child) await stopFleet(child);
    await coordinator?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const ingestTiming = { leaseTtlMs: 30_000, heartbeatIntervalMs: 5_000 };
const scalingTiming = { leaseTtlMs: 3_000, heartbeatIntervalMs: 500 };
const SAMPLE_MS = Number(process.env.BENCH_SAMPLE_MS ?? 50);

process.stderr.write('ingest: 8 simulated workers, no model time, batches of 256 ...\n');
const ingest = await timedSweep('ingest', 8, 0, Number(process.env.BENCH_BATCH ?? 256), sweep('ingest', 20_000, 1_000, ['random', 'uniform'], [64, 32]), ingestTiming);
process.stderr.write(`  ${ingest.perSecond.toFixed(0)} results/s\n`);

if (process.env.BENCH_ONLY === 'ingest') {
  // Profiling the ingest path alone (BENCH_ONLY=ingest): no scaling runs, no report file.
  process.stdout.write(`${JSON.stringify(ingest)}\n`);
  process.exit(0);
}

process.stderr.write(`scaling: 1 simulated worker, ${SAMPLE_MS} ms per sample, shards of 10 ...\n`);
const one = await timedSweep('one', 1, SAMPLE_MS, 16, sweep('one', 80, 10, ['random'], [64]), scalingTiming);
process.stderr.write(`  ${one.perSecond.toFixed(1)} samples/s\n`);
process.stderr.write(`scaling: 64 simulated workers, ${SAMPLE_MS} ms per sample, shards of 10 ...\n`);
const many = await timedSweep('many', 64, SAMPLE_MS, 16, sweep('many', 2_000, 10, ['random', 'uniform', 'fastv'], [64, 32]), scalingTiming);
process.stderr.write(`  ${many.perSecond.toFixed(1)} samples/s\n`);

const efficiency = many.perSecond / (64 * one.perSecond);
const report = {
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', node: process.version },
  ingest: { ...ingest, perCoordinatorCpuSecond: ingest.samples / ingest.coordinatorCpuSeconds, goalPerSecond: 20_000, met: ingest.perSecond >= 20_000 },
  loadAverage: loadavg(),
  scaling: { sampleMs: SAMPLE_MS, shardSize: 10, heartbeatMs: scalingTiming.heartbeatIntervalMs, one, many, efficiency, goal: 0.9, met: efficiency >= 0.9 },
};
mkdirSync(join(root, 'bench-results'), { recursive: true });
const out = join(root, 'bench-results', 'coordinator.json');
writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
const rows = [
  ['measure', 'value', 'goal'],
  ['results ingested/s (8 workers, loopback, SQLite WAL)', ingest.perSecond.toFixed(0), '>= 20000'],
  ['results per coordinator CPU-second (ingest run)', (ingest.samples / ingest.coordinatorCpuSeconds).toFixed(0), ''],
  ['fleet process CPU-seconds (ingest run)', ingest.fleetCpuSeconds?.toFixed(2) ?? '?', ''],
  [`1 worker samples/s (${SAMPLE_MS} ms/sample)`, one.perSecond.toFixed(1), ''],
  [`64 workers samples/s (${SAMPLE_MS} ms/sample)`, many.perSecond.toFixed(1), ''],
  ['scaling efficiency (64 workers / 64 x 1 worker)', efficiency.toFixed(3), '>= 0.9'],
];
process.stdout.write(`${rows.map((r) => `| ${r.join(' | ')} |`).join('\n')}\n\nwritten ${out}\n`);
