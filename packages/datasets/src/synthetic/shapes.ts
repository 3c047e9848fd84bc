import type { Shape } from './vocabulary.ts';

/** Whether a point at offset (dx, dy) from an object's centre lies inside it; r is the enclosing radius in px. */
export type ShapeCoverage = (dx: number, dy: number) => boolean;

const RING_INNER = 0.55;
const CROSS_ARM = 0.3;
const SQUARE_HALF = 0.82;
const STAR_INNER = 0.45;

/** Builds the inside test for one object (precomputing what the shape needs, e.g. the star's polygon). */
export function shapeCoverage(shape: Shape, r: number): ShapeCoverage {
  switch (shape) {
    case 'circle':
      return (dx, dy) => dx * dx + dy * dy <= r * r;
    case 'ring': {
      const inner = RING_INNER * r;
      return (dx, dy) => {
        const d2 = dx * dx + dy * dy;
        return d2 <= r * r && d2 >= inner * inner;
      };
    }
    case 'square': {
      const h = SQUARE_HALF * r;
      return (dx, dy) => Math.abs(dx) <= h && Math.abs(dy) <= h;
    }
    case 'diamond':
      return (dx, dy) => Math.abs(dx) + Math.abs(dy) <= r;
    case 'triangle': {
      // Apex up; the base sits below the centre so the triangle's area centre is near the object centre.
      const top = -r;
      const base = 0.72 * r;
      const halfBase = 0.95 * r;
      return (dx, dy) => dy >= top && dy <= base && Math.abs(dx) <= (halfBase * (dy - top)) / (base - top);
    }
    case 'cross': {
      const arm = CROSS_ARM * r;
      const reach = 0.95 * r;
      return (dx, dy) =>
        (Math.abs(dx) <= arm && Math.abs(dy) <= reach) || (Math.abs(dy) <= arm && Math.abs(dx) <= reach);
    }
    case 'star':
      return polygonCoverage(starPolygon(r));
  }
}

function starPolygon(r: number): Array<[number, number]> {
  const points: Array<[number, number]> = [];
  for (let i = 0; i < 10; i++) {
    const radius = i % 2 === 0 ? r : STAR_INNER * r;
    const angle = (i * Math.PI) / 5;
    points.push([radius * Math.sin(angle), -radius * Math.cos(angle)]);
  }
  return points;
}

/** Even-odd point-in-polygon. */
function polygonCoverage(points: ReadonlyArray<readonly [number, number]>): ShapeCoverage {
  return (x, y) => {
    let inside = false;
    for (let i = 0, j = points.length - 1; i < points.length; j = i++) {
      const [xi, yi] = points[i]!;
      const [xj, yj] = points[j]!;
      if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
    }
    return inside;
  };
}

/**
 * Visits every pixel the object covers (pixel centres at +0.5), clipped to the image. The single source of truth
 * for both the drawn pixels and the ground-truth box.
 */
export function forEachCoveredPixel(
  shape: Shape,
  cx: number,
  cy: number,
  r: number,
  width: number,
  height: number,
  visit: (x: number, y: number) => void,
): void {
  const inside = shapeCoverage(shape, r);
  const x0 = Math.max(0, Math.floor(cx - r - 1));
  const x1 = Math.min(width - 1, Math.ceil(cx + r + 1));
  const y0 = Math.max(0, Math.floor(cy - r - 1));
  const y1 = Math.min(height - 1, Math.ceil(cy + r + 1));
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      if (inside(x + 0.5 - cx, y + 0.5 - cy)) visit(x, y);
    }
  }
}
