import { mkdtempSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { generateSyntheticBenchmark, readBenchmark } from '@prunebench/datasets';
import sharp from 'sharp';
import { openModel } from '../src/model/load.ts';
import type { EvalSetting } from '../src/pipeline/infer.ts';
import { evaluateSample, type SampleResult } from '../src/pipeline/evaluate.ts';

export const REPO = resolve(import.meta.dirname, '../../..');
export const FIXTURES = {
  llava15: join(REPO, 'fixtures/models/tiny-random-llava15'),
  next: join(REPO, 'fixtures/models/tiny-llava-next'),
  internvl: join(REPO, 'fixtures/models/tiny-internvl'),
};

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `prunebench-worker-${prefix}-`));
}

/** A copy of a model folder (for tests that write into it, e.g. calibrate). */
export function copyModel(dir: string): string {
  const target = join(tempDir('model'), 'model');
  cpSync(dir, target, { recursive: true });
  return target;
}

/** A deterministic test image: a gradient with a few coloured blocks. */
export async function writeImage(file: string, width: number, height: number, seed = 1): Promise<string> {
  const data = Buffer.alloc(width * height * 3);
  let state = seed;
  const rand = (): number => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state / 0x7fffffff;
  };
  const blocks = Array.from({ length: 4 }, () => ({ x: rand() * width, y: rand() * height, s: 4 + rand() * width * 0.3, c: [rand() * 255, rand() * 255, rand() * 255] }));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      let rgb = [(x / width) * 200, (y / height) * 200, 90];
      for (const b of blocks) if (Math.abs(x - b.x) < b.s && Math.abs(y - b.y) < b.s) rgb = b.c;
      data[i] = rgb[0] ?? 0;
      data[i + 1] = rgb[1] ?? 0;
      data[i + 2] = rgb[2] ?? 0;
    }
  }
  await sharp(data, { raw: { width, height, channels: 3 } }).png().toFile(file);
  return file;
}

/**
 * Every sample of the first `scenes` scenes of the synth-shapes test split, run through the real pipeline of the
 * model in `modelDir` once per setting (one result list per setting, in sample order). Generates the split into a
 * temporary folder, and closes the model when done.
 */
export async function evaluateTestScenes(modelDir: string, scenes: number, settings: EvalSetting[]): Promise<SampleResult[][]> {
  const generated = await generateSyntheticBenchmark({ outDir: join(tempDir('scenes'), 'synth-shapes'), split: 'test', scenes });
  const bench = await readBenchmark(generated.dir);
  const model = await openModel(modelDir, { threads: 1 });
  try {
    const ref = { dir: bench.dir, header: bench.header };
    const results: SampleResult[][] = settings.map(() => []);
    for (const sample of bench.samples) {
      for (const [s, setting] of settings.entries()) results[s]?.push(await evaluateSample(model, ref, sample, setting));
    }
    return results;
  } finally {
    await model.close();
  }
}
