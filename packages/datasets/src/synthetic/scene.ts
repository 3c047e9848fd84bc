import type { Rng } from './rng.ts';
import { forEachCoveredPixel } from './shapes.ts';
import {
  BACKGROUND_KINDS,
  COLOR_JITTER,
  COLOR_RGB,
  COLORS,
  REFERENCE_IMAGE_SIZE,
  SHAPES,
  SIZE_EXTENT_PX,
  SIZES,
  type BackgroundKind,
  type Color,
  type Shape,
  type SizeClass,
} from './vocabulary.ts';

export type Rgb = [number, number, number];
/** [x1, y1, x2, y2] in pixel edges: x2/y2 are exclusive (a 1-px object at x=5 has x1=5, x2=6). */
export type PixelBox = [number, number, number, number];

export interface SceneObject {
  shape: Shape;
  color: Color;
  size: SizeClass;
  /** The exact colour painted (palette colour plus a small jitter). */
  rgb: Rgb;
  center: [number, number];
  /** Radius of the enclosing circle, px. */
  radius: number;
  /** Tight box of the painted pixels. */
  box: PixelBox;
}

export interface Background {
  kind: BackgroundKind;
  base: Rgb;
  alt: Rgb;
  /** Stripe period, checker cell or blotch cell in px (unused by noise/gradient). */
  period: number;
  /** Stripe / gradient direction in degrees. */
  angle: number;
  /** Per-pixel luminance noise amplitude. */
  noise: number;
  specks: number;
}

export interface Scene {
  width: number;
  height: number;
  background: Background;
  objects: SceneObject[];
}

export interface SceneOptions {
  size: number;
  minObjects: number;
  maxObjects: number;
}

/** Share of small / medium / large objects: small ones dominate, so that dropping the wrong tokens loses them. */
const SIZE_WEIGHTS = [0.4, 0.35, 0.25];
/** Chance that a new object reuses a colour or shape already in the scene (counting, hard negatives, size words). */
const REUSE_CHANCE = 0.4;
const PLACEMENT_TRIES = 200;

const clamp = (v: number): number => (v < 0 ? 0 : v > 255 ? 255 : Math.round(v));

export function sampleBackground(rng: Rng, size: number): Background {
  // Low-saturation mid tones: far from every palette colour (saturated, or white > 235).
  const level = rng.int(60, 145);
  const tint = (): number => rng.int(-12, 12);
  const base: Rgb = [clamp(level + tint()), clamp(level + tint()), clamp(level + tint())];
  const delta = rng.int(10, 24) * (rng.chance(0.5) ? 1 : -1);
  const alt: Rgb = [clamp(base[0] + delta), clamp(base[1] + delta), clamp(base[2] + delta)];
  const scale = size / REFERENCE_IMAGE_SIZE;
  return {
    kind: rng.pick(BACKGROUND_KINDS),
    base,
    alt,
    period: Math.max(2, Math.round(rng.int(6, 16) * scale)),
    angle: rng.pick([0, 45, 90, 135]),
    noise: rng.int(4, 12),
    specks: Math.round(rng.int(15, 60) * scale * scale),
  };
}

function sampleObjectKind(rng: Rng, placed: readonly SceneObject[]): { shape: Shape; color: Color; size: SizeClass } {
  const size = SIZES[rng.weighted(SIZE_WEIGHTS)]!;
  let shape: Shape = rng.pick(SHAPES);
  let color: Color = rng.pick(COLORS);
  if (placed.length > 0 && rng.chance(REUSE_CHANCE)) {
    const other = rng.pick(placed);
    if (rng.chance(0.5)) shape = other.shape;
    else color = other.color;
  }
  return { shape, color, size };
}

/** Tight pixel box of what `forEachCoveredPixel` paints. */
export function coveredBox(shape: Shape, cx: number, cy: number, r: number, width: number, height: number): PixelBox {
  let x1 = width;
  let y1 = height;
  let x2 = 0;
  let y2 = 0;
  forEachCoveredPixel(shape, cx, cy, r, width, height, (x, y) => {
    if (x < x1) x1 = x;
    if (y < y1) y1 = y;
    if (x + 1 > x2) x2 = x + 1;
    if (y + 1 > y2) y2 = y + 1;
  });
  return [x1, y1, x2, y2];
}

/**
 * Samples 2-6 non-overlapping objects (a gap of a few px between enclosing circles) with no two sharing
 * (shape, colour, size), so every object has an unambiguous description.
 */
export function sampleScene(rng: Rng, options: SceneOptions): Scene {
  const { size } = options;
  const scale = size / REFERENCE_IMAGE_SIZE;
  const gap = 3 * scale + 1;
  const margin = 2 * scale;
  const wanted = rng.int(options.minObjects, options.maxObjects);
  const objects: SceneObject[] = [];
  for (let tries = 0; objects.length < wanted && tries < PLACEMENT_TRIES; tries++) {
    const kind = sampleObjectKind(rng, objects);
    if (objects.some((o) => o.shape === kind.shape && o.color === kind.color && o.size === kind.size)) continue;
    const [lo, hi] = SIZE_EXTENT_PX[kind.size];
    const radius = (rng.float(lo, hi) * scale) / 2;
    const cx = rng.float(radius + margin, size - radius - margin);
    const cy = rng.float(radius + margin, size - radius - margin);
    if (objects.some((o) => Math.hypot(o.center[0] - cx, o.center[1] - cy) < o.radius + radius + gap)) continue;
    const [r, g, b] = COLOR_RGB[kind.color];
    const jitter = (): number => rng.int(-COLOR_JITTER, COLOR_JITTER);
    objects.push({
      ...kind,
      rgb: [clamp(r + jitter()), clamp(g + jitter()), clamp(b + jitter())],
      center: [round1(cx), round1(cy)],
      radius: round1(radius),
      box: [0, 0, 0, 0],
    });
  }
  for (const o of objects) o.box = coveredBox(o.shape, o.center[0], o.center[1], o.radius, size, size);
  return { width: size, height: size, background: sampleBackground(rng, size), objects };
}

/** Rounded to 0.1 px so that `meta` is short and rendering from `meta` gives the same pixels. */
function round1(v: number): number {
  return Math.round(v * 10) / 10;
}
