/**
 * random: a floor that the papers' tables show is surprisingly strong. Keeps a uniformly random subset of the
 * view tokens (alwaysKeep tokens are always kept), drawn with a seeded mulberry32 partial Fisher-Yates shuffle,
 * so the same seed gives the same subset everywhere.
 * Choices: stage llm-input and positions preserved [choice]; no params.
 */
import { z } from 'zod';
import { defineMethod } from '../define.ts';
import { mulberry32 } from '../linalg/rng.ts';

export const random = defineMethod({
  id: 'random',
  stage: 'llm-input',
  needs: [],
  needsFor: () => [],
  readsTokens: () => false,
  positions: 'preserve',
  merges: false,
  params: z.strictObject({}),
  paper: 'baseline: uniformly random subset (seeded)',
  run(ctx) {
    const pool = ctx.candidates.slice();
    const next = mulberry32(ctx.seed);
    for (let t = 0; t < ctx.budget; t++) {
      const j = t + Math.floor(next() * (pool.length - t));
      const swap = pool[t] as number;
      pool[t] = pool[j] as number;
      pool[j] = swap;
    }
    return { selected: pool.slice(0, ctx.budget) };
  },
});
