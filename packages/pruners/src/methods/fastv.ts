/**
 * FastV (arXiv 2403.06764, "An Image is Worth 1/2 Tokens After Layer 2"): at LLM layer K-1 take the attention
 * of the last prompt token to each visual token (heads averaged), keep the top k, and drop the rest from layer
 * K on (K = 2 in the paper). Positions preserved, as in common toolkits.
 * Choices: the ranking is global across views (LLaVA-NeXT) [choice]; ties go to the earlier token.
 */
import { z } from 'zod';
import { defineMethod } from '../define.ts';
import { topKSet } from '../linalg/select.ts';
import { requireSignal } from '../signals.ts';

export const fastv = defineMethod({
  id: 'fastv',
  stage: 'llm-layer',
  needs: ['lastTokenAttention'],
  needsFor: () => ['lastTokenAttention'],
  readsTokens: () => false,
  positions: 'preserve',
  merges: false,
  params: z.strictObject({}),
  paper: 'arXiv 2403.06764 (FastV, ECCV 2024)',
  run(ctx) {
    const attention = requireSignal(ctx.signals, 'lastTokenAttention');
    return { selected: topKSet(attention, ctx.candidates, ctx.budget), scores: attention };
  },
});
