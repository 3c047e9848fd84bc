import { join } from 'node:path';
import { METHOD_IDS, methods } from '@prunebench/pruners';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calibrateAttentionPrior } from '../src/calibrate.ts';
import { openModel, type LoadedModel } from '../src/model/load.ts';
import { inferSample, type EvalSetting, type InferenceResult } from '../src/pipeline/infer.ts';
import { copyModel, FIXTURES, tempDir, writeImage } from './helpers.ts';

const QUESTION = 'is there a red circle left of the blue square?';
const MAX_NEW = 4;

describe('end to end on the LLaVA-1.5 layout fixture', () => {
  let model: LoadedModel;
  let images: string[];
  const reference = new Map<string, InferenceResult>();

  beforeAll(async () => {
    // A copy: calibrate writes attention_prior.json into the model folder.
    model = await openModel(copyModel(FIXTURES.llava15), { threads: 1 });
    const dir = tempDir('images');
    images = [await writeImage(join(dir, 'a.png'), 120, 80, 3), await writeImage(join(dir, 'b.png'), 96, 96, 7)];
    const report = await calibrateAttentionPrior(model, { images });
    expect(report.layouts).toEqual([{ key: '24x24', images: 2, tokens: 576 }]);
    for (const image of images) reference.set(image, await inferSample(model, image, QUESTION, { method: 'none', keep: 'all' }, { maxNewTokens: MAX_NEW }));
  });
  afterAll(async () => {
    await model.close();
  });

  it('the full-token reference keeps every visual token', () => {
    const ref = reference.get(images[0] as string) as InferenceResult;
    expect(ref.tokensBefore).toBe(576);
    expect(ref.keptIndices).toEqual(Array.from({ length: 576 }, (_, i) => i));
    expect(ref.generatedIds.length).toBeGreaterThan(0);
    expect(ref.flops).toBe(ref.fullFlops);
  });

  for (const method of METHOD_IDS) {
    it(`${method}: keep = all gives exactly the unpruned answer`, async () => {
      for (const image of images) {
        const run = await inferSample(model, image, QUESTION, { method, keep: 'all' }, { maxNewTokens: MAX_NEW });
        const ref = reference.get(image) as InferenceResult;
        expect(run.keptCount).toBe(576);
        expect(run.generatedIds).toEqual(ref.generatedIds);
        expect(run.prediction).toBe(ref.prediction);
      }
    });

    for (const policy of ['preserve', 'compact'] as const) {
      it(`${method} (${methods[method].stage}) runs with the ${policy} policy`, async () => {
        const setting: EvalSetting = { method, keep: 64, policy, seed: 1 };
        const run = await inferSample(model, images[0] as string, QUESTION, setting, { maxNewTokens: MAX_NEW });
        expect(run.policy).toBe(policy);
        expect(run.keptCount).toBe(64);
        expect(new Set(run.keptIndices).size).toBe(64);
        expect(run.keptIndices).toEqual([...run.keptIndices].sort((a, b) => a - b));
        expect(run.flops).toBeLessThan(run.fullFlops);
        expect(run.generatedIds.length).toBeGreaterThan(0);
        expect(run.generatedIds.length).toBeLessThanOrEqual(MAX_NEW);
      });
    }
  }

  it('pruning changes what the model sees (the equality above is not vacuous)', async () => {
    const image = images[0] as string;
    const ref = reference.get(image) as InferenceResult;
    const answers = await Promise.all(
      (['random', 'fastervlm', 'fastv'] as const).map((method) => inferSample(model, image, QUESTION, { method, keep: 4, seed: 3 }, { maxNewTokens: MAX_NEW })),
    );
    expect(answers.some((a) => a.generatedIds.join() !== ref.generatedIds.join())).toBe(true);
  });

  it('a ratio keeps round(ratio * n) tokens and the method default policy applies', async () => {
    const run = await inferSample(model, images[1] as string, QUESTION, { method: 'fastv', keep: 0.111 }, { maxNewTokens: 2 });
    expect(run.keptCount).toBe(64);
    expect(run.policy).toBe('preserve');
  });
});
