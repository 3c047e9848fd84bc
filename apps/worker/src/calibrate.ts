import { SignalUnavailableError } from './errors.ts';
import type { LoadedModel } from './model/load.ts';
import { readPrior, viewCells, writePrior, type AttentionPriorFile } from './model/prior.ts';
import type { FloatTensor } from './onnx/session.ts';
import { loadRgb } from './preprocess/image.ts';
import { embedIds, newSpan, runSpan } from './pipeline/llm.ts';
import { buildPrompt } from './pipeline/prompt.ts';
import { concatRows, gatherValues } from './pipeline/splice.ts';
import { projectKept, runVision, sequenceRows } from './pipeline/visual.ts';

/** The one generic prompt D2Pruner's prior is measured with [choice]. */
export const PRIOR_PROMPT = 'Describe the image.';

export interface CalibrateOptions {
  images: readonly string[];
  prompt?: string;
  /** Called after each image (progress bars). */
  onImage?: (done: number, total: number) => void;
}

export interface CalibrateReport {
  file: string;
  prompt: string;
  layouts: { key: string; images: number; tokens: number }[];
}

/** Last-token attention at layer K-1 over the visual tokens of one image, full tokens, in raster view order. */
async function visualAttention(model: LoadedModel, imagePath: string, question: string): Promise<{ key: string; views: { rows: number; cols: number }[]; cells: Float32Array }> {
  const { manifest, runtime } = model;
  const width = manifest.llm.hiddenSize;
  const plan = await runtime.family.plan(await loadRgb(imagePath), manifest);
  const vision = await runVision(runtime, plan, manifest);
  const n = plan.source.length;
  const all = Int32Array.from({ length: n }, (_, i) => i);
  const visual = await projectKept(runtime, plan, all, sequenceRows(plan, vision.patchRows, vision.dPatch), vision.dPatch, width);
  const prompt = buildPrompt(manifest, runtime.tokenizer, runtime.bosId, question);
  const prefix = prompt.prefixIds.length;
  const text = await embedIds(runtime, [...prompt.prefixIds, ...prompt.suffixIds], width);
  const sequence = concatRows([text.subarray(0, prefix * width), visual, text.subarray(prefix * width)]);
  const length = prefix + n + prompt.suffixIds.length;
  const head = newSpan(runtime.graphs.decoderHead, manifest, 0, manifest.llm.pruneLayer);
  const out = await runSpan(head, { data: sequence, dims: [1, length, width] }, Array.from({ length }, (_, i) => i), ['last_token_attention']);
  const row = out.last_token_attention as FloatTensor;
  const perToken = gatherValues(row.data, Array.from({ length: n }, (_, i) => prefix + i));
  return { key: plan.layoutKey, views: plan.layout.views.map((v) => ({ rows: v.rows, cols: v.cols })), cells: viewCells(plan.layout, perToken) };
}

/**
 * Builds D2Pruner's positional prior: the mean, over `images`, of the last prompt token's attention to each visual
 * token at layer K-1 with one generic prompt, per token layout. Merges into the model folder's attention_prior.json
 * (layouts measured now replace the stored ones).
 */
export async function calibrateAttentionPrior(model: LoadedModel, opts: CalibrateOptions): Promise<CalibrateReport> {
  if (!model.manifest.signals.lastTokenAttention) {
    throw new SignalUnavailableError('lastTokenAttention', model.name, `model ${model.name} does not provide lastTokenAttention, which the prior is built from`);
  }
  const prompt = opts.prompt ?? PRIOR_PROMPT;
  const sums = new Map<string, { views: { rows: number; cols: number }[]; sum: Float64Array; images: number }>();
  let done = 0;
  for (const image of opts.images) {
    const { key, views, cells } = await visualAttention(model, image, prompt);
    const entry = sums.get(key) ?? { views, sum: new Float64Array(cells.length), images: 0 };
    cells.forEach((v, i) => {
      entry.sum[i] = (entry.sum[i] as number) + v;
    });
    entry.images++;
    sums.set(key, entry);
    opts.onImage?.(++done, opts.images.length);
  }
  const existing = await readPrior(model.dir);
  const prior: AttentionPriorFile = {
    format: 'prunebench-attention-prior/1',
    prompt,
    layer: model.manifest.llm.pruneLayer - 1,
    layouts: existing && existing.prompt === prompt ? { ...existing.layouts } : {},
  };
  for (const [key, entry] of sums) {
    prior.layouts[key] = { views: entry.views, values: Array.from(entry.sum, (s) => s / entry.images), images: entry.images };
  }
  const file = await writePrior(model.dir, prior);
  model.runtime.prior = prior;
  model.signals.attentionPrior = true;
  return { file, prompt, layouts: [...sums].map(([key, e]) => ({ key, images: e.images, tokens: e.sum.length })) };
}
