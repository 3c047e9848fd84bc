import { Command, InvalidArgumentError, Option } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import { formatSummary, parseKeep, runLocalEval, type EvalSetting, type Spinning } from '@prunebench/worker';
import { positiveInt, spinningOption } from '../options.ts';

function parseParams(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InvalidArgumentError(`--params is not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidArgumentError('--params must be a JSON object');
  return value as Record<string, unknown>;
}

interface EvalFlags {
  model: string;
  bench: string;
  method: string;
  keep: string;
  policy?: 'preserve' | 'compact';
  params?: Record<string, unknown>;
  seed?: number;
  limit?: number;
  out?: string;
  json?: boolean;
  provider: 'cpu' | 'cuda';
  threads?: number;
  spinning?: Spinning;
}

/** `prunebench eval`: one model x benchmark x method x keep, locally, with a progress bar and a summary. */
export function evalCommand(): Command {
  return new Command('eval')
    .description('Evaluate one pruning setting of a model on a benchmark folder, locally (no coordinator).')
    .requiredOption('--model <dir>', 'model folder in the prunebench ONNX layout (model.json + graphs)')
    .requiredOption('--bench <dir>', 'benchmark folder (benchmark.json + samples.jsonl + images)')
    .requiredOption('--method <id>', "pruning method id, or 'none' for the full-token reference")
    .requiredOption('--keep <k>', "visual tokens kept: a count (64), a ratio of the sample's tokens (0.111) or 'all'")
    .addOption(new Option('--policy <policy>', "RoPE positions of kept tokens (default: the method's own)").choices(['preserve', 'compact']))
    .option('--params <json>', 'method parameters as a JSON object', parseParams)
    .option('--seed <n>', 'seed for randomised methods', positiveInt('--seed'))
    .option('--limit <n>', 'evaluate only the first n samples', positiveInt('--limit'))
    .option('--out <file>', 'write one JSON line per sample (prompt, target, raw output, score, kept indices, timings, variant)')
    .option('--json', 'print the summary as one JSON object instead of a table')
    .addOption(new Option('--provider <ep>', 'onnxruntime execution provider').choices(['cpu', 'cuda']).default('cpu'))
    .option('--threads <n>', 'onnxruntime intra-op threads', positiveInt('--threads'))
    .addOption(spinningOption())
    .action(async (flags: EvalFlags) => {
      const setting: EvalSetting = { method: flags.method, keep: parseKeep(flags.keep, '--keep') };
      if (flags.policy) setting.policy = flags.policy;
      if (flags.params) setting.params = flags.params;
      if (flags.seed !== undefined) setting.seed = flags.seed;
      const bar = new SingleBar({ format: 'eval [{bar}] {value}/{total} samples | score {score} | {eta_formatted} left', hideCursor: true, stream: process.stderr }, Presets.shades_classic);
      let scoreSum = 0;
      try {
        const summary = await runLocalEval({
          model: flags.model,
          bench: flags.bench,
          setting,
          provider: flags.provider,
          ...(flags.limit ? { limit: flags.limit } : {}),
          ...(flags.out ? { out: flags.out } : {}),
          ...(flags.threads ? { threads: flags.threads } : {}),
          ...(flags.spinning ? { spinning: flags.spinning } : {}),
          onStart: (total) => bar.start(total, 0, { score: '-' }),
          onSample: (done, result) => {
            scoreSum += result.score;
            bar.update(done, { score: (scoreSum / done).toFixed(3) });
          },
        });
        bar.stop();
        process.stdout.write(flags.json ? `${JSON.stringify(summary)}\n` : `${formatSummary(summary)}\n`);
      } finally {
        bar.stop();
      }
    });
}
