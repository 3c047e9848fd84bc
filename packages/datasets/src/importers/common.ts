import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { z } from 'zod';
import { BenchmarkFormatError, type BenchmarkHeaderInput, type BenchmarkSample } from '../format.ts';

/** Where one image of the converted benchmark comes from: a file to copy or bytes to write (MMBench's base64). */
export type ImageSource = { rel: string; from: string } | { rel: string; data: Uint8Array };

/** What an importer produces, before anything is written. */
export interface ImportPlan {
  header: BenchmarkHeaderInput;
  samples: BenchmarkSample[];
  images: ImageSource[];
}

export interface ImportOptions {
  /** Keep only the first N samples (in the source's order). */
  limit?: number;
  /** Source split where the files hold several (ScienceQA, RefCOCO); each importer documents its default. */
  split?: string;
}

export interface Importer {
  id: string;
  description: string;
  /** The public files it expects in `--src`, for `--help` and the README. */
  expects: string;
  plan(src: string, options: ImportOptions): Promise<ImportPlan>;
}

/** The short-answer instruction LLaVA-1.5 and lmms-eval append to open VQA questions. */
export const SHORT_ANSWER = 'Answer the question using a single word or phrase.';
/** The option-letter instruction LLaVA-1.5 and lmms-eval use for multiple choice. */
export const LETTER_ANSWER = "Answer with the option's letter from the given choices directly.";

export class ImportError extends BenchmarkFormatError {
  override name = 'ImportError';
}

export async function readJson(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ImportError(`${path}: cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ImportError(`${path}: not valid JSON (${(error as Error).message})`);
  }
}

/** Validates public data with a zod schema; the error names the file and the field path. */
export function parseWith<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue?.path.map(String).join('.') ?? '';
  throw new ImportError(`${where}: ${field ? `field "${field}": ` : ''}${issue?.message ?? 'invalid'}`);
}

/** The one file in `dir` whose name matches `pattern` (the first in name order when several do). */
export async function findFile(dir: string, pattern: RegExp, what: string): Promise<string> {
  const names = await listDir(dir);
  const match = names.filter((n) => pattern.test(n)).sort()[0];
  if (!match) throw new ImportError(`${dir}: no ${what} (a file matching ${pattern}) found`);
  return join(dir, match);
}

export async function listDir(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    throw new ImportError(`${dir}: cannot list (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
}

/** The first of `candidates` that exists; the error lists where it looked. */
export function firstExisting(candidates: readonly string[], what: string): string {
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new ImportError(`${what} not found (looked for ${candidates.join(', ')})`);
  return found;
}

export function applyLimit<T>(items: readonly T[], limit: number | undefined): T[] {
  return limit === undefined ? [...items] : items.slice(0, limit);
}

/** A copy source per distinct image, in first-use order. */
export function uniqueImages(images: readonly ImageSource[]): ImageSource[] {
  const seen = new Set<string>();
  return images.filter((i) => (seen.has(i.rel) ? false : (seen.add(i.rel), true)));
}

/** COCO file names: `COCO_val2014_000000123456.jpg`. */
export function cocoFileName(subset: string, imageId: number): string {
  return `COCO_${subset}_${String(imageId).padStart(12, '0')}.jpg`;
}

/** "A. red\nB. blue" for the prompt. */
export function optionLines(choices: readonly string[]): string {
  return choices.map((c, i) => `${String.fromCharCode(65 + i)}. ${c}`).join('\n');
}
