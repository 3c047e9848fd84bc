import type { ModelManifest } from '../../model/manifest.ts';
import { crop, meanColour, pasteOnCanvas, resize, stackViews, type RgbImage } from '../../preprocess/image.ts';

/**
 * LLaVA-1.5's own evaluation (`expand2square`): pad the shorter side with the mean colour, image centred, then
 * resize to the tower's size.
 */
export async function padSquare(image: RgbImage, size: number, manifest: ModelManifest): Promise<RgbImage> {
  const { width, height } = image;
  const side = Math.max(width, height);
  const fill = meanColour(manifest.preprocess.mean);
  const squared =
    width === height
      ? image
      : pasteOnCanvas(image, side, side, Math.floor((side - width) / 2), Math.floor((side - height) / 2), fill);
  return resize(squared, size, size, manifest.preprocess.resample);
}

/** The Hugging Face processor path: resize the short side to `size`, then centre-crop `size` x `size`. */
export async function resizeCrop(image: RgbImage, size: number, manifest: ModelManifest): Promise<RgbImage> {
  // get_resize_output_image_size(default_to_square=False): the long side is truncated, as int() does.
  const portrait = image.width <= image.height;
  const width = portrait ? size : Math.trunc((size * image.width) / image.height);
  const height = portrait ? Math.trunc((size * image.height) / image.width) : size;
  const resized = await resize(image, width, height, manifest.preprocess.resample);
  return crop(resized, Math.floor((width - size) / 2), Math.floor((height - size) / 2), size, size);
}

export async function singleView(image: RgbImage, manifest: ModelManifest): Promise<Float32Array> {
  const { size, mean, std, mode } = manifest.preprocess;
  const view = mode === 'resize-crop' ? await resizeCrop(image, size, manifest) : await padSquare(image, size, manifest);
  return stackViews([view], mean, std);
}
