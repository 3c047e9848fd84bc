/**
 * DivPrune (arXiv 2503.02175, CVPR 2025): keep the most diverse subset of the post-projector tokens, as a
 * max-min diversity problem with distance 1 - cos, solved greedily: first the token farthest from its nearest
 * neighbour, then repeatedly the token whose distance to the kept set is largest.
 * Choices: one global problem across views (the method is position-free) [choice]; alwaysKeep tokens (newlines)
 * take no part in the distances [choice]; ties go to the earlier token. Positions compact, as the pruned
 * sequence enters the LLM [choice].
 */
import { z } from 'zod';
import { defineMethod } from '../define.ts';
import { gatherRows } from '../linalg/select.ts';

/** Greedy max-min diversity over distance 1 - similarity; returns positions in the similarity matrix. */
function maxMinGreedy(similarity: Float32Array, m: number, budget: number): Int32Array {
  // nearest[i]: distance from i to its nearest other token at first, then to the nearest kept token.
  const nearest = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    const row = i * m;
    let best = m > 1 ? Infinity : 0;
    for (let j = 0; j < m; j++) {
      if (j === i) continue;
      const dist = 1 - (similarity[row + j] as number);
      if (dist < best) best = dist;
    }
    nearest[i] = best;
  }
  const taken = new Uint8Array(m);
  const picks = new Int32Array(budget);
  for (let t = 0; t < budget; t++) {
    let pick = -1;
    for (let i = 0; i < m; i++) {
      if (!taken[i] && (pick === -1 || (nearest[i] as number) > (nearest[pick] as number))) pick = i;
    }
    taken[pick] = 1;
    picks[t] = pick;
    const row = pick * m;
    for (let i = 0; i < m; i++) {
      const dist = 1 - (similarity[row + i] as number);
      if (t === 0 || dist < (nearest[i] as number)) nearest[i] = dist;
    }
  }
  return picks;
}

export const divprune = defineMethod({
  id: 'divprune',
  stage: 'llm-input',
  needs: [],
  needsFor: () => [],
  readsTokens: () => true,
  positions: 'compact',
  merges: false,
  params: z.strictObject({}),
  paper: 'arXiv 2503.02175 (DivPrune, CVPR 2025)',
  *run(ctx) {
    const m = ctx.candidates.length;
    const selected = new Int32Array(ctx.budget);
    if (ctx.budget === 0) return { selected };
    const similarity: Float32Array = yield { op: 'cosine', a: gatherRows(ctx.tokens, ctx.d, ctx.candidates), n: m, d: ctx.d };
    maxMinGreedy(similarity, m, ctx.budget).forEach((pick, t) => {
      selected[t] = ctx.candidates[pick] as number;
    });
    return { selected };
  },
});
