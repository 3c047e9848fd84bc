import { Command, InvalidArgumentError, Option } from 'commander';
import cliProgress from 'cli-progress';
import {
  DEFAULT_QUESTIONS_PER_SCENE,
  DEFAULT_SCENES,
  DEFAULT_SEED,
  SYNTHETIC_SPLITS,
  defaultSyntheticName,
  generateSyntheticBenchmark,
  type SyntheticSplit,
} from '@prunebench/datasets';

function integer(flag: string, min: number): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < min) {
      throw new InvalidArgumentError(`${flag} must be an integer >= ${min}, got '${value}'`);
    }
    return parsed;
  };
}

interface SynthOptions {
  out: string;
  split: SyntheticSplit;
  scenes?: number;
  seed: number;
  size: number;
  questionsPerScene: number;
  name?: string;
  progress: boolean;
}

const SYNTH_HELP = `
Writes a benchmark folder (docs/benchmark-format.md): benchmark.json, samples.jsonl, images/NNNNNN.png.
Each split has its own seed stream (derived from --seed and the split name), so train/validation/test never share
scenes. Default scenes per split: ${SYNTHETIC_SPLITS.map((s) => `${s} ${DEFAULT_SCENES[s]}`).join(', ')}.
Default names: test -> ${defaultSyntheticName('test')}, train -> ${defaultSyntheticName('train')}, validation -> ${defaultSyntheticName('validation')}.

Example:
  prunebench bench synth --out data/synth-train --split train --scenes 20000
`;

function synthCommand(): Command {
  return new Command('synth')
    .description('Generate the synthetic shapes benchmark (deterministic from --seed and --split).')
    .requiredOption('--out <dir>', 'benchmark folder to create (replaced if it is an earlier synthetic output)')
    .addOption(new Option('--split <split>', 'which split').choices(SYNTHETIC_SPLITS).default('test'))
    .option('--scenes <n>', 'number of images (default depends on the split)', integer('--scenes', 1))
    .option('--seed <s>', 'base seed', integer('--seed', 0), DEFAULT_SEED)
    .option('--size <px>', 'image side in pixels (192 = a 24x24 grid of 8-px patches)', integer('--size', 32), 192)
    .option('--questions-per-scene <q>', 'questions asked about each image', integer('--questions-per-scene', 1), DEFAULT_QUESTIONS_PER_SCENE)
    .option('--name <id>', 'benchmark name (default synth-shapes for test, synth-shapes-<split> otherwise)')
    .option('--no-progress', 'no progress bar')
    .addHelpText('after', SYNTH_HELP)
    .action(async (opts: SynthOptions) => {
      const started = Date.now();
      const bar = opts.progress && process.stderr.isTTY
        ? new cliProgress.SingleBar(
            { format: 'scenes {bar} {value}/{total} | {percentage}% | eta {eta_formatted}', stream: process.stderr },
            cliProgress.Presets.shades_classic,
          )
        : null;
      let barStarted = false;
      try {
        const result = await generateSyntheticBenchmark({
          outDir: opts.out,
          split: opts.split,
          scenes: opts.scenes,
          seed: opts.seed,
          size: opts.size,
          questionsPerScene: opts.questionsPerScene,
          name: opts.name,
          onProgress: (done, total) => {
            if (!bar) return;
            if (!barStarted) {
              bar.start(total, 0);
              barStarted = true;
            }
            bar.update(done);
          },
        });
        bar?.stop();
        const seconds = (Date.now() - started) / 1000;
        process.stdout.write(
          `wrote ${result.header.name} (${result.spec.split}): ${result.spec.scenes} scenes, ` +
            `${result.header.samples} samples in ${result.dir} (${seconds.toFixed(1)} s)\n`,
        );
      } catch (error) {
        bar?.stop();
        throw error;
      }
    });
}

/** `prunebench bench ...`: benchmark folders (synthetic generation; importers add sub-commands here). */
export function benchCommand(): Command {
  return new Command('bench').description('Create benchmark folders.').addCommand(synthCommand());
}
