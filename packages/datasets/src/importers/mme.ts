import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { BenchmarkSample } from '../format.ts';
import { type ImageSource, type Importer, ImportError, listDir } from './common.ts';

/** The 14 subtasks (10 perception, 4 cognition), folder names as released. Same list as the mme metric's. */
const SUBTASKS = [
  'existence', 'count', 'position', 'color', 'posters', 'celebrity', 'scene', 'landmark', 'artwork', 'OCR',
  'commonsense_reasoning', 'numerical_calculation', 'text_translation', 'code_reasoning',
] as const;

const IMAGE_EXTENSIONS = ['.jpg', '.png', '.jpeg', '.JPG', '.PNG'];

/**
 * MME (MME_Benchmark_release_version): one folder per subtask; each image has a `<name>.txt` with one
 * "question<TAB>Yes|No" line per question (two per image), either beside the image or in `questions_answers_YN/`
 * with the images in `images/`. The image is the pairing id for acc+. `--limit` applies per subtask (whole images).
 */
export const mmeImporter: Importer = {
  id: 'mme',
  description: 'MME, 14 subtasks (per-subtask folders of images + question txt files), acc + acc+',
  expects: '<subtask>/{<img>.jpg|png, <img>.txt} or <subtask>/{images/, questions_answers_YN/} for the 14 subtasks',
  async plan(src, options) {
    const present = new Set(await listDir(src));
    const subtasks = SUBTASKS.filter((s) => present.has(s));
    if (subtasks.length === 0) throw new ImportError(`${src}: no MME subtask folders (${SUBTASKS.join(', ')}) found`);
    const samples: BenchmarkSample[] = [];
    const images: ImageSource[] = [];
    for (const subtask of subtasks) {
      const dir = join(src, subtask);
      const split = existsSync(join(dir, 'questions_answers_YN'));
      const textDir = split ? join(dir, 'questions_answers_YN') : dir;
      const imageDir = split ? join(dir, 'images') : dir;
      const texts = (await listDir(textDir)).filter((n) => n.endsWith('.txt')).sort();
      let taken = 0;
      for (const textFile of texts) {
        if (options.limit !== undefined && taken >= options.limit) break;
        const stem = textFile.slice(0, -'.txt'.length);
        const imageName = IMAGE_EXTENSIONS.map((e) => stem + e).find((n) => existsSync(join(imageDir, n)));
        if (!imageName) throw new ImportError(`${join(textDir, textFile)}: no image ${stem}.jpg/.png in ${imageDir}`);
        const rel = `images/${subtask}/${imageName}`;
        images.push({ rel, from: join(imageDir, imageName) });
        const lines = (await readFile(join(textDir, textFile), 'utf8')).split(/\r?\n/);
        lines.forEach((line, i) => {
          if (line.trim() === '') return;
          const tab = line.lastIndexOf('\t');
          const answer = line.slice(tab + 1).trim();
          if (tab < 0 || !/^(Yes|No)$/i.test(answer)) {
            throw new ImportError(`${join(textDir, textFile)}:${i + 1}: expected "question<TAB>Yes|No"`);
          }
          samples.push({
            id: `${subtask}/${stem}#${i}`,
            image: rel,
            question: line.slice(0, tab).trim(),
            metric: 'mme',
            answer: answer[0]!.toUpperCase() + answer.slice(1).toLowerCase(),
            category: subtask,
            questionId: `${subtask}/${imageName}`,
          });
          taken++;
        });
      }
    }
    return {
      header: {
        name: 'mme',
        version: '1',
        description: `MME (${subtasks.length} subtasks), yes/no, per-subtask acc + acc+, perception and cognition sums`,
        split: 'test',
        metrics: ['mme'],
        maxNewTokens: 16,
        source: `import mme: ${basename(src)}/{${subtasks.join(',')}}`,
      },
      samples,
      images,
    };
  },
};
