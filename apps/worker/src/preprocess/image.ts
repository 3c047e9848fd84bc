import sharp from 'sharp';
import { WorkerInputError } from '../errors.ts';

/** 8-bit RGB pixels, row-major, interleaved (HWC). */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

export type Resample = 'bicubic' | 'bilinear' | 'nearest';

const KERNEL: Record<Resample, 'cubic' | 'linear' | 'nearest'> = { bicubic: 'cubic', bilinear: 'linear', nearest: 'nearest' };

/** Decodes an image file to RGB (alpha dropped, grey expanded); an unreadable file is a one-line error naming it. */
export async function loadRgb(file: string): Promise<RgbImage> {
  try {
    const { data, info } = await sharp(file).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels`);
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
  } catch (error) {
    const message = (error instanceof Error ? error.message : String(error)).split('\n')[0];
    throw new WorkerInputError(file, `unreadable image (${message})`);
  }
}

/** Resizes to exactly width x height (aspect not kept), with the given resampling kernel. */
export async function resize(image: RgbImage, width: number, height: number, resample: Resample): Promise<RgbImage> {
  if (image.width === width && image.height === height) return image;
  const data = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .resize(width, height, { fit: 'fill', kernel: KERNEL[resample] })
    .raw()
    .toBuffer();
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width, height };
}

/** A width x height canvas of `fill`, with `image` pasted at (left, top). */
export function pasteOnCanvas(
  image: RgbImage,
  width: number,
  height: number,
  left: number,
  top: number,
  fill: readonly [number, number, number],
): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) data.set(fill, i * 3);
  for (let y = 0; y < image.height; y++) {
    const ty = y + top;
    if (ty < 0 || ty >= height) continue;
    const x0 = Math.max(0, -left);
    const x1 = Math.min(image.width, width - left);
    if (x1 <= x0) continue;
    data.set(image.data.subarray((y * image.width + x0) * 3, (y * image.width + x1) * 3), (ty * width + left + x0) * 3);
  }
  return { data, width, height };
}

/** The width x height window at (left, top). */
export function crop(image: RgbImage, left: number, top: number, width: number, height: number): RgbImage {
  return pasteOnCanvas(image, width, height, -left, -top, [0, 0, 0]);
}

/** The model's mean colour as 8-bit RGB, as LLaVA's expand2square computes it (int(mean * 255)). */
export function meanColour(mean: readonly number[]): [number, number, number] {
  return [Math.trunc((mean[0] ?? 0) * 255), Math.trunc((mean[1] ?? 0) * 255), Math.trunc((mean[2] ?? 0) * 255)];
}

/** Writes (pixel / 255 - mean) / std in CHW order into `out` at `offset`. */
export function normaliseInto(
  image: RgbImage,
  mean: readonly number[],
  std: readonly number[],
  out: Float32Array,
  offset: number,
): void {
  const plane = image.width * image.height;
  for (let c = 0; c < 3; c++) {
    const m = mean[c] ?? 0;
    const s = std[c] ?? 1;
    const base = offset + c * plane;
    for (let i = 0; i < plane; i++) out[base + i] = ((image.data[i * 3 + c] as number) / 255 - m) / s;
  }
}

/** Stacks same-size square views into one [V,3,size,size] pixel tensor. */
export function stackViews(views: readonly RgbImage[], mean: readonly number[], std: readonly number[]): Float32Array {
  const first = views[0];
  if (!first) throw new Error('stackViews needs at least one view');
  const perView = 3 * first.width * first.height;
  const out = new Float32Array(perView * views.length);
  views.forEach((view, v) => normaliseInto(view, mean, std, out, v * perView));
  return out;
}
