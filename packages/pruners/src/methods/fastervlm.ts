/**
 * FasterVLM (arXiv 2412.01818 v1, "[CLS] Attention is All You Need for Training-Free Visual Token Pruning";
 * later versions of that arXiv entry grew into VisPruner): keep
 * the top k visual tokens by the vision tower's CLS->patch attention (heads averaged), before the projector.
 * Choices: global ranking across views (LLaVA-NeXT: every crop's CLS row is a softmax over its own 576 patches,
 * so the values are comparable) [choice]; positions compact, as the pruned sequence enters the LLM [choice].
 */
import { z } from 'zod';
import { defineMethod } from '../define.ts';
import { topKSet } from '../linalg/select.ts';
import { requireSignal } from '../signals.ts';

export const fastervlm = defineMethod({
  id: 'fastervlm',
  stage: 'vision',
  needs: ['clsAttention'],
  needsFor: () => ['clsAttention'],
  readsTokens: () => false,
  positions: 'compact',
  merges: false,
  params: z.strictObject({}),
  paper: 'arXiv 2412.01818 (FasterVLM)',
  run(ctx) {
    const attention = requireSignal(ctx.signals, 'clsAttention');
    return { selected: topKSet(attention, ctx.candidates, ctx.budget), scores: attention };
  },
});
