import { readFileSync } from 'node:fs';
import { extname, isAbsolute, join, relative, resolve } from 'node:path';
import { z } from 'zod';

/**
 * Reads one sample of a benchmark folder (`prunebench-bench/1`: samples.jsonl, line = sample index) for the
 * drill-down: its question, target and image. Only the fields the dashboard shows are validated.
 */
const sampleSchema = z.object({
  id: z.string(),
  image: z.string(),
  question: z.string(),
  metric: z.string().optional(),
  answer: z.string().optional(),
  answers: z.array(z.string()).optional(),
  choices: z.array(z.string()).optional(),
  box: z.array(z.number()).optional(),
  category: z.string().optional(),
});

export type BenchmarkSample = z.infer<typeof sampleSchema>;

export type SampleLookup = { ok: true; sample: BenchmarkSample; imagePath: string } | { ok: false; reason: string };

export function readBenchmarkSample(folder: string, index: number, expectedId?: string): SampleLookup {
  if (!folder) return { ok: false, reason: 'the benchmark registry has no folder for this benchmark' };
  let text: string;
  try {
    text = readFileSync(/*turbopackIgnore: true*/ join(folder, 'samples.jsonl'), 'utf8');
  } catch (error) {
    return { ok: false, reason: `cannot read ${join(folder, 'samples.jsonl')}: ${error instanceof Error ? error.message : String(error)}` };
  }
  let start = 0;
  for (let line = 0; line < index; line++) {
    start = text.indexOf('\n', start) + 1;
    if (start === 0) return { ok: false, reason: `samples.jsonl has no line ${index}` };
  }
  const end = text.indexOf('\n', start);
  const line = text.slice(start, end === -1 ? undefined : end);
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return { ok: false, reason: `samples.jsonl line ${index} is not JSON` };
  }
  const result = sampleSchema.safeParse(parsed);
  if (!result.success) return { ok: false, reason: `samples.jsonl line ${index}: ${result.error.issues[0]?.path.join('.')} ${result.error.issues[0]?.message}` };
  if (expectedId !== undefined && result.data.id !== expectedId) {
    return { ok: false, reason: `samples.jsonl line ${index} is sample ${result.data.id}, not ${expectedId}: the folder changed since the sweep` };
  }
  const imagePath = resolve(folder, result.data.image);
  const inside = relative(resolve(folder), imagePath);
  if (inside.startsWith('..') || isAbsolute(inside)) return { ok: false, reason: `sample ${result.data.id}: image path leaves the benchmark folder` };
  return { ok: true, sample: result.data, imagePath };
}

const IMAGE_TYPES: Record<string, string> = { '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.webp': 'image/webp', '.gif': 'image/gif' };

export function imageContentType(path: string): string | null {
  return IMAGE_TYPES[extname(path).toLowerCase()] ?? null;
}

export function targetOf(sample: BenchmarkSample): string {
  if (sample.answer !== undefined) return sample.answer;
  if (sample.answers !== undefined) return sample.answers.join(' | ');
  if (sample.box !== undefined) return `[${sample.box.join(', ')}]`;
  return '—';
}

/** The base view's token grid from a model folder's model.json (`vision.grid`), for multi-view layouts. */
export function readModelGrid(folder: string | null): number | null {
  if (!folder) return null;
  try {
    const manifest: unknown = JSON.parse(readFileSync(/*turbopackIgnore: true*/ join(folder, 'model.json'), 'utf8'));
    const grid = z.object({ vision: z.object({ grid: z.number().int().positive() }) }).safeParse(manifest);
    return grid.success ? grid.data.vision.grid : null;
  } catch {
    return null;
  }
}
