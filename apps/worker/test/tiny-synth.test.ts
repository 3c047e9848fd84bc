/**
 * Every pruning method x both position policies end to end through `evaluateSample` on the embedded trained model
 * (models/tiny-synth) and a few samples of the embedded synthetic benchmark, generated here. The model is retrained
 * from time to time, so nothing here depends on its answers: only structural facts, and keep = all reproducing the
 * unpruned answer exactly.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { generateSyntheticBenchmark, readBenchmark, sampleImagePath, type Benchmark, type BenchmarkSample } from '@prunebench/datasets';
import { METHOD_IDS, methods, type MethodId } from '@prunebench/pruners';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calibrateAttentionPrior } from '../src/calibrate.ts';
import { openModel, type LoadedModel } from '../src/model/load.ts';
import { evaluateSample, type SampleResult } from '../src/pipeline/evaluate.ts';
import { resolveKeep } from '../src/pipeline/keep.ts';
import { loadRgb } from '../src/preprocess/image.ts';
import { copyModel, REPO, tempDir } from './helpers.ts';

const TINY_SYNTH = join(REPO, 'models/tiny-synth');
/** 64 of LLaVA-1.5's 576 tokens: the benchmark's headline budget. */
const KEEP = 0.111;
/** 2 scenes x 2 questions: 4 samples, two images. */
const SCENES = 2;
const QUESTIONS_PER_SCENE = 2;

/** The position ids the spec prescribes for a prompt of prefix text, kept visual tokens and suffix text. */
function expectedPositions(policy: 'preserve' | 'compact', prefix: number, visual: number, suffix: number, kept: readonly number[]): number[] {
  const length = prefix + kept.length + suffix;
  if (policy === 'compact') return Array.from({ length }, (_, i) => i);
  return [
    ...Array.from({ length: prefix }, (_, i) => i),
    ...kept.map((v) => prefix + v),
    ...Array.from({ length: suffix }, (_, j) => prefix + visual + j),
  ];
}

/** Facts every result must satisfy, pruned or not. */
function expectWellFormed(result: SampleResult, alwaysKeep: readonly number[], stops: readonly string[]): void {
  const kept = result.keptIndices;
  expect(kept.every((i) => Number.isInteger(i) && i >= 0 && i < result.tokensBefore)).toBe(true);
  expect(new Set(kept).size).toBe(kept.length);
  expect(kept).toEqual([...kept].sort((a, b) => a - b));
  for (const index of alwaysKeep) expect(kept).toContain(index);
  expect(result.keptCount).toBe(kept.length);
  // An answer decoded to text: not empty, no stop string, no undecodable bytes, trimmed.
  expect(typeof result.prediction).toBe('string');
  expect(result.prediction.length).toBeGreaterThan(0);
  expect(result.prediction).toBe(result.prediction.trim());
  expect(result.prediction).not.toContain('\uFFFD');
  for (const stop of stops) expect(result.prediction).not.toContain(stop);
  expect(result.score).toBeGreaterThanOrEqual(0);
  expect(result.score).toBeLessThanOrEqual(1);
  const { prefix, suffix, full, tail } = result.sequence;
  expect(full).toBe(prefix + result.tokensBefore + suffix);
  expect(tail).toBe(prefix + result.keptCount + suffix);
  expect(result.positions.tail).toHaveLength(tail);
}

describe('end to end on the embedded model (models/tiny-synth)', () => {
  let model: LoadedModel;
  let bench: Benchmark;
  const alwaysKeep = new Map<string, number[]>();
  const reference = new Map<string, SampleResult>();

  const evaluate = (sample: BenchmarkSample, setting: Parameters<typeof evaluateSample>[3]): Promise<SampleResult> =>
    evaluateSample(model, { dir: bench.dir, header: bench.header }, sample, setting);

  beforeAll(async () => {
    const generated = await generateSyntheticBenchmark({
      outDir: join(tempDir('synth'), 'synth-shapes'),
      split: 'test',
      scenes: SCENES,
      questionsPerScene: QUESTIONS_PER_SCENE,
    });
    bench = await readBenchmark(generated.dir);
    const images = [...new Set(bench.samples.map((s) => sampleImagePath(bench.dir, s)))];
    // D2Pruner reads the prior stored with the model; a model folder delivered without one is calibrated on a copy
    // (calibrate writes into the folder), so that every method runs.
    const hasPrior = existsSync(join(TINY_SYNTH, 'attention_prior.json'));
    model = await openModel(hasPrior ? TINY_SYNTH : copyModel(TINY_SYNTH), { threads: 1 });
    if (!hasPrior) await calibrateAttentionPrior(model, { images });
    for (const image of images) {
      const plan = await model.runtime.family.plan(await loadRgb(image), model.manifest);
      alwaysKeep.set(image, [...(plan.layout.alwaysKeep ?? [])]);
    }
    for (const sample of bench.samples) reference.set(sample.id, await evaluate(sample, { method: 'none', keep: 'all' }));
  });
  afterAll(async () => {
    await model?.close();
  });

  const keepOf = (sample: BenchmarkSample): number[] => alwaysKeep.get(sampleImagePath(bench.dir, sample)) ?? [];

  it('the generated benchmark and the full-token reference are well formed', () => {
    expect(bench.samples).toHaveLength(SCENES * QUESTIONS_PER_SCENE);
    for (const sample of bench.samples) {
      const ref = reference.get(sample.id) as SampleResult;
      expectWellFormed(ref, keepOf(sample), model.manifest.prompt.stop);
      expect(ref.keptIndices).toEqual(Array.from({ length: ref.tokensBefore }, (_, i) => i));
      expect(ref.flops).toBe(ref.fullFlops);
      expect(ref.positions.head).toEqual(Array.from({ length: ref.sequence.full }, (_, i) => i));
      expect(ref.positions.tail).toEqual(ref.positions.head);
    }
  });

  for (const method of METHOD_IDS as MethodId[]) {
    const stage = methods[method].stage;

    it(`${method}: keep = all gives exactly the unpruned answer on every sample`, async () => {
      for (const sample of bench.samples) {
        const run = await evaluate(sample, { method, keep: 'all' });
        const ref = reference.get(sample.id) as SampleResult;
        expectWellFormed(run, keepOf(sample), model.manifest.prompt.stop);
        expect(run.keptCount).toBe(ref.tokensBefore);
        expect(run.prediction).toBe(ref.prediction);
        expect(run.score).toBe(ref.score);
        expect(run.flops).toBe(ref.flops);
      }
    });

    for (const policy of ['preserve', 'compact'] as const) {
      it(`${method} (${stage}) at keep ${KEEP} with the ${policy} policy`, async () => {
        for (const sample of bench.samples) {
          const run = await evaluate(sample, { method, keep: KEEP, policy, seed: 1 });
          expectWellFormed(run, keepOf(sample), model.manifest.prompt.stop);
          expect(run.variant.policy).toBe(policy);
          expect(run.keptCount).toBe(resolveKeep(KEEP, run.tokensBefore, keepOf(sample).length));
          expect(run.keptCount).toBeLessThan(run.tokensBefore);
          expect(run.flops).toBeLessThan(run.fullFlops);
          const { prefix, suffix, full } = run.sequence;
          expect(run.positions.tail).toEqual(expectedPositions(policy, prefix, run.tokensBefore, suffix, run.keptIndices));
          // Before layer K the llm-layer stage has not pruned yet: the head sees every token at its own position.
          expect(run.positions.head).toEqual(stage === 'llm-layer' ? Array.from({ length: full }, (_, i) => i) : run.positions.tail);
        }
      });
    }
  }
});
