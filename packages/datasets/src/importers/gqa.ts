import { basename, join } from 'node:path';
import { z } from 'zod';
import type { BenchmarkSample } from '../format.ts';
import { type ImageSource, type Importer, SHORT_ANSWER, applyLimit, findFile, firstExisting, parseWith, readJson } from './common.ts';

const Questions = z.record(
  z.string(),
  z.object({
    imageId: z.string(),
    question: z.string(),
    answer: z.string(),
    fullAnswer: z.string().optional(),
    isBalanced: z.boolean().optional(),
    types: z.object({ structural: z.string(), semantic: z.string(), detailed: z.string() }).partial().optional(),
  }),
);

/**
 * GQA (cs.stanford.edu/people/dorarad/gqa): a questions JSON such as `testdev_balanced_questions.json` (an object
 * keyed by question id), images in `images/<imageId>.jpg`. Exact match, case/punctuation-insensitive.
 */
export const gqaImporter: Importer = {
  id: 'gqa',
  description: 'GQA balanced questions (e.g. testdev), exact match',
  expects: '<split>_balanced_questions.json (or any *_questions.json), images/<imageId>.jpg',
  async plan(src, options) {
    const qPath = await findFile(src, /questions\.json$/, 'GQA questions JSON');
    const questions = parseWith(Questions, await readJson(qPath), qPath);
    const samples: BenchmarkSample[] = [];
    const images: ImageSource[] = [];
    for (const [id, q] of applyLimit(Object.entries(questions), options.limit)) {
      const file = `${q.imageId}.jpg`;
      const rel = `images/${file}`;
      images.push({ rel, from: firstExisting([join(src, 'images', file), join(src, file)], `image ${file}`) });
      samples.push({
        id,
        image: rel,
        question: `${q.question}\n${SHORT_ANSWER}`,
        metric: 'exact-match',
        answer: q.answer,
        ...(q.types?.structural ? { category: q.types.structural } : {}),
        meta: { imageId: q.imageId, ...(q.fullAnswer ? { fullAnswer: q.fullAnswer } : {}), ...(q.types?.semantic ? { semantic: q.types.semantic } : {}) },
      });
    }
    const split = basename(qPath).replace(/_questions\.json$/, '');
    return {
      header: {
        name: `gqa-${split.replace(/[^A-Za-z0-9._-]/g, '-')}`,
        version: '1',
        description: `GQA ${split} questions, exact match`,
        split: split.startsWith('train') ? 'train' : split.startsWith('val') ? 'validation' : 'test',
        metrics: ['exact-match'],
        maxNewTokens: 16,
        source: `import gqa: ${basename(qPath)}`,
      },
      samples,
      images,
    };
  },
};
