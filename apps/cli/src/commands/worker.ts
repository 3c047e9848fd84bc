import { Command, Option } from 'commander';
import { describeWorker, engineRunner, runFleetWorker, scanAssets, simulatedRunner, type SampleRunner } from '@prunebench/worker/fleet';
import type { Spinning } from '@prunebench/worker';
import { pino } from 'pino';
import { nonNegativeInt, spinningOption } from '../options.ts';

interface WorkerFlags {
  coordinator: string;
  token?: string;
  models: string[];
  benches: string[];
  provider: 'cpu' | 'cuda';
  threads?: number;
  spinning?: Spinning;
  tlsCa?: string;
  tlsServerName?: string;
  id?: string;
  batchSize: number;
  simulate?: boolean;
  simulateMs: number;
}

export function workerCommand(): Command {
  return new Command('worker')
    .description('Join a coordinator: lease shards, run their samples, stream results. SIGTERM drains and leaves.')
    .requiredOption('--coordinator <host:port>', 'coordinator address')
    .option('--token <token>', 'bearer token (default: env PRUNEBENCH_TOKEN)')
    .option('--models <dir...>', 'folders holding model folders (found by name, checked by content hash)', ['models', 'fixtures/models'])
    .option('--benches <dir...>', 'folders holding benchmark folders', ['.data/benchmarks'])
    .addOption(new Option('--provider <provider>', 'onnxruntime execution provider').choices(['cpu', 'cuda']).default('cpu'))
    .option('--threads <n>', 'intra-op threads per session', nonNegativeInt('--threads'))
    .addOption(spinningOption())
    .option('--tls-ca <file>', 'PEM CA certificate: connect with TLS and verify the coordinator against it')
    .option('--tls-server-name <name>', 'name to verify in the coordinator certificate (default: the host)')
    .option('--id <id>', 'worker id to register with (default: assigned by the coordinator)')
    .option('--batch-size <n>', 'results per ReportResults batch', nonNegativeInt('--batch-size'), 32)
    .option('--simulate', 'SIMULATED MODEL for load tests: no model runs, results are fake and only simulate:true sweeps are served')
    .option('--simulate-ms <ms>', 'simulated time per sample', nonNegativeInt('--simulate-ms'), 0)
    .action(async (flags: WorkerFlags) => {
      const token = flags.token ?? process.env.PRUNEBENCH_TOKEN;
      if (!token) throw new Error('--token is required (or set PRUNEBENCH_TOKEN)');
      const log = pino({ name: 'worker', level: process.env.PRUNEBENCH_LOG_LEVEL ?? 'info' }, pino.destination(2));
      const inventory = flags.simulate
        ? { models: [], benchmarks: [] }
        : { models: scanAssets(flags.models, 'model.json'), benchmarks: scanAssets(flags.benches, 'benchmark.json') };
      const runner: SampleRunner = flags.simulate
        ? simulatedRunner(flags.simulateMs)
        : engineRunner(inventory, { provider: flags.provider, threads: flags.threads, ...(flags.spinning ? { spinning: flags.spinning } : {}) });
      const { host, capabilities } = describeWorker(inventory, flags.provider, flags.threads ?? 0, Boolean(flags.simulate));
      const drain = new AbortController();
      const onSignal = (): void => {
        if (drain.signal.aborted) process.exit(130);
        log.info('draining: finishing the current sample, then releasing the shard');
        drain.abort();
      };
      process.on('SIGTERM', onSignal);
      process.on('SIGINT', onSignal);
      await runFleetWorker(
        {
          coordinator: flags.coordinator,
          token,
          tlsCaFile: flags.tlsCa,
          tlsServerName: flags.tlsServerName,
          host,
          capabilities,
          runner,
          log,
          workerId: flags.id,
          batchSize: flags.batchSize,
        },
        drain.signal,
      );
    });
}
