/**
 * D2Pruner (arXiv 2512.19443, AAAI-26): debiased importance for the pivots, then structural diversity for the
 * rest of the budget.
 * 1. Debias: A_rel = A / (B + eps), A = last prompt token's attention at layer K-1, B = the offline positional
 *    prior of the same model and layout [3p; eps = 1e-7].
 * 2. Pivots: the top floor(pivotRatio * k) tokens by A_rel [3p: 0.7].
 * 3. Graph on the remaining tokens: S_ij = beta * cos(H_i, H_j) + (1 - beta) * spatial_ij, edge where
 *    S_ij > edgeThreshold [3p: 0.8; beta 1.0 general, 0.5 localization]; the spatial kernel is ours: 1 when the
 *    Chebyshev grid distance within the same view is <= spatialRadius (2), else 0 [choice].
 * 4. Greedy maximal independent set, visiting by A_rel descending: keep a token if still available and mark its
 *    neighbours unavailable; stop at k. If it runs dry, fill with the best leftovers by A_rel [choice]. Pivots do
 *    not suppress neighbours [choice].
 * 5. Runs between decoder head and tail (K = 2 [3p]); positions preserved [3p].
 */
import { z } from 'zod';
import { defineMethod } from '../define.ts';
import { placeTokens } from '../layout.ts';
import { gatherRows, orderByScore } from '../linalg/select.ts';
import { requireSignal } from '../signals.ts';

const AVAILABLE = 1;
const KEPT = 0;
const SUPPRESSED = 2;

const params = z.strictObject({
  beta: z.number().min(0).max(1).default(1),
  pivotRatio: z.number().min(0).max(1).default(0.7),
  edgeThreshold: z.number().default(0.8),
  spatialRadius: z.int().min(0).default(2),
  priorEps: z.number().positive().default(1e-7),
});

/**
 * Visits `rest` in order; keeps a token if still available and makes its neighbours (S > threshold)
 * unavailable; stops at `want`. Then fills from the suppressed tokens in visiting order.
 */
function greedyIndependentSet(
  rest: Int32Array, similarity: Float32Array, want: number,
  edge: { beta: number; edgeThreshold: number; near: (i: number, j: number) => boolean },
): { picks: number[]; kept: number } {
  const { beta, edgeThreshold, near } = edge;
  const m = rest.length;
  const state = new Uint8Array(m).fill(AVAILABLE);
  const picks: number[] = [];
  for (let a = 0; a < m && picks.length < want; a++) {
    if (state[a] !== AVAILABLE) continue;
    state[a] = KEPT;
    const i = rest[a] as number;
    picks.push(i);
    for (let b = 0, row = a * m; b < m; b++) {
      if (state[b] !== AVAILABLE) continue;
      const cos = beta > 0 ? (similarity[row + b] as number) : 0;
      const s = beta * cos + (beta < 1 && near(i, rest[b] as number) ? 1 - beta : 0);
      if (s > edgeThreshold) state[b] = SUPPRESSED;
    }
  }
  const kept = picks.length;
  // Ran dry: the best leftovers by debiased attention, i.e. suppressed tokens in visiting order.
  for (let a = 0; a < m && picks.length < want; a++) if (state[a] === SUPPRESSED) picks.push(rest[a] as number);
  return { picks, kept };
}

export const d2pruner = defineMethod({
  id: 'd2pruner',
  stage: 'llm-layer',
  needs: ['lastTokenAttention', 'attentionPrior', 'hiddenStates'],
  needsFor: () => ['lastTokenAttention', 'attentionPrior', 'hiddenStates'],
  readsTokens: () => false,
  positions: 'preserve',
  merges: false,
  params,
  paper: 'arXiv 2512.19443 (D2Pruner, AAAI-26)',
  *run(ctx) {
    const { beta, pivotRatio, edgeThreshold, spatialRadius, priorEps } = ctx.params;
    const attention = requireSignal(ctx.signals, 'lastTokenAttention');
    const prior = requireSignal(ctx.signals, 'attentionPrior');
    const debiased = new Float32Array(ctx.n);
    for (const i of ctx.candidates) debiased[i] = (attention[i] as number) / ((prior[i] as number) + priorEps);

    const order = orderByScore(debiased, ctx.candidates);
    const pivotCount = Math.min(ctx.budget, Math.floor(pivotRatio * ctx.budget));
    const selected: number[] = Array.from(order.subarray(0, pivotCount));
    const rest = order.subarray(pivotCount);
    const m = rest.length;
    let misKept = 0;
    if (selected.length < ctx.budget) {
      const hidden = requireSignal(ctx.signals, 'hiddenStates');
      const similarity = beta > 0 ? yield { op: 'cosine', a: gatherRows(hidden, ctx.d, rest), n: m, d: ctx.d } : new Float32Array(0);
      const place = placeTokens(ctx.views, ctx.n);
      const near = (i: number, j: number) =>
        place.view[i] === place.view[j] &&
        Math.max(Math.abs((place.row[i] as number) - (place.row[j] as number)), Math.abs((place.col[i] as number) - (place.col[j] as number))) <= spatialRadius;
      const independent = greedyIndependentSet(rest, similarity, ctx.budget - selected.length, { beta, edgeThreshold, near });
      misKept = independent.kept;
      selected.push(...independent.picks);
    }
    return {
      selected: Int32Array.from(selected),
      scores: debiased,
      info: { pivots: pivotCount, independent: misKept, filled: selected.length - pivotCount - misKept },
    };
  },
});
