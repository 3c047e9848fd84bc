import type { VisualPlan } from '../families/types.ts';
import type { ModelManifest } from '../model/manifest.ts';
import type { ModelRuntime } from '../model/load.ts';

/** The vision tower's outputs for one image, rows flattened over views: row = view * tokensPerView + patch. */
export interface VisionOutputs {
  patchRows: Float32Array;
  dPatch: number;
  clsAttention: Float32Array;
  clipRows?: Float32Array;
  dClip: number;
}

export async function runVision(runtime: ModelRuntime, plan: VisualPlan, manifest: ModelManifest): Promise<VisionOutputs> {
  const fetch = ['patch_features', 'cls_attention'];
  if (manifest.signals.clipImageEmbeds) fetch.push('clip_image_embeds');
  const out = await runtime.graphs.vision.run(
    { pixel_values: { data: plan.pixelValues, dims: [plan.views, 3, plan.viewSize, plan.viewSize] } },
    fetch,
  );
  const patch = out.patch_features;
  const cls = out.cls_attention;
  if (!patch || !cls) throw new Error(`${runtime.graphs.vision.file}: missing patch_features or cls_attention`);
  const perView = manifest.vision.grid * manifest.vision.grid;
  if (patch.dims[0] !== plan.views || patch.dims[1] !== perView) {
    throw new Error(
      `${runtime.graphs.vision.file}: patch_features has shape [${patch.dims.join(',')}], expected [${plan.views},${perView},Dv] ` +
        `(vision.grid ${manifest.vision.grid} in model.json)`,
    );
  }
  const clip = out.clip_image_embeds;
  const result: VisionOutputs = { patchRows: patch.data, dPatch: patch.dims[2] ?? 0, clsAttention: cls.data, dClip: clip?.dims[2] ?? 0 };
  if (clip) result.clipRows = clip.data;
  return result;
}

/** Rows of the visual sequence gathered from tower rows; newline tokens (source -1) get zeros. */
export function sequenceRows(plan: VisualPlan, rows: Float32Array, width: number): Float32Array {
  const out = new Float32Array(plan.source.length * width);
  plan.source.forEach((src, i) => {
    if (src >= 0) out.set(rows.subarray(src * width, src * width + width), i * width);
  });
  return out;
}

/** Per-token values of the visual sequence; newline tokens get 0. */
export function sequenceValues(plan: VisualPlan, values: Float32Array): Float32Array {
  const out = new Float32Array(plan.source.length);
  plan.source.forEach((src, i) => {
    if (src >= 0) out[i] = values[src] as number;
  });
  return out;
}

/**
 * LLM-width tokens for the visual sequence indices `kept` (sorted), given their vision-space features (rows aligned
 * with `kept`): the projector runs on the non-newline rows in one call, newline tokens get the learned embedding.
 */
export async function projectKept(
  runtime: ModelRuntime,
  plan: VisualPlan,
  kept: Int32Array,
  features: Float32Array,
  dPatch: number,
  width: number,
): Promise<Float32Array> {
  const real: number[] = [];
  kept.forEach((index, row) => {
    if ((plan.source[index] as number) >= 0) real.push(row);
  });
  const input = new Float32Array(real.length * dPatch);
  real.forEach((row, i) => input.set(features.subarray(row * dPatch, row * dPatch + dPatch), i * dPatch));
  const out = new Float32Array(kept.length * width);
  if (real.length > 0) {
    const projected = await runtime.graphs.projector.run({ patch_features: { data: input, dims: [1, real.length, dPatch] } }, ['visual_tokens']);
    const tokens = projected.visual_tokens;
    if (!tokens || tokens.data.length !== real.length * width) throw new Error(`${runtime.graphs.projector.file}: unexpected visual_tokens shape`);
    real.forEach((row, i) => out.set(tokens.data.subarray(i * width, i * width + width), row * width));
  }
  kept.forEach((index, row) => {
    if ((plan.source[index] as number) < 0) {
      if (!runtime.imageNewline) throw new Error('the layout has newline tokens but the model has no imageNewline');
      out.set(runtime.imageNewline, row * width);
    }
  });
  return out;
}
