import { Command } from 'commander';
import { IMPORTERS, getImporter, runImport } from '@prunebench/datasets';
import { positiveInt } from '../options.ts';

interface ImportFlags {
  from: string;
  src: string;
  out: string;
  limit?: number;
  split?: string;
}

function importersHelp(): string {
  return Object.values(IMPORTERS)
    .map((i) => `  ${i.id.padEnd(10)} ${i.description}\n  ${''.padEnd(10)} expects: ${i.expects}`)
    .join('\n');
}

/** `prunebench import`: converts a public benchmark's files into the prunebench benchmark folder format. */
export function importCommand(): Command {
  return new Command('import')
    .description('Convert a public benchmark (its original files) into a prunebench benchmark folder.')
    .requiredOption('--from <id>', `source benchmark (${Object.keys(IMPORTERS).join(', ')})`)
    .requiredOption('--src <dir>', 'folder holding the public files')
    .requiredOption('--out <dir>', 'benchmark folder to write (benchmark.json, samples.jsonl, images/)')
    .option('--limit <n>', 'keep only the first n samples (per split file for pope, per subtask for mme)', positiveInt('--limit'))
    .option('--split <name>', 'source split where the files hold several (scienceqa: test; refcoco: val)')
    .addHelpText('after', `\nImporters:\n${importersHelp()}\n`)
    .action(async (flags: ImportFlags) => {
      const importer = getImporter(flags.from);
      const header = await runImport(importer, flags.src, flags.out, {
        ...(flags.limit !== undefined ? { limit: flags.limit } : {}),
        ...(flags.split !== undefined ? { split: flags.split } : {}),
      });
      process.stdout.write(`${header.name}: ${header.samples} samples (${header.metrics.join(', ')}) written to ${flags.out}\n`);
    });
}
