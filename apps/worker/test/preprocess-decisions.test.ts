import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { closestGrid } from '../src/families/internvl-2.5/tiles.ts';
import { patchOutputSize, selectBestResolution, unpadWindow } from '../src/families/llava-next/anyres.ts';
import { padSquare } from '../src/families/llava-1.5/processor.ts';
import { families } from '../src/families/registry.ts';
import { readManifest } from '../src/model/load.ts';
import { loadRgb } from '../src/preprocess/image.ts';
import { FIXTURES, tempDir, writeImage } from './helpers.ts';

const PINPOINTS: [number, number][] = [[336, 672], [672, 336], [672, 672], [1008, 336], [336, 1008]];

describe('LLaVA-NeXT AnyRes decisions (hand-computed)', () => {
  it('picks the pinpoint with the largest effective resolution, then the least waste', () => {
    // 1000x500: 336x672 (h x w) keeps 672x336 = 225792 px; 672x672 keeps the same but wastes more.
    expect(selectBestResolution({ width: 1000, height: 500 }, PINPOINTS)).toEqual({ width: 672, height: 336 });
    expect(selectBestResolution({ width: 500, height: 1000 }, PINPOINTS)).toEqual({ width: 336, height: 672 });
    expect(selectBestResolution({ width: 800, height: 800 }, PINPOINTS)).toEqual({ width: 672, height: 672 });
    // A tiny image: every pinpoint keeps all 5000 px; the two smallest waste the same, the first listed wins.
    expect(selectBestResolution({ width: 100, height: 50 }, PINPOINTS)).toEqual({ width: 672, height: 336 });
    // Very tall: 1008x336 (h x w) keeps 336x1008... scale min(336/300, 1008/1200) = 0.84 -> 252x1008.
    expect(selectBestResolution({ width: 300, height: 1200 }, PINPOINTS)).toEqual({ width: 336, height: 1008 });
  });

  it('resizes for patching with the aspect kept and ceil on the free side', () => {
    expect(patchOutputSize({ width: 1000, height: 500 }, { width: 672, height: 336 })).toEqual({ width: 672, height: 336 });
    expect(patchOutputSize({ width: 600, height: 500 }, { width: 672, height: 672 })).toEqual({ width: 672, height: 560 });
    expect(patchOutputSize({ width: 300, height: 1200 }, { width: 336, height: 1008 })).toEqual({ width: 252, height: 1008 });
  });

  it('unpads the stitched grid to the image area', () => {
    // 600x500 on a 48x48 grid: 500 * 48/600 = 40 rows of image, 4 padding rows each side.
    expect(unpadWindow({ width: 600, height: 500 }, 48, 48)).toEqual({ top: 4, bottom: 44, left: 0, right: 48 });
    // 300x1200 on 72x24 (rows x cols): 300 * 72/1200 = 18 columns, 3 each side.
    expect(unpadWindow({ width: 300, height: 1200 }, 72, 24)).toEqual({ top: 0, bottom: 72, left: 3, right: 21 });
    expect(unpadWindow({ width: 1000, height: 500 }, 24, 48)).toEqual({ top: 0, bottom: 24, left: 0, right: 48 });
  });

  it('lays out base view, unpadded grid and one newline per row on the tiny fixture', async () => {
    const manifest = await readManifest(FIXTURES.next);
    const image = await loadRgb(await writeImage(join(tempDir('img'), 'wide.png'), 100, 50));
    const plan = await families['llava-next'].plan(image, manifest);
    // pinpoints are 32-px multiples here: 100x50 -> 64x32 (h 32, w 64) -> 1x2 crops -> 4x8 grid, no padding rows.
    expect(plan.views).toBe(3);
    expect(plan.source.length).toBe(16 + 4 * 9);
    expect(plan.layout.alwaysKeep).toEqual([16 + 8, 16 + 17, 16 + 26, 16 + 35]);
    expect(plan.layout.views[1]).toEqual({ offset: 16, rows: 4, cols: 8, rowStride: 9 });
    // Row 0 of the high-res grid: crop 1 (view index 1) columns 0..3, then crop 2 (view index 2).
    expect(Array.from(plan.source.subarray(16, 25))).toEqual([16, 17, 18, 19, 32, 33, 34, 35, -1]);
    expect(plan.layoutKey).toBe('4x4+4x8');
  });
});

describe('InternVL-2.5 tile decisions (hand-computed)', () => {
  it('chooses the closest aspect ratio, larger grid on ties when the image is big enough', () => {
    expect(closestGrid(800, 600, 448, 1, 12)).toEqual([4, 3]);
    expect(closestGrid(448, 448, 448, 1, 12)).toEqual([1, 1]);
    // 1000x1000: ties at 1x1, 2x2, 3x3; area 1e6 exceeds half of 2x2 (401408) and 3x3 (903168) grids.
    expect(closestGrid(1000, 1000, 448, 1, 12)).toEqual([3, 3]);
    // 1000x500: 2x1 exact; the 4x2 tie needs area > 802816, 500000 is not.
    expect(closestGrid(1000, 500, 448, 1, 12)).toEqual([2, 1]);
    expect(closestGrid(1000, 500, 448, 1, 1)).toEqual([1, 1]);
  });

  it('cuts tiles plus a thumbnail on the tiny fixture', async () => {
    const manifest = await readManifest(FIXTURES.internvl);
    const image = await loadRgb(await writeImage(join(tempDir('img'), 'wide.png'), 64, 32));
    const plan = await families['internvl-2.5'].plan(image, manifest);
    // 64x32 at 32-px tiles: aspect 2 -> 2x1 exact; 4x2 tie needs area > 4096, 2048 is not -> 2 tiles + thumbnail.
    expect(plan.views).toBe(3);
    expect(plan.source.length).toBe(3 * 16);
    expect(plan.variant).toContain('tiles/2x1+thumbnail');
    expect(plan.pixelValues.length).toBe(3 * 3 * 32 * 32);
  });
});

describe('LLaVA-1.5 pad-square', () => {
  it('pads with the mean colour, image centred', async () => {
    const manifest = await readManifest(FIXTURES.llava15);
    const image = { data: new Uint8Array(4 * 2 * 3).fill(255), width: 4, height: 2 };
    const squared = await padSquare(image, 4, manifest);
    // Rows 0 and 3 are padding (122,116,104) = int(mean*255); rows 1-2 are the white image.
    expect(Array.from(squared.data.subarray(0, 3))).toEqual([122, 116, 104]);
    expect(Array.from(squared.data.subarray(4 * 3, 4 * 3 + 3))).toEqual([255, 255, 255]);
    expect(Array.from(squared.data.subarray(3 * 4 * 3, 3 * 4 * 3 + 3))).toEqual([122, 116, 104]);
  });
});
