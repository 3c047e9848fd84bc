import { basename, join } from 'node:path';
import { z } from 'zod';
import type { BenchmarkSample } from '../format.ts';
import {
  type ImageSource, type Importer, ImportError, LETTER_ANSWER, applyLimit, findFile, firstExisting, optionLines, parseWith, readJson,
} from './common.ts';

const Problems = z.record(
  z.string(),
  z.object({
    question: z.string(),
    choices: z.array(z.string()).min(2),
    answer: z.int().nonnegative(),
    hint: z.string().nullable().optional(),
    image: z.string().nullable().optional(),
    subject: z.string().optional(),
    grade: z.string().optional(),
    category: z.string().optional(),
    split: z.string().optional(),
  }),
);
const PidSplits = z.record(z.string(), z.array(z.union([z.string(), z.number()])));

/**
 * ScienceQA-IMG (scienceqa.github.io): `problems.json` + `pid_splits.json`, images in `images/<split>/<pid>/image.png`.
 * Only the problems of the split (default `test`) that have an image. Prompt as LLaVA's: context (the hint), the
 * question, "A. ..." options and the letter instruction; scored by option letter.
 */
export const scienceqaImporter: Importer = {
  id: 'scienceqa',
  description: 'ScienceQA-IMG (problems with an image in the split, default test), multiple choice',
  expects: 'problems.json, pid_splits.json, images/<split>/<pid>/image.png',
  async plan(src, options) {
    const split = options.split ?? 'test';
    const problemsPath = await findFile(src, /^problems\.json$/, 'ScienceQA problems.json');
    const splitsPath = await findFile(src, /^pid_splits\.json$/, 'ScienceQA pid_splits.json');
    const problems = parseWith(Problems, await readJson(problemsPath), problemsPath);
    const splits = parseWith(PidSplits, await readJson(splitsPath), splitsPath);
    const pids = splits[split];
    if (!pids) throw new ImportError(`${splitsPath}: no split "${split}" (has ${Object.keys(splits).join(', ')})`);
    const withImage = pids.map(String).filter((pid) => problems[pid]?.image);
    const samples: BenchmarkSample[] = [];
    const images: ImageSource[] = [];
    for (const pid of applyLimit(withImage, options.limit)) {
      const p = problems[pid]!;
      if (p.answer >= p.choices.length) throw new ImportError(`${problemsPath}: field "${pid}.answer": ${p.answer} is not an option index`);
      const name = p.image!;
      const rel = `images/${pid}/${name}`;
      images.push({ rel, from: firstExisting([join(src, 'images', split, pid, name), join(src, split, pid, name)], `image ${split}/${pid}/${name}`) });
      const context = p.hint ? `Context: ${p.hint}\n` : '';
      samples.push({
        id: pid,
        image: rel,
        question: `${context}${p.question}\n${optionLines(p.choices)}\n${LETTER_ANSWER}`,
        metric: 'multiple-choice',
        choices: p.choices,
        answer: String.fromCharCode(65 + p.answer),
        ...(p.subject ? { category: p.subject } : {}),
        meta: { ...(p.grade ? { grade: p.grade } : {}), ...(p.category ? { topicCategory: p.category } : {}) },
      });
    }
    return {
      header: {
        name: `scienceqa-img-${split}`,
        version: '1',
        description: `ScienceQA-IMG ${split} (problems with an image), option letter`,
        split: split === 'train' ? 'train' : split === 'val' || split === 'minival' ? 'validation' : 'test',
        metrics: ['multiple-choice'],
        maxNewTokens: 16,
        source: `import scienceqa: ${basename(problemsPath)} + ${basename(splitsPath)} (${split})`,
      },
      samples,
      images,
    };
  },
};
