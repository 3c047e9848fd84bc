import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Metadata } from '@grpc/grpc-js';
import { Command } from 'commander';
import { exportRows, followSweep, formatLeaderboard, leaderboard, progressRenderer, startCoordinator } from '@prunebench/coordinator';
import { ensureSyntheticBenchmark } from '@prunebench/datasets';
import { connectCoordinator, unary } from '@prunebench/proto';
import { pino } from 'pino';
import { positiveInt } from '../options.ts';

const TRAINED_MODEL = 'models/tiny-synth';
const FALLBACK_MODEL = 'fixtures/models/tiny-random-llava15';
const BENCHMARK = 'synth-shapes';
/** The three seed methods and two baselines: a query-agnostic floor (random) and the classic attention one (fastv). */
const METHODS = ['gridprune', 'd2pruner', 'gprune', 'random', 'fastv'];
/** LLaVA-1.5's standard budgets of 576 visual tokens, plus a harsher one. */
const KEEPS = [192, 128, 64, 32];

interface DemoFlags {
  dashboard: boolean;
  json?: boolean;
  samples: number;
  workers: number;
  threads: number;
  port: number;
}

/** The repository root, from this file's place in it (the demo runs from any working directory). */
function repositoryRoot(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
}

function tail(file: string, lines = 5): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

function sweepYaml(model: string, methods: string[], samples: number): string {
  return [
    'name: demo',
    `models: [${model}]`,
    `benchmarks: [${BENCHMARK}]`,
    `methods: [${methods.join(', ')}]`,
    `keep: [${KEEPS.join(', ')}]`,
    'fullReference: true',
    `samples: ${samples}`,
    'shardSize: 10',
    'maxAttempts: 2',
    '',
  ].join('\n');
}

function stopProcess(child: ChildProcess, timeoutMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolveStop) => {
    const force = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', () => {
      clearTimeout(force);
      resolveStop();
    });
    child.kill('SIGTERM');
  });
}

async function waitForHttp(url: string, child: ChildProcess, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && child.exitCode === null) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(30_000) });
      if (response.status < 500) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 1_000));
  }
  return false;
}

/** `next start` when the dashboard is built, `next dev` otherwise; both read the demo database read-only. */
function startDashboard(root: string, dbPath: string, port: number, logFile: string): ChildProcess {
  const dashboard = join(root, 'apps', 'dashboard');
  const nextBin = createRequire(join(dashboard, 'package.json')).resolve('next/dist/bin/next');
  const built = existsSync(join(dashboard, '.next', 'BUILD_ID'));
  const log = openSync(logFile, 'w');
  return spawn(process.execPath, [nextBin, built ? 'start' : 'dev', '--port', String(port)], {
    cwd: dashboard,
    env: { ...process.env, PRUNEBENCH_DB: dbPath, NEXT_TELEMETRY_DISABLED: '1' },
    stdio: ['ignore', log, log],
  });
}

export function demoCommand(): Command {
  return new Command('demo')
    .description(
      'Run the default sweep end to end on this machine: a coordinator, local workers, the embedded model and the ' +
        'synthetic benchmark; then open the dashboard (or print the leaderboard with --no-dashboard).',
    )
    .option('--no-dashboard', 'exit when the sweep is done, printing the leaderboard table')
    .option('--json', 'with --no-dashboard: print the leaderboard as JSON')
    .option('--samples <n>', 'samples of the benchmark to evaluate per setting', positiveInt('--samples'), 100)
    .option('--workers <n>', 'local worker processes', positiveInt('--workers'), 2)
    .option('--threads <n>', 'onnxruntime threads per worker', positiveInt('--threads'), 1)
    .option('--port <port>', 'dashboard port', positiveInt('--port'), 3000)
    .action(async (flags: DemoFlags) => {
      const root = repositoryRoot();
      const say = (line: string): void => void process.stderr.write(`${line}\n`);
      const dataDir = join(root, '.data');
      const demoDir = join(dataDir, 'demo');
      const dbPath = join(dataDir, 'demo.sqlite');
      mkdirSync(demoDir, { recursive: true });
      // A fresh database per run: the leaderboard and dashboard show this run only.
      for (const suffix of ['', '-wal', '-shm']) rmSync(`${dbPath}${suffix}`, { force: true });

      const trained = existsSync(join(root, TRAINED_MODEL, 'model.json'));
      const modelDir = join(root, trained ? TRAINED_MODEL : FALLBACK_MODEL);
      const model = relative(dirname(modelDir), modelDir);
      if (!trained) {
        say(`note: ${TRAINED_MODEL} is not there; using the random-weight fixture ${FALLBACK_MODEL}: its scores mean nothing.`);
      }
      const methods = METHODS.filter((m) => m !== 'd2pruner' || existsSync(join(modelDir, 'attention_prior.json')));
      if (methods.length < METHODS.length) {
        say(`note: d2pruner skipped: ${model} has no attention_prior.json (create it with \`prunebench calibrate\`).`);
      }

      const benches = join(dataDir, 'benchmarks');
      say(`benchmark: ${BENCHMARK} in ${relative(root, benches)}/ ...`);
      const bench = await ensureSyntheticBenchmark({ outDir: join(benches, BENCHMARK), split: 'test' });
      say(`benchmark: ${bench.header.samples} samples (${bench.reused ? 'already generated' : 'generated now'})`);

      const token = randomBytes(16).toString('hex');
      const coordinator = await startCoordinator({
        dbPath,
        listen: '127.0.0.1:0',
        token,
        modelDirs: [dirname(modelDir)],
        benchDirs: [benches],
        logger: pino({ name: 'coordinator' }, pino.destination({ dest: join(demoDir, 'coordinator.log'), sync: false })),
      });
      say(`coordinator: ${coordinator.address}, database ${relative(root, dbPath)}, logs in ${relative(root, demoDir)}/`);

      const bin = join(root, 'apps', 'cli', 'bin', 'prunebench.js');
      const workers = Array.from({ length: flags.workers }, (_, i) => {
        const logFile = join(demoDir, `worker-${i + 1}.log`);
        const log = openSync(logFile, 'w');
        const child = spawn(
          process.execPath,
          [bin, 'worker', '--coordinator', coordinator.address, '--models', dirname(modelDir), '--benches', benches, '--threads', String(flags.threads), '--id', `demo-worker-${i + 1}`],
          { env: { ...process.env, PRUNEBENCH_TOKEN: token }, stdio: ['ignore', log, log] },
        );
        return { child, logFile };
      });
      const client = connectCoordinator(coordinator.address, { token });
      const shutdown = async (): Promise<void> => {
        await Promise.all(workers.map((w) => stopProcess(w.child)));
        client.close();
        await coordinator.close();
      };

      let finalState: string;
      let sweepId: number;
      const renderer = progressRenderer();
      try {
        const yaml = sweepYaml(model, methods, flags.samples);
        writeFileSync(join(demoDir, 'sweep.yaml'), yaml);
        const submitted = await unary(client.submitSweep.bind(client), { specYaml: yaml, sourceName: 'demo sweep.yaml' }, new Metadata());
        sweepId = submitted.sweepId;
        say(`sweep ${sweepId}: ${submitted.jobs} jobs (${methods.length} methods x ${KEEPS.length} budgets + full-token reference), ${submitted.samples} sample evaluations on ${flags.workers} workers`);
        const crashed = new Promise<never>((_, reject) => {
          for (const { child, logFile } of workers) {
            child.once('exit', (code, signal) =>
              reject(new Error(`worker exited (${signal ?? `code ${code}`}) before the sweep finished; its log ${logFile} ends:\n${tail(logFile)}`)),
            );
          }
        });
        crashed.catch(() => {});
        const final = await Promise.race([followSweep(client, sweepId, (status) => renderer.update(status)), crashed]);
        finalState = final.state;
        renderer.stop();
        for (const failure of final.failures.slice(0, 5)) say(`failed shard ${failure.shardId}: ${failure.lastError}`);
      } catch (error) {
        renderer.stop();
        await shutdown();
        throw error;
      }

      if (!flags.dashboard) {
        const rows = [];
        for await (const row of exportRows(client, sweepId)) rows.push(row);
        const board = leaderboard(rows);
        await shutdown();
        if (flags.json) {
          process.stdout.write(`${JSON.stringify({ sweepId, state: finalState, model, benchmark: BENCHMARK, trainedModel: trained, leaderboard: board }, null, 2)}\n`);
        } else {
          process.stdout.write(`\nsweep ${sweepId} ${finalState}: ${model} on ${BENCHMARK}, ${flags.samples} samples per setting\n\n${formatLeaderboard(board)}\n`);
        }
        if (finalState !== 'done') process.exitCode = 1;
        return;
      }

      await shutdown();
      const logFile = join(demoDir, 'dashboard.log');
      const dashboard = startDashboard(root, dbPath, flags.port, logFile);
      const url = `http://localhost:${flags.port}`;
      say(`dashboard: starting on ${url} (log ${relative(root, logFile)}) ...`);
      if (!(await waitForHttp(url, dashboard, 180_000))) {
        await stopProcess(dashboard);
        throw new Error(`the dashboard did not start; ${relative(root, logFile)} ends:\n${tail(logFile)}`);
      }
      process.stdout.write(`\nDashboard: ${url}  (sweep ${sweepId} ${finalState}; Ctrl-C to stop)\n`);
      await new Promise<void>((resolveWait) => {
        process.once('SIGINT', resolveWait);
        process.once('SIGTERM', resolveWait);
        dashboard.once('exit', () => resolveWait());
      });
      await stopProcess(dashboard);
    });
}
