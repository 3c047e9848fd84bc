import type { ModelManifest } from '../model/manifest.ts';

/**
 * Multiply-accumulates count as 2 FLOPs. Per decoder layer over T tokens: Q/K/V/O projections, the gated MLP
 * (3 matrices) and attention scores plus weighted sum over a causal T x T pattern (counted in full, T^2, as the
 * FastV-style estimates do). The LM head runs on the last token only.
 */
export function layerFlops(llm: ModelManifest['llm'], tokens: number): number {
  const { hiddenSize: d, numHeads, numKvHeads, headDim, intermediateSize } = llm;
  const projections = 2 * tokens * d * headDim * (2 * numHeads + 2 * numKvHeads);
  const mlp = 2 * tokens * 3 * d * intermediateSize;
  const attention = 2 * 2 * tokens * tokens * numHeads * headDim;
  return projections + mlp + attention;
}

/** LLM prefill FLOPs when layers < K see `headTokens` tokens and layers >= K see `tailTokens`. */
export function prefillFlops(llm: ModelManifest['llm'], headTokens: number, tailTokens: number): number {
  const k = llm.pruneLayer;
  return k * layerFlops(llm, headTokens) + (llm.numLayers - k) * layerFlops(llm, tailTokens) + 2 * llm.hiddenSize * llm.vocabSize;
}
