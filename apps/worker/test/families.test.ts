import { join } from 'node:path';
import { METHOD_IDS, methods } from '@prunebench/pruners';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calibrateAttentionPrior } from '../src/calibrate.ts';
import { openModel, type LoadedModel } from '../src/model/load.ts';
import { inferSample, type EvalSetting } from '../src/pipeline/infer.ts';
import { copyModel, FIXTURES, tempDir, writeImage } from './helpers.ts';

const QUESTION = 'what colour is the square?';

/** Methods whose default relevance reads CLIP signals: on InternVL they run with the published fallback variant. */
function settingFor(model: LoadedModel, method: string, keep: EvalSetting['keep'], policy?: 'preserve' | 'compact'): EvalSetting {
  const setting: EvalSetting = { method, keep, seed: 2 };
  if (policy) setting.policy = policy;
  if (!model.signals.clipTextEmbed && (method === 'gridprune' || method === 'cdpruner')) setting.params = { relevance: 'llm-embed' };
  return setting;
}

for (const [label, dir, sizes] of [
  ['LLaVA-NeXT (AnyRes)', FIXTURES.next, [[100, 50], [40, 90]]],
  ['InternVL-2.5 (tiles)', FIXTURES.internvl, [[64, 32], [50, 50]]],
] as const) {
  describe(`${label} fixture`, () => {
    let model: LoadedModel;
    let images: string[];
    beforeAll(async () => {
      model = await openModel(copyModel(dir), { threads: 1 });
      const folder = tempDir('family');
      images = await Promise.all(sizes.map(([w, h], i) => writeImage(join(folder, `${i}.png`), w, h, 9 + i)));
      await calibrateAttentionPrior(model, { images: [images[0] as string] });
    });
    afterAll(async () => {
      await model.close();
    });

    it('runs every method in both policies; keep = all reproduces the full-token answer', async () => {
      for (const image of images) {
        const ref = await inferSample(model, image, QUESTION, { method: 'none', keep: 'all' }, { maxNewTokens: 3 });
        const alwaysKeep = model.manifest.family === 'llava-next' ? ref.layoutKey.split('+')[1]?.split('x')[0] : '0';
        for (const method of METHOD_IDS) {
          const full = await inferSample(model, image, QUESTION, settingFor(model, method, 'all'), { maxNewTokens: 3 });
          expect(full.generatedIds, `${method} keep=all`).toEqual(ref.generatedIds);
          for (const policy of ['preserve', 'compact'] as const) {
            const run = await inferSample(model, image, QUESTION, settingFor(model, method, 0.3, policy), { maxNewTokens: 3 });
            expect(run.keptCount, `${method} ${policy}`).toBe(Math.max(Math.round(0.3 * ref.tokensBefore), Number(alwaysKeep)));
            expect(run.policy).toBe(policy);
            if (methods[method].stage !== 'llm-layer') expect(run.flops).toBeLessThan(ref.flops);
          }
        }
      }
    });

    it('records the preprocessing variant and a prior resampled for an uncalibrated layout', async () => {
      const run = await inferSample(model, images[1] as string, QUESTION, { method: 'd2pruner', keep: 0.5 }, { maxNewTokens: 2 });
      expect(run.preprocess).toMatch(model.manifest.family === 'llava-next' ? /^anyres\// : /^tiles\//);
      expect(run.layoutKey).not.toBe((await inferSample(model, images[0] as string, QUESTION, { method: 'none', keep: 'all' }, { maxNewTokens: 1 })).layoutKey);
    });
  });
}

describe('LLaVA-NeXT newline tokens', () => {
  it('are always kept, whatever the method', async () => {
    const model = await openModel(FIXTURES.next, { threads: 1 });
    try {
      const image = await writeImage(join(tempDir('nl'), 'w.png'), 100, 50, 4);
      const run = await inferSample(model, image, QUESTION, { method: 'fastervlm', keep: 8 }, { maxNewTokens: 1 });
      // 16 base + 4 rows x (8 + newline): newlines at 24, 33, 42, 51.
      for (const newline of [24, 33, 42, 51]) expect(run.keptIndices).toContain(newline);
      expect(run.keptCount).toBe(8);
    } finally {
      await model.close();
    }
  });
});
