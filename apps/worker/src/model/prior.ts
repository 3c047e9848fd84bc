import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { Layout } from '@prunebench/pruners';
import { WorkerInputError } from '../errors.ts';

/** D2Pruner's positional prior, stored in the model folder by `prunebench calibrate`. */
export const PRIOR_FILE = 'attention_prior.json';

const priorEntrySchema = z.object({
  /** Grid of each raster view, in sequence order. */
  views: z.array(z.object({ rows: z.number().int().positive(), cols: z.number().int().positive() })).min(1),
  /** Mean last-token attention per view cell, views concatenated, raster order (newlines excluded). */
  values: z.array(z.number()),
  images: z.number().int().positive(),
});

const priorFileSchema = z.object({
  format: z.literal('prunebench-attention-prior/1'),
  prompt: z.string(),
  layer: z.number().int(),
  layouts: z.record(z.string(), priorEntrySchema),
});

export type PriorEntry = z.output<typeof priorEntrySchema>;
export type AttentionPriorFile = z.output<typeof priorFileSchema>;

export async function readPrior(dir: string): Promise<AttentionPriorFile | undefined> {
  const file = join(dir, PRIOR_FILE);
  if (!existsSync(file)) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new WorkerInputError(file, `not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  const parsed = priorFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new WorkerInputError(`${file} field ${issue?.path.join('.') || '(root)'}`, issue?.message ?? 'invalid');
  }
  for (const [key, entry] of Object.entries(parsed.data.layouts)) {
    const cells = entry.views.reduce((sum, v) => sum + v.rows * v.cols, 0);
    if (cells !== entry.values.length) {
      throw new WorkerInputError(`${file} field layouts.${key}.values`, `has ${entry.values.length} values, its views have ${cells} cells`);
    }
  }
  return parsed.data;
}

export async function writePrior(dir: string, prior: AttentionPriorFile): Promise<string> {
  const file = join(dir, PRIOR_FILE);
  await writeFile(file, `${JSON.stringify(prior)}\n`);
  return file;
}

/** Bilinear resampling of a rows x cols grid to outRows x outCols (half-pixel centres, edges clamped). */
export function resampleBilinear(src: ArrayLike<number>, rows: number, cols: number, outRows: number, outCols: number): Float32Array {
  const out = new Float32Array(outRows * outCols);
  const at = (r: number, c: number): number => src[r * cols + c] as number;
  for (let r = 0; r < outRows; r++) {
    const y = Math.min(Math.max(((r + 0.5) * rows) / outRows - 0.5, 0), rows - 1);
    const y0 = Math.floor(y);
    const y1 = Math.min(y0 + 1, rows - 1);
    const fy = y - y0;
    for (let c = 0; c < outCols; c++) {
      const x = Math.min(Math.max(((c + 0.5) * cols) / outCols - 0.5, 0), cols - 1);
      const x0 = Math.floor(x);
      const x1 = Math.min(x0 + 1, cols - 1);
      const fx = x - x0;
      out[r * outCols + c] =
        (1 - fy) * ((1 - fx) * at(y0, x0) + fx * at(y0, x1)) + fy * ((1 - fx) * at(y1, x0) + fx * at(y1, x1));
    }
  }
  return out;
}

/** Per-view value arrays of a stored entry. */
function entryViews(entry: PriorEntry): Float32Array[] {
  const out: Float32Array[] = [];
  let at = 0;
  for (const view of entry.views) {
    out.push(Float32Array.from(entry.values.slice(at, at + view.rows * view.cols)));
    at += view.rows * view.cols;
  }
  return out;
}

/**
 * The prior over a sample's visual sequence ([n], zero at alwaysKeep tokens). The stored entry for `layoutKey` is
 * used as is; otherwise the entry with the most cells is resampled bilinearly view by view (target view v takes
 * stored view min(v, last)) [choice].
 */
export function priorFor(prior: AttentionPriorFile, layoutKey: string, layout: Layout, n: number): { values: Float32Array; resampled: boolean } {
  const exact = prior.layouts[layoutKey];
  const entry =
    exact ??
    Object.values(prior.layouts).reduce<PriorEntry | undefined>(
      (best, e) => (!best || e.values.length > best.values.length ? e : best),
      undefined,
    );
  if (!entry) throw new Error('attention prior has no layouts');
  const stored = entryViews(entry);
  const values = new Float32Array(n);
  layout.views.forEach((view, v) => {
    const s = Math.min(v, stored.length - 1);
    const source = entry.views[s];
    const grid = stored[s];
    if (!source || !grid) return;
    const same = source.rows === view.rows && source.cols === view.cols;
    const cells = same ? grid : resampleBilinear(grid, source.rows, source.cols, view.rows, view.cols);
    const stride = view.rowStride ?? view.cols;
    for (let r = 0; r < view.rows; r++) {
      for (let c = 0; c < view.cols; c++) values[view.offset + r * stride + c] = cells[r * view.cols + c] as number;
    }
  });
  return { values, resampled: !exact };
}

/** Raster values of each view of `layout` taken from a per-token vector (for accumulating a prior). */
export function viewCells(layout: Layout, perToken: Float32Array): Float32Array {
  const total = layout.views.reduce((sum, v) => sum + v.rows * v.cols, 0);
  const out = new Float32Array(total);
  let t = 0;
  for (const view of layout.views) {
    const stride = view.rowStride ?? view.cols;
    for (let r = 0; r < view.rows; r++) for (let c = 0; c < view.cols; c++) out[t++] = perToken[view.offset + r * stride + c] as number;
  }
  return out;
}
