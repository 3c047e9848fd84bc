import { z } from 'zod';
import { getMetric } from './registry.ts';
import { type MetricSample, type ScoredSample, MetricInputError } from './types.ts';

/**
 * The input of `prunebench score`: one JSON object per line with `id`, `prediction` (the raw model output) and the
 * metric's ground truth — `answers` (VQA accuracy, ANLS, relaxed accuracy), `answer` (exact match, POPE, MME,
 * multiple choice, with `choices`), `box` with `scale` (grounding; `image_width`/`image_height` when pixels meet
 * another scale), `question_id` and `category` (MME pairs and subtasks, MMBench circular groups). Other fields
 * (e.g. from `eval --out`) are ignored. The benchmark-format spellings (`boxScale`, `questionId`) are accepted too.
 */
const ScoreLineSchema = z.looseObject({
  id: z.union([z.string().min(1), z.number()]),
  prediction: z.string(),
  answers: z.array(z.string()).min(1).optional(),
  answer: z.union([z.string(), z.number(), z.boolean()]).optional(),
  choices: z.array(z.string()).min(2).optional(),
  box: z.tuple([z.number(), z.number(), z.number(), z.number()]).optional(),
  scale: z.union([z.number().positive(), z.literal('pixels')]).optional(),
  boxScale: z.union([z.number().positive(), z.literal('pixels')]).optional(),
  question_id: z.union([z.string(), z.number()]).optional(),
  questionId: z.union([z.string(), z.number()]).optional(),
  category: z.string().optional(),
  image_width: z.number().positive().optional(),
  image_height: z.number().positive().optional(),
});

export interface ScoreRecord {
  prediction: string;
  sample: MetricSample;
  /** 1-based line in the input, for error messages. */
  line: number;
}

export function parseScoreInput(text: string, file: string): ScoreRecord[] {
  const records: ScoreRecord[] = [];
  text.split('\n').forEach((raw, index) => {
    const where = `${file}:${index + 1}`;
    if (raw.trim() === '') return;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch (error) {
      throw new MetricInputError(`${where}: not valid JSON (${(error as Error).message})`);
    }
    const parsed = ScoreLineSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue?.path.map(String).join('.') ?? '';
      throw new MetricInputError(`${where}: ${field ? `field "${field}": ` : ''}${issue?.message ?? 'invalid'}`);
    }
    const l = parsed.data;
    const sample: MetricSample = { id: String(l.id) };
    if (l.answers) sample.answers = l.answers;
    if (l.answer !== undefined) sample.answer = String(l.answer);
    if (l.choices) sample.choices = l.choices;
    if (l.box) sample.box = l.box;
    const scale = l.scale ?? l.boxScale;
    if (scale !== undefined) sample.boxScale = scale;
    const questionId = l.question_id ?? l.questionId;
    if (questionId !== undefined) sample.questionId = String(questionId);
    if (l.category !== undefined) sample.category = l.category;
    if (l.image_width !== undefined && l.image_height !== undefined) {
      sample.meta = { imageWidth: l.image_width, imageHeight: l.image_height };
    }
    records.push({ prediction: l.prediction, sample, line: index + 1 });
  });
  if (records.length === 0) throw new MetricInputError(`${file}: no predictions (the file is empty)`);
  return records;
}

export interface ScoreReport {
  metric: string;
  variant: string;
  scored: ScoredSample[];
  aggregate: Record<string, number>;
}

/** Scores parsed lines; a metric's complaint about a line (a missing field) is prefixed with file:line. */
export function scoreRecords(metricId: string, records: readonly ScoreRecord[], file: string, variant?: string): ScoreReport {
  const metric = getMetric(metricId);
  const chosen = variant ?? metric.variants[0]!;
  const scored: ScoredSample[] = records.map((r) => {
    try {
      return { sample: r.sample, prediction: r.prediction, ...metric.scoreSample(r.prediction, r.sample, chosen) };
    } catch (error) {
      if (error instanceof MetricInputError && error.message.startsWith('sample ')) {
        throw new MetricInputError(`${file}:${r.line}: ${error.message}`);
      }
      throw error;
    }
  });
  return { metric: metric.id, variant: chosen, scored, aggregate: metric.aggregate(scored) };
}

/** `{"scores":[{"id","score"}...],"aggregate":{...}}`, the documented `--json` shape. */
export function scoreReportJson(report: ScoreReport): { scores: Array<{ id: string; score: number }>; aggregate: Record<string, number> } {
  return { scores: report.scored.map((s) => ({ id: s.sample.id, score: s.score })), aggregate: report.aggregate };
}

function parsedSummary(s: ScoredSample): string {
  if (!s.parsed) return '';
  return Object.entries(s.parsed)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? `[${v.map((x) => +x.toFixed(4)).join(',')}]` : typeof v === 'number' ? +v.toFixed(4) : JSON.stringify(v)}`)
    .join(' ');
}

/** Plain-text tables: one row per line (id, score, what the parser read), then the aggregate. */
export function formatScoreReport(report: ScoreReport): string {
  const rows = report.scored.map((s) => [s.sample.id, s.score.toFixed(4), parsedSummary(s)]);
  const idWidth = Math.max(2, ...rows.map((r) => r[0]!.length));
  const lines = [`${'id'.padEnd(idWidth)}  score   parsed`];
  for (const [id, score, parsed] of rows) lines.push(`${id!.padEnd(idWidth)}  ${score}  ${parsed}`.trimEnd());
  const keys = Object.keys(report.aggregate);
  const keyWidth = Math.max(...keys.map((k) => k.length));
  lines.push('', `${report.metric} (${report.variant}), ${report.scored.length} predictions`);
  for (const k of keys) {
    const v = report.aggregate[k]!;
    lines.push(`${k.padEnd(keyWidth)}  ${Number.isInteger(v) ? v : v.toFixed(4)}`);
  }
  return lines.join('\n');
}
