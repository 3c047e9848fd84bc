/**
 * uniform: the spatial floor. Each view gets a share of the budget proportional to its size (largest
 * remainder), and within a view keeps tokens at an even stride along the raster order: token
 * floor((t + 0.5) * size / k) for t < k, which spreads picks over rows and columns alike.
 * Choices: raster-order stride rather than a 2-D sub-grid (works for every k) [choice]; stage llm-input,
 * positions preserved [choice]; no params.
 */
import { z } from 'zod';
import { defineMethod } from '../define.ts';
import { rasterToken, viewSize } from '../layout.ts';
import { apportion } from '../linalg/apportion.ts';

export const uniform = defineMethod({
  id: 'uniform',
  stage: 'llm-input',
  needs: [],
  needsFor: () => [],
  readsTokens: () => false,
  positions: 'preserve',
  merges: false,
  params: z.strictObject({}),
  paper: 'baseline: spatially even stride',
  run(ctx) {
    const sizes = ctx.views.map(viewSize);
    const shares = apportion(ctx.budget, sizes, sizes);
    const selected = new Int32Array(ctx.budget);
    let t = 0;
    // Picks computed from their raster positions: listing each view's tokens first was most of the method's time.
    ctx.views.forEach((view, v) => {
      const size = sizes[v] as number;
      const k = shares[v] as number;
      for (let s = 0; s < k; s++) selected[t++] = rasterToken(view, Math.floor(((s + 0.5) * size) / k));
    });
    return { selected };
  },
});
