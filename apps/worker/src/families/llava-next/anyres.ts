/**
 * LLaVA-NeXT AnyRes decisions as pure functions (Hugging Face LlavaNextImageProcessor / modeling_llava_next):
 * pinpoint choice, resize-for-patching size, and the unpadding window of the stitched feature grid.
 * Pinpoints are [height, width], as in the Hugging Face config's image_grid_pinpoints.
 */

export interface Size {
  width: number;
  height: number;
}

/** The pinpoint with the largest effective (downscaled) resolution; ties go to the least wasted area, first wins. */
export function selectBestResolution(original: Size, pinpoints: readonly (readonly [number, number])[]): Size {
  let best: Size | undefined;
  let bestEffective = 0;
  let bestWasted = Number.POSITIVE_INFINITY;
  for (const [height, width] of pinpoints) {
    const scale = Math.min(width / original.width, height / original.height);
    const downWidth = Math.trunc(original.width * scale);
    const downHeight = Math.trunc(original.height * scale);
    const effective = Math.min(downWidth * downHeight, original.width * original.height);
    const wasted = width * height - effective;
    if (effective > bestEffective || (effective === bestEffective && wasted < bestWasted)) {
      best = { width, height };
      bestEffective = effective;
      bestWasted = wasted;
    }
  }
  if (!best) throw new Error('no pinpoints');
  return best;
}

/** Size the image is resized to before padding to the pinpoint (aspect kept, ceil on the free side). */
export function patchOutputSize(original: Size, target: Size): Size {
  const scaleW = target.width / original.width;
  const scaleH = target.height / original.height;
  if (scaleW < scaleH) {
    return { width: target.width, height: Math.min(Math.ceil(original.height * scaleW), target.height) };
  }
  return { width: Math.min(Math.ceil(original.width * scaleH), target.width), height: target.height };
}

/** Python's round(x, 7) then int(): the unpad arithmetic rounds away float noise before truncating. */
function roundTo7(x: number): number {
  return Math.trunc(Math.round(x * 1e7) / 1e7);
}

/** Rows [top, bottom) and columns [left, right) of the stitched rows x cols grid that are image, not padding. */
export function unpadWindow(original: Size, rows: number, cols: number): { top: number; bottom: number; left: number; right: number } {
  const originalAspect = original.width / original.height;
  const currentAspect = cols / rows;
  if (originalAspect > currentAspect) {
    const newHeight = roundTo7(original.height * (cols / original.width));
    const padding = Math.floor((rows - newHeight) / 2);
    return { top: padding, bottom: rows - padding, left: 0, right: cols };
  }
  const newWidth = roundTo7(original.width * (rows / original.height));
  const padding = Math.floor((cols - newWidth) / 2);
  return { top: 0, bottom: rows, left: padding, right: cols - padding };
}
