import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { COLOR_RGB, COLORS, type Color } from '../src/synthetic/vocabulary.ts';

/** The scene as the generator stores it in `meta.scene`, typed for the tests (read back from JSON). */
export interface MetaObject {
  shape: string;
  color: string;
  size: string;
  rgb: [number, number, number];
  center: [number, number];
  radius: number;
  box: [number, number, number, number];
}
export interface MetaScene {
  index: number;
  width: number;
  height: number;
  boxScale: string;
  background: string;
  objects: MetaObject[];
}

export interface Decoded {
  width: number;
  height: number;
  data: Buffer;
}

export async function decodePng(path: string): Promise<Decoded> {
  const { data, info } = await sharp(path).raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`${path}: expected RGB, got ${info.channels} channels`);
  return { width: info.width, height: info.height, data };
}

export async function imageHashes(dir: string): Promise<Record<string, string>> {
  const files = (await readdir(join(dir, 'images'))).sort();
  const out: Record<string, string> = {};
  for (const f of files) out[f] = createHash('sha256').update(await readFile(join(dir, 'images', f))).digest('hex');
  return out;
}

/**
 * Colour class of a pixel, decided from the pixel alone: saturated or very bright pixels go to the nearest palette
 * colour, greyish ones are background (null).
 */
export function classify(r: number, g: number, b: number): Color | null {
  const spread = Math.max(r, g, b) - Math.min(r, g, b);
  const bright = Math.min(r, g, b);
  if (spread < 60 && bright < 230) return null;
  let best: Color | null = null;
  let bestDist = Infinity;
  for (const c of COLORS) {
    const [pr, pg, pb] = COLOR_RGB[c];
    const d = (r - pr) ** 2 + (g - pg) ** 2 + (b - pb) ** 2;
    if (d < bestDist) {
      bestDist = d;
      best = c;
    }
  }
  return best;
}

/** Tight box (x2/y2 exclusive) of the pixels whose colour is exactly `rgb`, or null if none. */
export function boxOfColor(img: Decoded, rgb: readonly number[]): [number, number, number, number] | null {
  let x1 = Infinity;
  let y1 = Infinity;
  let x2 = -1;
  let y2 = -1;
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      const i = (y * img.width + x) * 3;
      if (img.data[i] === rgb[0] && img.data[i + 1] === rgb[1] && img.data[i + 2] === rgb[2]) {
        x1 = Math.min(x1, x);
        y1 = Math.min(y1, y);
        x2 = Math.max(x2, x + 1);
        y2 = Math.max(y2, y + 1);
      }
    }
  }
  return x2 < 0 ? null : [x1, y1, x2, y2];
}

/**
 * Blobs of each colour class: pixels of one class joined when within 2 px (Chebyshev), which bridges the thin gaps
 * inside a small star but never the >= 3 px gaps between objects.
 */
export function countBlobs(img: Decoded): Map<Color, number> {
  const { width, height, data } = img;
  const cls: Array<Color | null> = new Array(width * height);
  for (let p = 0; p < width * height; p++) cls[p] = classify(data[p * 3]!, data[p * 3 + 1]!, data[p * 3 + 2]!);
  const seen = new Uint8Array(width * height);
  const counts = new Map<Color, number>();
  for (let p = 0; p < width * height; p++) {
    const c = cls[p];
    if (!c || seen[p]) continue;
    counts.set(c, (counts.get(c) ?? 0) + 1);
    const stack = [p];
    seen[p] = 1;
    while (stack.length > 0) {
      const q = stack.pop()!;
      const qx = q % width;
      const qy = Math.floor(q / width);
      for (let dy = -2; dy <= 2; dy++) {
        for (let dx = -2; dx <= 2; dx++) {
          const x = qx + dx;
          const y = qy + dy;
          if (x < 0 || y < 0 || x >= width || y >= height) continue;
          const n = y * width + x;
          if (!seen[n] && cls[n] === c) {
            seen[n] = 1;
            stack.push(n);
          }
        }
      }
    }
  }
  return counts;
}

/** Objects a description ("small red circle", "circle", "red object", "large cross") refers to. */
export function resolve(scene: MetaScene, description: string): MetaObject[] {
  const words = description.split(' ');
  const noun = words.pop()!;
  return scene.objects.filter(
    (o) =>
      (noun === 'object' || o.shape === noun) &&
      words.every((w) => o.color === w || o.size === w),
  );
}
