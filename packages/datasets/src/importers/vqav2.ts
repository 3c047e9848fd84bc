import { basename, dirname, join } from 'node:path';
import { z } from 'zod';
import type { BenchmarkSample } from '../format.ts';
import {
  type ImageSource, type Importer, ImportError, SHORT_ANSWER, applyLimit, cocoFileName, findFile, firstExisting, parseWith, readJson,
} from './common.ts';

const Questions = z.object({
  data_subtype: z.string(),
  questions: z.array(z.object({ image_id: z.number(), question: z.string(), question_id: z.number() })),
});
const Annotations = z.object({
  annotations: z.array(
    z.object({
      question_id: z.number(),
      image_id: z.number(),
      question_type: z.string(),
      answer_type: z.string(),
      multiple_choice_answer: z.string(),
      answers: z.array(z.object({ answer: z.string(), answer_id: z.number() })).min(1),
    }),
  ),
});

/**
 * VQAv2 (visualqa.org): `v2_OpenEnded_mscoco_<subtype>_questions.json` + `v2_mscoco_<subtype>_annotations.json`,
 * COCO images in `<subtype>/` (or `images/`). Scored with the official VQA accuracy over the 10 answers.
 */
export const vqav2Importer: Importer = {
  id: 'vqav2',
  description: 'VQAv2 open-ended questions + annotations (COCO images), VQA accuracy',
  expects: 'v2_OpenEnded_mscoco_<subtype>_questions.json, v2_mscoco_<subtype>_annotations.json, <subtype>/COCO_<subtype>_<id>.jpg',
  async plan(src, options) {
    const qPath = await findFile(src, /questions\.json$/, 'VQAv2 questions JSON');
    const aPath = await findFile(src, /annotations\.json$/, 'VQAv2 annotations JSON');
    const questions = parseWith(Questions, await readJson(qPath), qPath);
    const annotations = parseWith(Annotations, await readJson(aPath), aPath);
    const byQuestion = new Map(annotations.annotations.map((a) => [a.question_id, a]));
    const subtype = questions.data_subtype;
    const samples: BenchmarkSample[] = [];
    const images: ImageSource[] = [];
    let imageDir: string | undefined;
    for (const q of applyLimit(questions.questions, options.limit)) {
      const ann = byQuestion.get(q.question_id);
      if (!ann) throw new ImportError(`${aPath}: no annotation for question_id ${q.question_id} (from ${basename(qPath)})`);
      const file = cocoFileName(subtype, q.image_id);
      // All images sit in one folder: find it once, from the first one.
      imageDir ??= dirname(firstExisting([join(src, subtype), join(src, 'images'), src].map((d) => join(d, file)), `image ${file}`));
      const rel = `images/${file}`;
      images.push({ rel, from: join(imageDir, file) });
      samples.push({
        id: String(q.question_id),
        image: rel,
        question: `${q.question}\n${SHORT_ANSWER}`,
        metric: 'vqa-accuracy',
        answers: ann.answers.map((a) => a.answer),
        category: ann.answer_type,
        meta: { imageId: q.image_id, questionType: ann.question_type, multipleChoiceAnswer: ann.multiple_choice_answer },
      });
    }
    return {
      header: {
        name: `vqav2-${subtype}`,
        version: '1',
        description: `VQAv2 ${subtype} open-ended questions, official VQA accuracy`,
        split: subtype.startsWith('train') ? 'train' : subtype.startsWith('test') ? 'test' : 'validation',
        metrics: ['vqa-accuracy'],
        maxNewTokens: 16,
        source: `import vqav2: ${basename(qPath)} + ${basename(aPath)}`,
      },
      samples,
      images,
    };
  },
};
