import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { BenchmarkSample } from '../format.ts';
import { type ImageSource, type Importer, ImportError, LETTER_ANSWER, applyLimit, findFile, optionLines } from './common.ts';
import { tsvRecords } from './tsv.ts';

const LETTERS = 'ABCDEFGHIJ'.split('');
/** Circular copies of a question have index + k * 1e6 (MMBench's CircularEval). */
const CIRCULAR_STRIDE = 1_000_000;

function imageExtension(bytes: Uint8Array): string {
  if (bytes[0] === 0x89 && bytes[1] === 0x50) return 'png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8) return 'jpg';
  return 'img';
}

/**
 * MMBench (opencompass, as VLMEvalKit ships it): one TSV (`MMBench_DEV_EN.tsv` and friends) with columns index,
 * question, hint, A-D (blank when absent), answer, category, image (base64; a copy may hold just the index of the
 * row whose image it shares). Rows whose index differs by multiples of 1e6 are rotations of one question and share
 * `questionId`, so the multiple-choice metric applies circular evaluation.
 */
export const mmbenchImporter: Importer = {
  id: 'mmbench',
  description: 'MMBench TSV with base64 images, multiple choice with circular evaluation',
  expects: 'MMBench_*.tsv (columns index, question, hint, A, B, C, D, answer, category, image)',
  async plan(src, options) {
    const path = await findFile(src, /\.tsv$/i, 'MMBench TSV');
    const records = tsvRecords(await readFile(path, 'utf8'));
    const relByIndex = new Map<string, string>();
    const samples: BenchmarkSample[] = [];
    const images: ImageSource[] = [];
    for (const { line, fields } of applyLimit(records, options.limit)) {
      const where = `${path}:${line}`;
      const index = fields.index ?? '';
      if (!/^\d+$/.test(index)) throw new ImportError(`${where}: field "index": expected an integer, got "${index}"`);
      const choices: string[] = [];
      for (const letter of LETTERS) {
        const option = fields[letter];
        if (option === undefined || option.trim() === '' || option === 'nan') break;
        choices.push(option);
      }
      if (choices.length < 2) throw new ImportError(`${where}: fields "A", "B": at least two options are needed`);
      const answer = (fields.answer ?? '').trim();
      if (!LETTERS.slice(0, choices.length).includes(answer)) {
        throw new ImportError(`${where}: field "answer": "${answer}" is not one of the ${choices.length} option letters`);
      }
      const image = (fields.image ?? '').trim();
      let rel: string | undefined;
      if (/^\d+$/.test(image) && image.length < 16) {
        rel = relByIndex.get(image);
        if (!rel) throw new ImportError(`${where}: field "image": refers to row index ${image}, which has no image before it`);
      } else {
        const bytes = Buffer.from(image, 'base64');
        if (bytes.length === 0) throw new ImportError(`${where}: field "image": empty or not base64`);
        rel = `images/${index}.${imageExtension(bytes)}`;
        images.push({ rel, data: bytes });
      }
      relByIndex.set(index, rel);
      const hint = fields.hint && fields.hint !== 'nan' ? `${fields.hint}\n` : '';
      samples.push({
        id: index,
        image: rel,
        question: `${hint}${fields.question ?? ''}\n${optionLines(choices)}\n${LETTER_ANSWER}`,
        metric: 'multiple-choice',
        choices,
        answer,
        questionId: String(Number(index) % CIRCULAR_STRIDE),
        ...(fields.category ? { category: fields.category } : {}),
        meta: { ...(fields['l2-category'] ? { l2Category: fields['l2-category'] } : {}), ...(fields.source ? { source: fields.source } : {}) },
      });
    }
    const name = basename(path).replace(/\.tsv$/i, '');
    return {
      header: {
        name: name.toLowerCase().replace(/[^a-z0-9._-]/g, '-'),
        version: '1',
        description: `${name}: multiple choice, circular evaluation over rotations sharing index mod 1e6`,
        split: /dev|val/i.test(name) ? 'validation' : 'test',
        metrics: ['multiple-choice'],
        maxNewTokens: 16,
        source: `import mmbench: ${basename(path)}`,
      },
      samples,
      images,
    };
  },
};
