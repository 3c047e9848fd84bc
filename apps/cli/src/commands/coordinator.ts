import { Command } from 'commander';
import { startCoordinator } from '@prunebench/coordinator';
import { pino } from 'pino';
import { nonNegativeInt } from '../options.ts';

interface CoordinatorFlags {
  db: string;
  host: string;
  port: number;
  token?: string;
  tlsCert?: string;
  tlsKey?: string;
  models: string[];
  benches: string[];
  leaseTtl: number;
  retryBase: number;
}

export function coordinatorCommand(): Command {
  return new Command('coordinator')
    .description('Serve sweeps to a worker fleet over gRPC and store every per-sample result in SQLite.')
    .option('--db <file>', 'SQLite database (created and migrated if missing)', '.data/prunebench.sqlite')
    .option('--host <host>', 'interface to listen on', '0.0.0.0')
    .option('--port <port>', 'port to listen on (0: any free port)', nonNegativeInt('--port'), 50051)
    .option('--token <token>', 'bearer token workers and clients must send (default: env PRUNEBENCH_TOKEN)')
    .option('--tls-cert <file>', 'PEM certificate chain; with --tls-key, serve TLS')
    .option('--tls-key <file>', 'PEM private key')
    .option('--models <dir...>', 'folders holding model folders, for sweep validation and content hashes', ['models', 'fixtures/models'])
    .option('--benches <dir...>', 'folders holding benchmark folders', ['.data/benchmarks'])
    .option('--lease-ttl <ms>', 'lease lifetime without a heartbeat', nonNegativeInt('--lease-ttl'), 30_000)
    .option('--retry-base <ms>', 'backoff before the 2nd attempt of a failed shard (doubles each attempt)', nonNegativeInt('--retry-base'), 1_000)
    .action(async (flags: CoordinatorFlags) => {
      const token = flags.token ?? process.env.PRUNEBENCH_TOKEN;
      if (!token) throw new Error('--token is required (or set PRUNEBENCH_TOKEN)');
      const coordinator = await startCoordinator({
        dbPath: flags.db,
        listen: `${flags.host}:${flags.port}`,
        token,
        tlsCertFile: flags.tlsCert,
        tlsKeyFile: flags.tlsKey,
        modelDirs: flags.models,
        benchDirs: flags.benches,
        timing: { leaseTtlMs: flags.leaseTtl, retryBaseMs: flags.retryBase },
        // Logs on stderr; stdout carries the one 'listening' line scripts read.
        logger: pino({ name: 'coordinator', level: process.env.PRUNEBENCH_LOG_LEVEL ?? 'info' }, pino.destination(2)),
      });
      // Tests and scripts read the chosen port from this line.
      process.stdout.write(`prunebench coordinator listening on ${coordinator.address} (db ${flags.db})\n`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await coordinator.close();
    });
}
