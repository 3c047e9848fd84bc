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
import type { LinalgRequest } from '../linalg/backend.ts';

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

/** Rows of S computed per request: twice what is still wanted, within these bounds. */
const MIN_CHUNK = 16;
const MAX_CHUNK = 256;

/**
 * Visits `rest` in order; keeps a token if still available and makes its neighbours (S > threshold)
 * unavailable; stops at `want`. Then fills from the suppressed tokens in visiting order.
 * Only the kept tokens' rows of S are ever read, so rows are requested lazily, a chunk of the next available
 * tokens at a time (a chunk member suppressed by an earlier one wastes its row): a few percent of the n^2 d
 * products of the full matrix, with the same result.
 */
function* greedyIndependentSet(
  hidden: Float32Array, d: number, rest: Int32Array, want: number,
  edge: { beta: number; edgeThreshold: number; near: (i: number, j: number) => boolean },
): Generator<LinalgRequest, { picks: number[]; kept: number; rows: number }, Float32Array> {
  const { beta, edgeThreshold, near } = edge;
  const m = rest.length;
  const x = beta > 0 ? gatherRows(hidden, d, rest) : new Float32Array(0);
  const state = new Uint8Array(m).fill(AVAILABLE);
  const picks: number[] = [];
  let rowsComputed = 0;
  let next = 0;
  while (picks.length < want && next < m) {
    const chunk: number[] = [];
    const size = Math.min(MAX_CHUNK, Math.max(MIN_CHUNK, 2 * (want - picks.length)));
    for (let a = next; a < m && chunk.length < size; a++) if (state[a] === AVAILABLE) chunk.push(a);
    if (chunk.length === 0) break;
    next = (chunk[chunk.length - 1] as number) + 1;
    const rows: Float32Array =
      beta > 0 ? yield { op: 'cosineCross', a: gatherRows(x, d, chunk), na: chunk.length, b: x, nb: m, d } : new Float32Array(chunk.length * m);
    rowsComputed += beta > 0 ? chunk.length : 0;
    for (let c = 0; c < chunk.length && picks.length < want; c++) {
      const a = chunk[c] as number;
      if (state[a] !== AVAILABLE) continue;
      state[a] = KEPT;
      const i = rest[a] as number;
      picks.push(i);
      for (let b = 0, row = c * m; b < m; b++) {
        if (state[b] !== AVAILABLE) continue;
        const s = beta * (rows[row + b] as number) + (beta < 1 && near(i, rest[b] as number) ? 1 - beta : 0);
        if (s > edgeThreshold) state[b] = SUPPRESSED;
      }
    }
  }
  const kept = picks.length;
  // Ran dry: the best leftovers by debiased attention, i.e. suppressed tokens in visiting order.
  for (let a = 0; a < m && picks.length < want; a++) if (state[a] === SUPPRESSED) picks.push(rest[a] as number);
  return { picks, kept, rows: rowsComputed };
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
    let misKept = 0;
    let rowsComputed = 0;
    if (selected.length < ctx.budget) {
      const place = placeTokens(ctx.views, ctx.n);
      const near = (i: number, j: number) =>
        place.view[i] === place.view[j] &&
        Math.max(Math.abs((place.row[i] as number) - (place.row[j] as number)), Math.abs((place.col[i] as number) - (place.col[j] as number))) <= spatialRadius;
      const hidden = requireSignal(ctx.signals, 'hiddenStates');
      const independent = yield* greedyIndependentSet(hidden, ctx.d, rest, ctx.budget - selected.length, { beta, edgeThreshold, near });
      misKept = independent.kept;
      rowsComputed = independent.rows;
      selected.push(...independent.picks);
    }
    return {
      selected: Int32Array.from(selected),
      scores: debiased,
      info: { pivots: pivotCount, independent: misKept, filled: selected.length - pivotCount - misKept, similarityRows: rowsComputed },
    };
  },
});
