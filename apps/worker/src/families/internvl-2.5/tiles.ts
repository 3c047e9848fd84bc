/**
 * InternVL-2.5 dynamic tiling decisions as pure functions (the authors' `dynamic_preprocess`): a grid of
 * (columns, rows) with min..max tiles whose aspect ratio is closest to the image's.
 */

/** Candidate (columns, rows) grids with min <= cols * rows <= max, by tile count, then columns, then rows. */
export function tileGrids(minTiles: number, maxTiles: number): [number, number][] {
  const grids: [number, number][] = [];
  for (let i = 1; i <= maxTiles; i++) {
    for (let j = 1; j <= maxTiles; j++) if (i * j >= minTiles && i * j <= maxTiles) grids.push([i, j]);
  }
  return grids.sort((a, b) => a[0] * a[1] - b[0] * b[1] || a[0] - b[0] || a[1] - b[1]);
}

/**
 * The closest aspect ratio; on a tie the later (larger) grid wins when the image area exceeds half the grid's
 * pixel area, as in find_closest_aspect_ratio.
 */
export function closestGrid(width: number, height: number, tileSize: number, minTiles: number, maxTiles: number): [number, number] {
  const aspect = width / height;
  const area = width * height;
  let best: [number, number] = [1, 1];
  let bestDiff = Number.POSITIVE_INFINITY;
  for (const grid of tileGrids(minTiles, maxTiles)) {
    const diff = Math.abs(aspect - grid[0] / grid[1]);
    if (diff < bestDiff) {
      bestDiff = diff;
      best = grid;
    } else if (diff === bestDiff && area > 0.5 * tileSize * tileSize * grid[0] * grid[1]) {
      best = grid;
    }
  }
  return best;
}
