import { basename, join } from 'node:path';
import { z } from 'zod';
import type { BenchmarkSample } from '../format.ts';
import { type ImageSource, type Importer, SHORT_ANSWER, applyLimit, findFile, firstExisting, parseWith, readJson } from './common.ts';

const TextVqa = z.object({
  dataset_type: z.string(),
  dataset_version: z.string().optional(),
  data: z.array(
    z.object({
      question_id: z.number(),
      question: z.string(),
      image_id: z.string(),
      answers: z.array(z.string()).min(1),
      image_width: z.number().optional(),
      image_height: z.number().optional(),
      image_classes: z.array(z.string()).optional(),
    }),
  ),
});

/**
 * TextVQA (textvqa.org): `TextVQA_0.5.1_<split>.json`, images in `train_images/` (where the val images also live) or
 * `images/`. VQA accuracy. The OCR-token prompt hint LLaVA uses is not added (lmms-eval's default); recorded in the
 * description.
 */
export const textvqaImporter: Importer = {
  id: 'textvqa',
  description: 'TextVQA questions (val), VQA accuracy, no OCR-token hint',
  expects: 'TextVQA_0.5.1_<split>.json, train_images/<image_id>.jpg (or images/)',
  async plan(src, options) {
    const path = await findFile(src, /^TextVQA.*\.json$/i, 'TextVQA JSON');
    const file = parseWith(TextVqa, await readJson(path), path);
    const samples: BenchmarkSample[] = [];
    const images: ImageSource[] = [];
    for (const q of applyLimit(file.data, options.limit)) {
      const name = `${q.image_id}.jpg`;
      const rel = `images/${name}`;
      const dirs = ['train_images', 'test_images', 'images', '.'];
      images.push({ rel, from: firstExisting(dirs.map((d) => join(src, d, name)), `image ${name}`) });
      samples.push({
        id: String(q.question_id),
        image: rel,
        question: `${q.question}\n${SHORT_ANSWER}`,
        metric: 'vqa-accuracy',
        answers: q.answers,
        meta: {
          imageId: q.image_id,
          ...(q.image_width && q.image_height ? { imageWidth: q.image_width, imageHeight: q.image_height } : {}),
        },
      });
    }
    const split = file.dataset_type;
    return {
      header: {
        name: `textvqa-${split}`,
        version: '1',
        description: `TextVQA ${file.dataset_version ?? ''} ${split}, VQA accuracy, prompt without the OCR-token hint`.replace(/\s+/g, ' '),
        split: split === 'train' ? 'train' : split === 'test' ? 'test' : 'validation',
        metrics: ['vqa-accuracy'],
        maxNewTokens: 16,
        source: `import textvqa: ${basename(path)}`,
      },
      samples,
      images,
    };
  },
};
