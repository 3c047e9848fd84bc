import type { BoxScale } from '../types.ts';

export type Box = [number, number, number, number];

const NUMBER = '(-?(?:\\d+(?:\\.\\d*)?|\\.\\d+))';
const FIRST_BOX = new RegExp(`\\[\\s*${NUMBER}\\s*,\\s*${NUMBER}\\s*,\\s*${NUMBER}\\s*,\\s*${NUMBER}\\s*\\]`);

/** The first `[a, b, c, d]` in a model's output, as lmms-eval's RefCOCO scoring reads it. */
export function parseFirstBox(text: string): Box | null {
  const m = FIRST_BOX.exec(text);
  if (!m) return null;
  return [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])];
}

export interface ImageSize {
  width: number;
  height: number;
}

/** Converts a box from `scale` to normalised [0,1] coordinates; pixel boxes need the image size. */
export function toNormalised(box: Box, scale: BoxScale, size: ImageSize | null): Box | null {
  if (scale === 'pixels') {
    if (!size) return null;
    return [box[0] / size.width, box[1] / size.height, box[2] / size.width, box[3] / size.height];
  }
  return [box[0] / scale, box[1] / scale, box[2] / scale, box[3] / scale];
}

/** Intersection over union of two [x1,y1,x2,y2] boxes in the same coordinates; a degenerate box scores 0. */
export function iou(a: Box, b: Box): number {
  const area = (r: Box): number => Math.max(0, r[2] - r[0]) * Math.max(0, r[3] - r[1]);
  const iw = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const ih = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const inter = iw * ih;
  const union = area(a) + area(b) - inter;
  return union > 0 ? inter / union : 0;
}
