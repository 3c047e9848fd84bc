/**
 * GridPrune (arXiv 2511.10081), "guide globally, select locally": the query decides how much of the budget
 * each zone of the grid gets; inside a zone, relevance and saliency decide which tokens.
 * 1. Relevance r_i = cos(g(h_i), t): CLIP-space patch embedding against the CLIP text embedding [3p].
 * 2. Split each view's grid into zones of `zoneSize` x `zoneSize` tokens (edge zones smaller) [paper; size: choice].
 * 3. Zone relevance = mean r_i in the zone [choice]; shares P_j = softmax(rbar_j / temperature) [3p; the
 *    temperature is ours: CLIP cosines sit in a narrow band and make P nearly uniform].
 * 4. Integer budgets k_j from k * P_j by largest remainder, capped at zone size, overflow to zones with room in
 *    order of P_j, summing to exactly k [choice].
 * 5. Local score s_i = (1 - alpha) * (r_i + 1) / 2 + alpha * minmax(a)_i, a = CLS attention [3p; alpha and the
 *    min-max are choices]; keep the top k_j of each zone.
 * 6. Multi-view (LLaVA-NeXT): per view with the budget split by view size (default) or one global set of zones
 *    (`scope: 'global'`); min-max of the attention is taken over the same scope [choice].
 * 7. `relevance: 'llm-embed'` for families without a CLIP text tower [choice]: r_i = cosine of each LLM-input
 *    token with the mean LLM input embedding of the question tokens. The variant that ran is in result.info.
 */
import { z } from 'zod';
import { defineMethod } from '../define.ts';
import { cellIndex, viewSize } from '../layout.ts';
import { apportion } from '../linalg/apportion.ts';
import { topKSet } from '../linalg/select.ts';
import { cosine, minMax, softmax } from '../linalg/stats.ts';
import { requireSignal } from '../signals.ts';
import type { MethodContext, ResolvedView, SignalName } from '../types.ts';

const params = z.strictObject({
  relevance: z.enum(['clip', 'llm-embed']).default('clip'),
  zoneSize: z.int().min(1).default(2),
  temperature: z.number().positive().default(1),
  alpha: z.number().min(0).max(1).default(0.5),
  scope: z.enum(['per-view', 'global']).default('per-view'),
});
type Params = z.output<typeof params>;

function signalsFor(p: Pick<Params, 'relevance'>): SignalName[] {
  return p.relevance === 'clip' ? ['clipImageEmbeds', 'clipTextEmbed', 'clsAttention'] : ['textInputEmbeds', 'clsAttention'];
}

/** r_i for every candidate (0 elsewhere). */
function relevanceScores(ctx: MethodContext<Params>): Float32Array {
  const r = new Float32Array(ctx.n);
  if (ctx.params.relevance === 'clip') {
    const images = requireSignal(ctx.signals, 'clipImageEmbeds');
    const text = requireSignal(ctx.signals, 'clipTextEmbed');
    const dClip = ctx.dims.dClip;
    for (const i of ctx.candidates) r[i] = cosine(images, i * dClip, text, 0, dClip);
    return r;
  }
  const words = requireSignal(ctx.signals, 'textInputEmbeds');
  const { d } = ctx;
  const nText = ctx.dims.nText;
  const query = new Float32Array(d);
  for (let w = 0; w < nText; w++) for (let k = 0; k < d; k++) query[k] = (query[k] as number) + (words[w * d + k] as number) / nText;
  for (const i of ctx.candidates) r[i] = cosine(ctx.tokens, i * d, query, 0, d);
  return r;
}

/** The zones of one view, each as its token indices. */
function zonesOf(view: ResolvedView, size: number): Int32Array[] {
  const zones: Int32Array[] = [];
  for (let r0 = 0; r0 < view.rows; r0 += size) {
    for (let c0 = 0; c0 < view.cols; c0 += size) {
      const rows = Math.min(size, view.rows - r0);
      const cols = Math.min(size, view.cols - c0);
      const zone = new Int32Array(rows * cols);
      let t = 0;
      for (let r = r0; r < r0 + rows; r++) for (let c = c0; c < c0 + cols; c++) zone[t++] = cellIndex(view, r, c);
      zones.push(zone);
    }
  }
  return zones;
}

/** Budget the zones by softmax of mean relevance, then keep each zone's best tokens by local score. */
function selectInZones(zones: Int32Array[], budget: number, r: Float32Array, score: Float32Array, temperature: number): number[] {
  const logits = zones.map((zone) => {
    let sum = 0;
    for (const i of zone) sum += r[i] as number;
    return sum / zone.length / temperature;
  });
  const shares = apportion(budget, softmax(logits), zones.map((zone) => zone.length));
  const selected: number[] = [];
  zones.forEach((zone, j) => selected.push(...topKSet(score, zone, shares[j] as number)));
  return selected;
}

export const gridprune = defineMethod({
  id: 'gridprune',
  stage: 'llm-input',
  needs: signalsFor({ relevance: 'clip' }),
  needsFor: signalsFor,
  readsTokens: (p) => p.relevance === 'llm-embed',
  positions: 'compact',
  merges: false,
  params,
  paper: 'arXiv 2511.10081 (GridPrune)',
  run(ctx) {
    const { zoneSize, temperature, alpha, scope, relevance } = ctx.params;
    const r = relevanceScores(ctx);
    const attention = requireSignal(ctx.signals, 'clsAttention');
    const score = new Float32Array(ctx.n);
    const scoreScope = (tokens: Int32Array) => {
      const a = minMax(attention, tokens, ctx.n);
      for (const i of tokens) score[i] = (1 - alpha) * (((r[i] as number) + 1) / 2) + alpha * (a[i] as number);
    };
    const selected: number[] = [];
    if (scope === 'global') {
      scoreScope(ctx.candidates);
      selected.push(...selectInZones(ctx.views.flatMap((view) => zonesOf(view, zoneSize)), ctx.budget, r, score, temperature));
    } else {
      const sizes = ctx.views.map(viewSize);
      const viewBudgets = apportion(ctx.budget, sizes, sizes);
      ctx.views.forEach((view, v) => {
        const zones = zonesOf(view, zoneSize);
        const tokens = Int32Array.from(zones.flatMap((zone) => [...zone]));
        scoreScope(tokens);
        selected.push(...selectInZones(zones, viewBudgets[v] as number, r, score, temperature));
      });
    }
    return { selected: Int32Array.from(selected), scores: score, info: { relevance, scope, zoneSize } };
  },
});
