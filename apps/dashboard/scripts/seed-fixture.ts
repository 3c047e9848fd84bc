import { resolve } from 'node:path';
import { Command } from 'commander';
import { databasePath } from '../src/lib/db/client.ts';
import { seedFixture } from './synthetic/fixture.ts';

/**
 * `npm run seed -w @prunebench/dashboard`: writes a clearly labelled fixture database (synthetic numbers, real
 * images) for developing and testing the dashboard without a sweep. Never writes over a database unless --force.
 */
const program = new Command('seed-fixture')
  .description('Write a fixture database for the dashboard (synthetic numbers, labelled as such).')
  .option('--db <path>', 'database file to create', resolve(databasePath(), '..', 'dashboard-fixture.sqlite'))
  .option('--samples <n>', 'samples per benchmark', (v) => Number.parseInt(v, 10), 40)
  .option('--force', 'replace the file if it exists', false)
  .option('--append', 'add the fixture sweeps to an existing database (e.g. a copy of a real sweep)', false)
  .action(async (options: { db: string; samples: number; force: boolean; append: boolean }) => {
    if (!Number.isInteger(options.samples) || options.samples < 1) throw new Error('--samples must be a positive integer');
    const started = performance.now();
    const summary = await seedFixture(resolve(options.db), { samples: options.samples, force: options.force, append: options.append });
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    process.stdout.write(`wrote ${summary.rows} fixture result rows to ${summary.path} in ${seconds} s (images in ${summary.benchmarkRoot})\n`);
    process.stdout.write(`view it: PRUNEBENCH_DB=${summary.path} npm run dev -w @prunebench/dashboard\n`);
  });

program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`seed-fixture: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
