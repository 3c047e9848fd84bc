import type { Rng } from './rng.ts';
import type { Background, Scene } from './scene.ts';
import { forEachCoveredPixel } from './shapes.ts';

/** A packed RGB image, row-major, 3 bytes per pixel. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/**
 * Paints the scene into a fresh RGB buffer: textured background, faint background-toned specks, then the objects
 * in flat colour (no anti-aliasing, so the object pixels carry exactly the colour recorded in the scene).
 * `rng` drives only per-pixel noise and speck placement.
 */
export function renderScene(scene: Scene, rng: Rng): RgbImage {
  const { width, height } = scene;
  const data = new Uint8Array(width * height * 3);
  paintBackground(data, width, height, scene.background, rng);
  paintSpecks(data, width, height, scene.background, rng);
  for (const o of scene.objects) {
    const [r, g, b] = o.rgb;
    forEachCoveredPixel(o.shape, o.center[0], o.center[1], o.radius, width, height, (x, y) => {
      const i = (y * width + x) * 3;
      data[i] = r;
      data[i + 1] = g;
      data[i + 2] = b;
    });
  }
  return { width, height, data };
}

/**
 * Texture value in [0, 1] per pixel (row-major), mixing the background's base (0) and alt (1) tones. One plain loop
 * per kind: a per-pixel callback that differs between scenes would make the hot loop megamorphic (several x slower).
 */
function textureMap(bg: Background, width: number, height: number, rng: Rng): Float32Array {
  const t = new Float32Array(width * height);
  const rad = (bg.angle * Math.PI) / 180;
  const cos = Math.cos(rad);
  const sin = Math.sin(rad);
  switch (bg.kind) {
    case 'noise':
      t.fill(0.5);
      break;
    case 'stripes': {
      const half = bg.period / 2;
      const offset = rng.float(0, bg.period);
      for (let y = 0, p = 0; y < height; y++) {
        for (let x = 0; x < width; x++, p++) t[p] = Math.floor((x * cos + y * sin + offset) / half) % 2 === 0 ? 0 : 1;
      }
      break;
    }
    case 'checker': {
      const ox = rng.int(0, bg.period - 1);
      const oy = rng.int(0, bg.period - 1);
      for (let y = 0, p = 0; y < height; y++) {
        const row = Math.floor((y + oy) / bg.period);
        for (let x = 0; x < width; x++, p++) t[p] = (Math.floor((x + ox) / bg.period) + row) % 2 === 0 ? 0 : 1;
      }
      break;
    }
    case 'gradient': {
      const span = Math.abs(width * cos) + Math.abs(height * sin);
      const start = Math.min(0, width * cos) + Math.min(0, height * sin);
      for (let y = 0, p = 0; y < height; y++) {
        for (let x = 0; x < width; x++, p++) t[p] = (x * cos + y * sin - start) / span;
      }
      break;
    }
    case 'blotches': {
      // Bilinear value noise on a coarse grid: soft low-frequency patches.
      const cell = bg.period * 3;
      const cols = Math.ceil(width / cell) + 2;
      const rows = Math.ceil(height / cell) + 2;
      const grid = Float64Array.from({ length: cols * rows }, () => rng.next());
      for (let y = 0, p = 0; y < height; y++) {
        const gy = y / cell;
        const iy = Math.floor(gy);
        const fy = gy - iy;
        for (let x = 0; x < width; x++, p++) {
          const gx = x / cell;
          const ix = Math.floor(gx);
          const fx = gx - ix;
          const top = grid[iy * cols + ix]! * (1 - fx) + grid[iy * cols + ix + 1]! * fx;
          const bottom = grid[(iy + 1) * cols + ix]! * (1 - fx) + grid[(iy + 1) * cols + ix + 1]! * fx;
          t[p] = top * (1 - fy) + bottom * fy;
        }
      }
      break;
    }
  }
  return t;
}

function paintBackground(data: Uint8Array, width: number, height: number, bg: Background, rng: Rng): void {
  const field = textureMap(bg, width, height, rng);
  const [br, bgc, bb] = bg.base;
  const dr = bg.alt[0] - br;
  const dg = bg.alt[1] - bgc;
  const db = bg.alt[2] - bb;
  for (let p = 0; p < width * height; p++) {
    const t = field[p]!;
    // Luminance-only noise keeps background pixels grey-ish (low saturation), far from the palette.
    const n = (rng.next() * 2 - 1) * bg.noise;
    const i = p * 3;
    data[i] = clamp(br + dr * t + n);
    data[i + 1] = clamp(bgc + dg * t + n);
    data[i + 2] = clamp(bb + db * t + n);
  }
}

function paintSpecks(data: Uint8Array, width: number, height: number, bg: Background, rng: Rng): void {
  for (let s = 0; s < bg.specks; s++) {
    const side = rng.int(1, 3);
    const x0 = rng.int(0, width - side);
    const y0 = rng.int(0, height - side);
    const shift = rng.int(15, 30) * (rng.chance(0.5) ? 1 : -1);
    for (let y = y0; y < y0 + side; y++) {
      for (let x = x0; x < x0 + side; x++) {
        const i = (y * width + x) * 3;
        data[i] = clamp(bg.base[0] + shift);
        data[i + 1] = clamp(bg.base[1] + shift);
        data[i + 2] = clamp(bg.base[2] + shift);
      }
    }
  }
}

function clamp(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
}
