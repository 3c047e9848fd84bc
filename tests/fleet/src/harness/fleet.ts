import { Proc, runCli, spawnCli } from './processes.ts';

export const TOKEN = 'fleet-suite-token';

export interface CoordinatorConfig {
  name: string;
  logDir: string;
  dbPath: string;
  /** Interface to bind (127.0.0.1, or the coordinator's namespace address). */
  host: string;
  /** Fixed, so that a restarted coordinator is found at the same address. */
  port: number;
  leaseTtlMs: number;
  retryBaseMs: number;
  netns?: string;
  models?: string[];
  benches?: string[];
  uid?: number;
  gid?: number;
}

export interface WorkerConfig {
  name: string;
  logDir: string;
  coordinator: string;
  /** Worker id; a restarted worker re-registers under the same id, as a supervised host would. */
  id: string;
  /** SIMULATED MODEL (load-test mode of the worker CLI) with this many ms per sample; undefined: the real pipeline. */
  simulateMs?: number;
  netns?: string;
  models?: string[];
  benches?: string[];
  batchSize?: number;
  token?: string;
}

/** Starts `prunebench coordinator` and waits for its "listening" line. */
export async function startCoordinatorProc(config: CoordinatorConfig, incarnation = 1, timeoutMs = 60_000): Promise<Proc> {
  const args = [
    'coordinator',
    '--db', config.dbPath,
    '--host', config.host,
    '--port', String(config.port),
    '--token', TOKEN,
    '--lease-ttl', String(config.leaseTtlMs),
    '--retry-base', String(config.retryBaseMs),
  ];
  if (config.models) args.push('--models', ...config.models);
  if (config.benches) args.push('--benches', ...config.benches);
  const proc = spawnCli(args, { name: `${config.name}-${incarnation}`, logDir: config.logDir, netns: config.netns, uid: config.uid, gid: config.gid });
  await proc.waitForStdout(/listening on (\S+)/, timeoutMs);
  return proc;
}

export function startWorkerProc(config: WorkerConfig, incarnation = 1): Proc {
  const args = ['worker', '--coordinator', config.coordinator, '--token', config.token ?? TOKEN, '--id', config.id];
  if (config.simulateMs !== undefined) args.push('--simulate', '--simulate-ms', String(config.simulateMs));
  if (config.models) args.push('--models', ...config.models);
  if (config.benches) args.push('--benches', ...config.benches);
  if (config.batchSize) args.push('--batch-size', String(config.batchSize));
  return spawnCli(args, { name: `${config.name}-${incarnation}`, logDir: config.logDir, netns: config.netns });
}

/** `prunebench sweep submit` through the real CLI; returns the sweep id. */
export async function submitSweepCli(coordinator: string, file: string, netns?: string): Promise<number> {
  const run = await runCli(['sweep', 'submit', file, '--coordinator', coordinator, '--token', TOKEN], { netns, timeoutMs: 120_000 });
  const match = run.stdout.match(/submitted sweep (\d+)/);
  if (run.code !== 0 || !match) throw new Error(`sweep submit failed (exit ${run.code}): ${run.stderr.trim() || run.stdout.trim()}`);
  return Number(match[1]);
}

/** `prunebench sweep status <id>` through the real CLI; its first line carries the state. */
export async function sweepStatusCli(coordinator: string, sweepId: number, netns?: string): Promise<{ code: number | null; text: string }> {
  const run = await runCli(['sweep', 'status', String(sweepId), '--coordinator', coordinator, '--token', TOKEN], { netns, timeoutMs: 60_000 });
  return { code: run.code, text: `${run.stdout}${run.stderr}` };
}
