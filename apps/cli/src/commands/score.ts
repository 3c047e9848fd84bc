import { readFile } from 'node:fs/promises';
import { Command } from 'commander';
import { METRICS, METRIC_IDS, formatScoreReport, getMetric, parseScoreInput, scoreRecords, scoreReportJson } from '@prunebench/metrics';

interface ScoreFlags {
  metric: string;
  input: string;
  variant?: string;
  json?: boolean;
}

function variantsHelp(): string {
  return METRIC_IDS.map((id) => `  ${id}: ${METRICS[id].variants.join(' | ')}`).join('\n');
}

/** `prunebench score`: re-scores stored raw outputs with the worker's metric code, under any parser variant. */
export function scoreCommand(): Command {
  return new Command('score')
    .description('Score stored raw model outputs (JSONL) with a metric, without re-running any model.')
    .requiredOption('--metric <id>', `metric id (${METRIC_IDS.join(', ')})`)
    .requiredOption('--input <file>', 'JSONL: id, prediction and the ground truth (answers | answer [+choices] | box + scale | question_id + category)')
    .option('--variant <name>', "parser/scoring variant (default: the metric's first)")
    .option('--json', 'print {"scores":[{"id","score"}...],"aggregate":{...}} instead of tables')
    .addHelpText('after', `\nVariants (first is the default):\n${variantsHelp()}\n`)
    .action(async (flags: ScoreFlags) => {
      const metric = getMetric(flags.metric);
      if (flags.variant !== undefined && !metric.variants.includes(flags.variant)) {
        throw new Error(`--variant: "${flags.variant}" is not a variant of ${metric.id} (choose one of ${metric.variants.join(', ')})`);
      }
      let text: string;
      try {
        text = await readFile(flags.input, 'utf8');
      } catch (error) {
        throw new Error(`--input ${flags.input}: cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})`, { cause: error });
      }
      const report = scoreRecords(metric.id, parseScoreInput(text, flags.input), flags.input, flags.variant);
      process.stdout.write(flags.json ? `${JSON.stringify(scoreReportJson(report))}\n` : `${formatScoreReport(report)}\n`);
    });
}
