import type { Layout } from '@prunebench/pruners';
import type { ModelManifest } from '../model/manifest.ts';
import type { RgbImage } from '../preprocess/image.ts';

/**
 * What preprocessing decided for one image: the pixel views for vision.onnx and how the tower's patch rows become
 * the visual token sequence the LLM sees (and that every pruning index refers to, whatever the stage).
 */
export interface VisualPlan {
  /** [views, 3, viewSize, viewSize], normalised. */
  pixelValues: Float32Array;
  views: number;
  viewSize: number;
  /** Per visual token: its row in the tower's flattened [views * tokensPerView] output, or -1 for a newline token. */
  source: Int32Array;
  /** Raster views over the visual sequence, newlines as alwaysKeep (the pruners' layout). */
  layout: Layout;
  /** Names the preprocessing variant, recorded with every result (e.g. `pad-square/sharp-cubic`). */
  variant: string;
  /** Key of the token layout (for the D2Pruner prior), e.g. `24x24` or `24x24+48x48`. */
  layoutKey: string;
}

/** One model family: one folder with its processor, plus one registry line. */
export interface FamilySpec {
  readonly id: ModelManifest['family'];
  /** Preprocessing modes this family accepts in model.json. */
  readonly modes: readonly ModelManifest['preprocess']['mode'][];
  /** Checks family-specific manifest fields; returns a problem as [field, message] or undefined. */
  checkManifest(manifest: ModelManifest): [string, string] | undefined;
  plan(image: RgbImage, manifest: ModelManifest): Promise<VisualPlan>;
}

/** The identity source map and single-view layout of `views` square grids laid one after another. */
export function rasterViews(views: number, grid: number): { source: Int32Array; layout: Layout } {
  const perView = grid * grid;
  const source = new Int32Array(views * perView);
  for (let i = 0; i < source.length; i++) source[i] = i;
  const layout: Layout = { views: Array.from({ length: views }, (_, v) => ({ offset: v * perView, rows: grid, cols: grid })) };
  return { source, layout };
}
