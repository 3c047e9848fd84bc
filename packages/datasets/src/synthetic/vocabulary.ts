/**
 * The small, regular vocabulary of the synthetic benchmark. A tiny model must learn it, so every word is lower case
 * and each concept has exactly one name.
 */

export const SHAPES = ['circle', 'square', 'triangle', 'diamond', 'cross', 'star', 'ring'] as const;
export type Shape = (typeof SHAPES)[number];

export const SHAPE_PLURALS: Record<Shape, string> = {
  circle: 'circles',
  square: 'squares',
  triangle: 'triangles',
  diamond: 'diamonds',
  cross: 'crosses',
  star: 'stars',
  ring: 'rings',
};

/** Saturated, well separated hues (plus white); backgrounds are low-saturation mid tones, far from all of them. */
export const COLORS = ['red', 'orange', 'yellow', 'green', 'cyan', 'blue', 'purple', 'white'] as const;
export type Color = (typeof COLORS)[number];

export const COLOR_RGB: Record<Color, readonly [number, number, number]> = {
  red: [220, 30, 30],
  orange: [245, 140, 20],
  yellow: [240, 225, 30],
  green: [30, 175, 55],
  cyan: [30, 215, 225],
  blue: [35, 70, 230],
  purple: [150, 45, 200],
  white: [248, 248, 248],
};

/** Largest per-channel offset added to an object's palette colour, so colour names cover a small range. */
export const COLOR_JITTER = 12;

export const SIZES = ['small', 'medium', 'large'] as const;
export type SizeClass = (typeof SIZES)[number];

/** Object extent (diameter of the enclosing circle) in pixels at the 192-px reference size; scaled with the image. */
export const SIZE_EXTENT_PX: Record<SizeClass, readonly [number, number]> = {
  small: [11, 14],
  medium: [20, 26],
  large: [32, 40],
};

export const REFERENCE_IMAGE_SIZE = 192;

export const FAMILIES = ['existence', 'color', 'shape', 'count', 'relation', 'localization'] as const;
export type Family = (typeof FAMILIES)[number];

/** Default share of each question family (localization ~20%). */
export const DEFAULT_FAMILY_MIX: Record<Family, number> = {
  existence: 0.2,
  color: 0.15,
  shape: 0.15,
  count: 0.15,
  relation: 0.15,
  localization: 0.2,
};

export const BACKGROUND_KINDS = ['noise', 'stripes', 'checker', 'blotches', 'gradient'] as const;
export type BackgroundKind = (typeof BACKGROUND_KINDS)[number];
