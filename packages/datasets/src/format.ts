import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { isAbsolute, join, normalize, resolve } from 'node:path';
import { z } from 'zod';

/**
 * The on-disk benchmark format `prunebench-bench/1` (docs/benchmark-format.md): `benchmark.json` + `samples.jsonl`
 * + `images/`. Parsing and validation are pure (text in, typed value or one-line error out); only `readBenchmark`
 * and `writeBenchmark` touch the file system.
 */

export const BENCHMARK_FORMAT = 'prunebench-bench/1';
export const HEADER_FILE = 'benchmark.json';
export const SAMPLES_FILE = 'samples.jsonl';

/** Metric ids a sample may name; each has one file in packages/metrics/src/metrics/. */
export const METRIC_IDS = [
  'vqa-accuracy',
  'exact-match',
  'multiple-choice',
  'pope',
  'mme',
  'anls',
  'relaxed-accuracy',
  'grounding-iou',
] as const;
export type MetricId = (typeof METRIC_IDS)[number];

export const SPLITS = ['train', 'validation', 'test'] as const;

export const BenchmarkHeaderSchema = z.strictObject({
  format: z.literal(BENCHMARK_FORMAT),
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be a short id (letters, digits, . _ -)'),
  version: z.string().min(1),
  description: z.string(),
  split: z.enum(SPLITS),
  metrics: z.array(z.enum(METRIC_IDS)).min(1),
  maxNewTokens: z.int().positive(),
  source: z.string(),
  samples: z.int().nonnegative(),
});
export type BenchmarkHeader = z.infer<typeof BenchmarkHeaderSchema>;

/** `boxScale`: 1 = normalised [0,1], 1000 = InternVL's 0-1000 grid, "pixels" = image pixels. */
export const BoxScaleSchema = z.union([z.number().positive(), z.literal('pixels')]);
export type BoxScale = z.infer<typeof BoxScaleSchema>;

const BoxSchema = z.tuple([z.number(), z.number(), z.number(), z.number()]);

/** Which ground-truth fields each metric needs; checked per sample so a bad line fails at read, not mid-sweep. */
const NEEDS_ANSWERS = new Set<MetricId>(['vqa-accuracy', 'anls', 'relaxed-accuracy']);
const NEEDS_ANSWER = new Set<MetricId>(['exact-match', 'pope', 'mme', 'multiple-choice']);

export const BenchmarkSampleSchema = z
  .strictObject({
    id: z.string().min(1),
    image: z
      .string()
      .min(1)
      .refine((p) => !isAbsolute(p) && !normalize(p).split(/[\\/]/).includes('..'), {
        message: 'must be a path relative to the benchmark folder, inside it',
      }),
    question: z.string(),
    metric: z.enum(METRIC_IDS),
    answers: z.array(z.string()).min(1).optional(),
    answer: z.string().optional(),
    choices: z.array(z.string()).min(2).optional(),
    box: BoxSchema.optional(),
    boxScale: BoxScaleSchema.optional(),
    category: z.string().optional(),
    questionId: z.string().optional(),
    maxNewTokens: z.int().positive().optional(),
    meta: z.record(z.string(), z.unknown()).optional(),
  })
  .superRefine((s, ctx) => {
    const need = (field: string, ok: boolean, why: string): void => {
      if (!ok) ctx.addIssue({ code: 'custom', path: [field], message: why });
    };
    if (NEEDS_ANSWERS.has(s.metric)) need('answers', s.answers !== undefined, `required for metric ${s.metric}`);
    if (NEEDS_ANSWER.has(s.metric)) need('answer', s.answer !== undefined, `required for metric ${s.metric}`);
    if (s.metric === 'multiple-choice') {
      need('choices', s.choices !== undefined, 'required for metric multiple-choice');
      if (s.choices && s.answer !== undefined) {
        const letters = s.choices.map((_, i) => String.fromCharCode(65 + i));
        need('answer', letters.includes(s.answer), `must be one of the option letters ${letters.join(', ')}`);
      }
    }
    if (s.metric === 'pope' && s.answer !== undefined) need('answer', /^(yes|no)$/.test(s.answer), 'must be "yes" or "no"');
    if (s.metric === 'mme') {
      if (s.answer !== undefined) need('answer', /^(Yes|No)$/i.test(s.answer), 'must be "Yes" or "No"');
      need('questionId', s.questionId !== undefined, 'required for metric mme (pairs questions for acc+)');
      need('category', s.category !== undefined, 'required for metric mme (the subtask)');
    }
    if (s.metric === 'grounding-iou') {
      need('box', s.box !== undefined, 'required for metric grounding-iou');
      need('boxScale', s.boxScale !== undefined, 'required for metric grounding-iou');
      if (s.box) need('box', s.box[2] >= s.box[0] && s.box[3] >= s.box[1], 'must be [x1,y1,x2,y2] with x2>=x1, y2>=y1');
    }
  });
export type BenchmarkSample = z.infer<typeof BenchmarkSampleSchema>;

export interface Benchmark {
  /** Absolute path of the benchmark folder. */
  dir: string;
  header: BenchmarkHeader;
  samples: BenchmarkSample[];
}

/** What a writer supplies; `format` and `samples` (the count) are filled in from the data. */
export type BenchmarkHeaderInput = Omit<BenchmarkHeader, 'format' | 'samples'>;

/** Thrown for any invalid benchmark input; the message is one line naming file, line and field. */
export class BenchmarkFormatError extends Error {
  override name = 'BenchmarkFormatError';
}

function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid';
  const field = issue.path.map(String).join('.');
  return field ? `field "${field}": ${issue.message}` : issue.message;
}

export function parseBenchmarkHeader(text: string, file = HEADER_FILE): BenchmarkHeader {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new BenchmarkFormatError(`${file}: not valid JSON (${(error as Error).message})`);
  }
  const parsed = BenchmarkHeaderSchema.safeParse(json);
  if (!parsed.success) throw new BenchmarkFormatError(`${file}: ${describeIssue(parsed.error)}`);
  return parsed.data;
}

/** Validates one sample object; `where` is e.g. `samples.jsonl:12` (1-based line, as editors show). */
export function parseBenchmarkSample(value: unknown, where: string): BenchmarkSample {
  const parsed = BenchmarkSampleSchema.safeParse(value);
  if (!parsed.success) throw new BenchmarkFormatError(`${where}: ${describeIssue(parsed.error)}`);
  return parsed.data;
}

/** Parses samples.jsonl text. Blank lines are allowed only at the end (the sample index is the line number). */
export function parseSamplesJsonl(text: string, file = SAMPLES_FILE): BenchmarkSample[] {
  const lines = text.split('\n');
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop();
  const seen = new Map<string, number>();
  return lines.map((line, index) => {
    const where = `${file}:${index + 1}`;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (error) {
      throw new BenchmarkFormatError(`${where}: not valid JSON (${(error as Error).message})`);
    }
    const sample = parseBenchmarkSample(json, where);
    const first = seen.get(sample.id);
    if (first !== undefined) throw new BenchmarkFormatError(`${where}: field "id": "${sample.id}" repeats line ${first}`);
    seen.set(sample.id, index + 1);
    return sample;
  });
}

/** Cross-checks between header and samples (count, metrics listed). */
export function checkBenchmarkConsistency(header: BenchmarkHeader, samples: BenchmarkSample[], file = SAMPLES_FILE): void {
  if (header.samples !== samples.length) {
    throw new BenchmarkFormatError(
      `${HEADER_FILE}: field "samples": says ${header.samples} but ${file} has ${samples.length} lines`,
    );
  }
  const listed = new Set<string>(header.metrics);
  samples.forEach((s, i) => {
    if (!listed.has(s.metric)) {
      throw new BenchmarkFormatError(
        `${file}:${i + 1}: field "metric": "${s.metric}" is not listed in ${HEADER_FILE} "metrics"`,
      );
    }
  });
}

export interface ReadBenchmarkOptions {
  /** Check that every sample's image file exists (default true). */
  checkImages?: boolean;
}

/** Reads and validates a benchmark folder. Errors are one line naming the file, line and field. */
export async function readBenchmark(dir: string, options: ReadBenchmarkOptions = {}): Promise<Benchmark> {
  const root = resolve(dir);
  const headerPath = join(root, HEADER_FILE);
  const samplesPath = join(root, SAMPLES_FILE);
  const headerText = await readText(headerPath);
  const samplesText = await readText(samplesPath);
  const header = parseBenchmarkHeader(headerText, headerPath);
  const samples = parseSamplesJsonl(samplesText, samplesPath);
  checkBenchmarkConsistency(header, samples, samplesPath);
  if (options.checkImages ?? true) {
    samples.forEach((s, i) => {
      if (!existsSync(sampleImagePath(root, s))) {
        throw new BenchmarkFormatError(`${samplesPath}:${i + 1}: field "image": file not found: ${s.image}`);
      }
    });
  }
  return { dir: root, header, samples };
}

/** Absolute path of a sample's image. */
export function sampleImagePath(benchDir: string, sample: Pick<BenchmarkSample, 'image'>): string {
  return join(resolve(benchDir), ...sample.image.split(/[\\/]/).filter((p) => p !== '' && p !== '.'));
}

/** Serialises a benchmark (validating every sample first) to the exact text written to disk. */
export function serialiseBenchmark(
  header: BenchmarkHeaderInput,
  samples: readonly BenchmarkSample[],
): { headerText: string; samplesText: string; header: BenchmarkHeader } {
  const full = parseBenchmarkHeader(
    JSON.stringify({ ...header, format: BENCHMARK_FORMAT, samples: samples.length }),
    HEADER_FILE,
  );
  const valid = samples.map((s, i) => parseBenchmarkSample(s, `${SAMPLES_FILE}:${i + 1}`));
  checkBenchmarkConsistency(full, valid);
  const ids = new Set<string>();
  valid.forEach((s, i) => {
    if (ids.has(s.id)) throw new BenchmarkFormatError(`${SAMPLES_FILE}:${i + 1}: field "id": "${s.id}" repeats`);
    ids.add(s.id);
  });
  const samplesText = valid.map((s) => JSON.stringify(s)).join('\n') + (valid.length > 0 ? '\n' : '');
  return { headerText: `${JSON.stringify(full, null, 2)}\n`, samplesText, header: full };
}

/**
 * Writes `benchmark.json` and `samples.jsonl` into `dir` (created if missing). Images are the caller's job (they
 * must exist under `dir` at the paths the samples name). Returns the full header as written.
 */
export async function writeBenchmark(
  dir: string,
  header: BenchmarkHeaderInput,
  samples: readonly BenchmarkSample[],
): Promise<BenchmarkHeader> {
  const { headerText, samplesText, header: full } = serialiseBenchmark(header, samples);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, SAMPLES_FILE), samplesText);
  await writeFile(join(dir, HEADER_FILE), headerText);
  return full;
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new BenchmarkFormatError(`${path}: cannot read (${code ?? (error as Error).message})`);
  }
}

