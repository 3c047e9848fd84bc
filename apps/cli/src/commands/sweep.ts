import { createWriteStream, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { Metadata } from '@grpc/grpc-js';
import { Command, InvalidArgumentError, Option } from 'commander';
import { CSV_COLUMNS, csvLine, exportRows, followSweep, jobLabel, jsonLine, progressRenderer } from '@prunebench/coordinator';
import { connectCoordinator, unary, type CoordinatorClient, type SweepStatus } from '@prunebench/proto';

interface ClientFlags {
  coordinator: string;
  token?: string;
  tlsCa?: string;
}

function sweepId(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0) throw new InvalidArgumentError(`sweep id must be a positive integer, got '${value}'`);
  return parsed;
}

function withClientOptions(command: Command): Command {
  return command
    .option('--coordinator <host:port>', 'coordinator address (default: env PRUNEBENCH_COORDINATOR or localhost:50051)')
    .option('--token <token>', 'bearer token (default: env PRUNEBENCH_TOKEN)')
    .option('--tls-ca <file>', 'PEM CA certificate: connect with TLS');
}

/** Options of the `sweep` command itself and of the sub-command, merged (either position works). */
function clientFor(command: Command): CoordinatorClient {
  const flags = command.optsWithGlobals<ClientFlags>();
  const token = flags.token ?? process.env.PRUNEBENCH_TOKEN;
  if (!token) throw new Error('--token is required (or set PRUNEBENCH_TOKEN)');
  const address = flags.coordinator ?? process.env.PRUNEBENCH_COORDINATOR ?? 'localhost:50051';
  return connectCoordinator(address, { token, tlsCaFile: flags.tlsCa });
}

/** gRPC errors carry "<code> <NAME>: details"; users need the details. */
async function rpc<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    const details = (error as { details?: string }).details ?? (error as Error).message;
    throw new Error(`${what}: ${details}`, { cause: error });
  }
}

function printStatus(status: SweepStatus): void {
  const lines = [
    `sweep ${status.sweepId} "${status.name}": ${status.state}, priority ${status.priority}, ${status.samplesDone}/${status.samples} samples`,
  ];
  for (const job of status.jobs) {
    lines.push(
      `  ${jobLabel(job).padEnd(48)} ${String(job.samplesDone).padStart(6)}/${job.samples}  ${job.state}` +
        `  shards ${job.shardsDone}/${job.shards} done, ${job.shardsLeased} leased, ${job.shardsFailed} failed`,
    );
  }
  for (const failure of status.failures) {
    lines.push(`  failed shard ${failure.shardId} (job ${failure.jobId}) after ${failure.attempts} attempts: ${failure.lastError}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

export function sweepCommand(): Command {
  const sweep = withClientOptions(new Command('sweep').description('Submit, follow, cancel and export sweeps.'));

  withClientOptions(sweep.command('submit'))
    .description('Validate a sweep YAML file and queue it; prints the sweep id.')
    .argument('<file>', 'sweep YAML (models, benchmarks, methods, keep, policies, samples, priority, ...)')
    .action(async (file: string, _flags: unknown, command: Command) => {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (error) {
        throw new Error(`cannot read sweep file ${file}: ${(error as Error).message}`, { cause: error });
      }
      const client = clientFor(command);
      const out = await rpc('submit', () => unary(client.submitSweep.bind(client), { specYaml: text, sourceName: basename(file) }, new Metadata()));
      process.stdout.write(`submitted sweep ${out.sweepId}: ${out.jobs} jobs, ${out.shards} shards, ${out.samples} sample evaluations\n`);
      client.close();
    });

  withClientOptions(sweep.command('status'))
    .description('Show one sweep in detail, or every sweep.')
    .argument('[id]', 'sweep id', sweepId)
    .action(async (id: number | undefined, _flags: unknown, command: Command) => {
      const client = clientFor(command);
      const out = await rpc('status', () => unary(client.getStatus.bind(client), { sweepId: id ?? 0 }, new Metadata()));
      if (id === undefined && out.sweeps.length === 0) process.stdout.write('no sweeps\n');
      for (const status of out.sweeps) printStatus(status);
      client.close();
    });

  withClientOptions(sweep.command('cancel'))
    .description('Cancel a sweep: queued and running shards stop; stored results stay.')
    .argument('<id>', 'sweep id', sweepId)
    .action(async (id: number, _flags: unknown, command: Command) => {
      const client = clientFor(command);
      const out = await rpc('cancel', () => unary(client.cancelSweep.bind(client), { sweepId: id }, new Metadata()));
      process.stdout.write(`sweep ${id}: ${out.state}\n`);
      client.close();
    });

  withClientOptions(sweep.command('watch'))
    .description('Live progress bar per job until the sweep finishes.')
    .argument('<id>', 'sweep id', sweepId)
    .action(async (id: number, _flags: unknown, command: Command) => {
      const client = clientFor(command);
      const renderer = progressRenderer();
      let final: SweepStatus;
      try {
        final = await rpc('watch', () => followSweep(client, id, (status) => renderer.update(status)));
      } finally {
        renderer.stop();
        client.close();
      }
      process.stdout.write(`sweep ${id} ${final.state}: ${final.samplesDone}/${final.samples} samples\n`);
      for (const failure of final.failures) process.stdout.write(`  failed shard ${failure.shardId}: ${failure.lastError}\n`);
      if (final.state !== 'done') process.exitCode = 1;
    });

  withClientOptions(sweep.command('export'))
    .description('Write every per-sample result of a sweep as CSV or JSON lines.')
    .argument('<id>', 'sweep id', sweepId)
    .addOption(new Option('--format <format>', 'output format').choices(['csv', 'jsonl']).default('jsonl'))
    .option('--out <file>', 'output file (default: stdout)')
    .action(async (id: number, flags: { format: 'csv' | 'jsonl'; out?: string }, command: Command) => {
      const client = clientFor(command);
      // `... | head` closes the pipe early: that is the reader's choice, not an error.
      process.stdout.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code === 'EPIPE') process.exit(0);
        throw error;
      });
      const out = flags.out ? createWriteStream(flags.out) : process.stdout;
      const write = (line: string): Promise<void> | void => {
        if (!out.write(`${line}\n`)) return new Promise((resolve) => out.once('drain', () => resolve()));
      };
      let n = 0;
      await rpc('export', async () => {
        if (flags.format === 'csv') await write(CSV_COLUMNS.join(','));
        for await (const row of exportRows(client, id)) {
          await write(flags.format === 'csv' ? csvLine(row) : jsonLine(row));
          n++;
        }
      });
      if (flags.out) {
        await new Promise<void>((resolve) => (out as ReturnType<typeof createWriteStream>).end(resolve));
        process.stderr.write(`wrote ${n} rows to ${flags.out}\n`);
      }
      client.close();
    });

  return sweep;
}
