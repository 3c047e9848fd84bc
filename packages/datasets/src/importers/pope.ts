import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { z } from 'zod';
import type { BenchmarkSample } from '../format.ts';
import { type ImageSource, type Importer, ImportError, SHORT_ANSWER, applyLimit, firstExisting, listDir, parseWith } from './common.ts';

const PopeLine = z.object({
  question_id: z.number(),
  image: z.string(),
  text: z.string(),
  label: z.enum(['yes', 'no']),
});

const SPLIT_FILE = /^coco_pope_(random|popular|adversarial)\.jsonl?$/;

/**
 * POPE (github.com/AoiDragon/POPE, output/coco): `coco_pope_{random,popular,adversarial}.json`, one JSON object per
 * line, with COCO val2014 images in `val2014/` (or `images/`). The POPE split becomes the sample's category; with
 * several split files, `--limit` applies to each.
 */
export const popeImporter: Importer = {
  id: 'pope',
  description: 'POPE random/popular/adversarial (COCO val2014), yes/no',
  expects: 'coco_pope_random.json, coco_pope_popular.json, coco_pope_adversarial.json (JSON lines), val2014/*.jpg',
  async plan(src, options) {
    const files = (await listDir(src)).filter((n) => SPLIT_FILE.test(n)).sort();
    if (files.length === 0) throw new ImportError(`${src}: no POPE files (coco_pope_<split>.json) found`);
    const samples: BenchmarkSample[] = [];
    const images: ImageSource[] = [];
    for (const file of files) {
      const split = SPLIT_FILE.exec(file)![1]!;
      const path = join(src, file);
      const lines = (await readFile(path, 'utf8')).split('\n').map((l, i) => ({ l, i })).filter(({ l }) => l.trim() !== '');
      for (const { l, i } of applyLimit(lines, options.limit)) {
        let json: unknown;
        try {
          json = JSON.parse(l);
        } catch (error) {
          throw new ImportError(`${path}:${i + 1}: not valid JSON (${(error as Error).message})`);
        }
        const q = parseWith(PopeLine, json, `${path}:${i + 1}`);
        const rel = `images/${q.image}`;
        images.push({ rel, from: firstExisting(['val2014', 'images', '.'].map((d) => join(src, d, q.image)), `image ${q.image}`) });
        samples.push({
          id: `${split}-${q.question_id}`,
          image: rel,
          question: `${q.text}\n${SHORT_ANSWER}`,
          metric: 'pope',
          answer: q.label,
          category: split,
          meta: { questionId: q.question_id },
        });
      }
    }
    return {
      header: {
        name: 'pope',
        version: '1',
        description: `POPE on COCO val2014 (${files.map((f) => SPLIT_FILE.exec(f)![1]).join(', ')}), yes/no; category = POPE split`,
        split: 'test',
        metrics: ['pope'],
        maxNewTokens: 16,
        source: `import pope: ${files.map((f) => basename(f)).join(', ')}`,
      },
      samples,
      images,
    };
  },
};
