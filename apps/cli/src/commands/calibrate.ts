import { Command } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import { readBenchmark, sampleImagePath } from '@prunebench/datasets';
import { calibrateAttentionPrior, openModel, PRIOR_PROMPT } from '@prunebench/worker';
import { positiveInt } from '../options.ts';

interface CalibrateFlags {
  model: string;
  images: number;
  bench: string;
  prompt: string;
  provider: 'cpu' | 'cuda';
  threads?: number;
}

/** `prunebench calibrate`: D2Pruner's positional attention prior, stored in the model folder. */
export function calibrateCommand(): Command {
  return new Command('calibrate')
    .description("Build D2Pruner's positional prior (mean last-token attention over visual tokens, one generic prompt, per token layout) into MODEL/attention_prior.json.")
    .requiredOption('--model <dir>', 'model folder in the prunebench ONNX layout')
    .requiredOption('--images <n>', 'number of images to average over (the first n distinct images of the benchmark)', positiveInt('--images'))
    .requiredOption('--bench <dir>', 'benchmark folder whose images are used')
    .option('--prompt <text>', 'the generic prompt', PRIOR_PROMPT)
    .option('--provider <ep>', 'onnxruntime execution provider (cpu | cuda)', 'cpu')
    .option('--threads <n>', 'onnxruntime intra-op threads', positiveInt('--threads'))
    .action(async (flags: CalibrateFlags) => {
      const bench = await readBenchmark(flags.bench);
      const images = [...new Set(bench.samples.map((s) => sampleImagePath(bench.dir, s)))].slice(0, flags.images);
      const model = await openModel(flags.model, { provider: flags.provider === 'cuda' ? 'cuda' : 'cpu', ...(flags.threads ? { threads: flags.threads } : {}) });
      const bar = new SingleBar({ format: 'calibrate [{bar}] {value}/{total} images', stream: process.stderr }, Presets.shades_classic);
      try {
        bar.start(images.length, 0);
        const report = await calibrateAttentionPrior(model, { images, prompt: flags.prompt, onImage: (done) => bar.update(done) });
        bar.stop();
        for (const layout of report.layouts) process.stdout.write(`layout ${layout.key}: ${layout.images} images, ${layout.tokens} tokens\n`);
        process.stdout.write(`wrote ${report.file}\n`);
      } finally {
        bar.stop();
        await model.close();
      }
    });
}
