import { getMethod, pruneAsync, requiredSignals, type AsyncLinalgBackend, type LinalgBackend, type MethodSpec, type PruneResult, type SignalName, type Signals } from '@prunebench/pruners';
import { WorkerInputError } from '../errors.ts';
import type { LoadedModel } from '../model/load.ts';
import type { FloatTensor } from '../onnx/session.ts';
import { loadRgb } from '../preprocess/image.ts';
import { prefillFlops } from './flops.ts';
import { resolveKeep, type KeepSpec } from './keep.ts';
import { argmaxLast, commit, cutAtStop, embedIds, greedyDecode, newSpan, presents, runSpan } from './llm.ts';
import { buildPrompt } from './prompt.ts';
import { checkSignals, earlySignals, LAYER_SIGNALS, layerSignals } from './signals.ts';
import { concatRows, gatherRows, keptRows, positionsFor, sliceKv, sliceSequence } from './splice.ts';
import { projectKept, runVision, sequenceRows } from './visual.ts';

export type PositionPolicy = 'preserve' | 'compact';

export interface EvalSetting {
  /** A pruners method id, or 'none' for the full-token reference. */
  method: string;
  keep: KeepSpec;
  /** Default: the method's own `positions`. */
  policy?: PositionPolicy;
  params?: Record<string, unknown>;
  seed?: number;
}

export interface InferenceTimings {
  preprocessMs: number;
  visionMs: number;
  pruneMs: number;
  /** LLM prefill: decoder head + tail over the prompt (pruner compute excluded). */
  prefillMs: number;
  decodeMs: number;
  totalMs: number;
}

export interface InferenceResult {
  prediction: string;
  promptText: string;
  generatedIds: number[];
  tokensBefore: number;
  keptCount: number;
  keptIndices: number[];
  flops: number;
  /** FLOPs of the same prompt with every visual token (for speedup ratios). */
  fullFlops: number;
  /**
   * Prompt sequence length (text + visual tokens) seen by the decoder head and by the tail, and the text tokens
   * before (`prefix`, BOS included) and after (`suffix`) the visual block.
   */
  sequence: { full: number; head: number; tail: number; prefix: number; suffix: number };
  /** RoPE position ids fed over the prompt to the decoder head and to the tail (they differ at the llm-layer stage). */
  positions: { head: number[]; tail: number[] };
  timings: InferenceTimings;
  policy: PositionPolicy;
  preprocess: string;
  layoutKey: string;
  info: Record<string, string | number | boolean>;
}

export interface InferOptions {
  maxNewTokens: number;
  /** Backend for the pruners' O(n^2 d) similarity products (pure TS when absent). */
  linalg?: AsyncLinalgBackend | LinalgBackend;
}

const now = (): number => performance.now();

function resolveMethod(setting: EvalSetting): MethodSpec | undefined {
  if (setting.method === 'none') return undefined;
  try {
    return getMethod(setting.method);
  } catch (error) {
    throw new WorkerInputError('method', error instanceof Error ? error.message.replace(/^method: /, '') : String(error));
  }
}

/** Runs one image + question through the model with the setting's pruning; no scoring. */
export async function inferSample(model: LoadedModel, imagePath: string, question: string, setting: EvalSetting, opts: InferOptions): Promise<InferenceResult> {
  const { manifest, runtime } = model;
  const width = manifest.llm.hiddenSize;
  const method = resolveMethod(setting);
  const needs = (method ? requiredSignals(method.id, setting.params) : []) as SignalName[];
  if (method) {
    checkSignals(model, method.id, needs);
    const early = needs.filter((s) => LAYER_SIGNALS.has(s));
    if (method.stage !== 'llm-layer' && early.length > 0) {
      throw new WorkerInputError('method', `${method.id} runs at the ${method.stage} stage but needs ${early.join(', ')}, which only the decoder head provides`);
    }
  }
  const policy: PositionPolicy = setting.policy ?? method?.positions ?? 'preserve';
  const t0 = now();

  const image = await loadRgb(imagePath);
  const plan = await runtime.family.plan(image, manifest);
  const prompt = buildPrompt(manifest, runtime.tokenizer, runtime.bosId, question);
  const t1 = now();
  const vision = await runVision(runtime, plan, manifest);
  const t2 = now();

  const n = plan.source.length;
  const alwaysKeep = plan.layout.alwaysKeep?.length ?? 0;
  const keep = resolveKeep(setting.keep, n, alwaysKeep);
  const all = Int32Array.from({ length: n }, (_, i) => i);
  let pruneMs = 0;
  let info: Record<string, string | number | boolean> = {};
  const prune = async (tokens: Float32Array, d: number, signals: Signals): Promise<PruneResult> => {
    if (!method) throw new Error('prune without a method');
    const start = now();
    const result = await pruneAsync(
      method.id,
      { tokens, n, d, layout: plan.layout, signals },
      { keep, ...(setting.params ? { params: setting.params } : {}), ...(setting.seed !== undefined ? { seed: setting.seed } : {}) },
      opts.linalg ?? runtime.linalg,
    );
    pruneMs += now() - start;
    info = { ...result.info };
    return result;
  };
  const earlyNeeds = needs.filter((s) => !LAYER_SIGNALS.has(s));
  const signals = method && earlyNeeds.length > 0 ? await earlySignals(earlyNeeds, { model, plan, vision, question, questionIds: prompt.questionIds }) : {};

  // Stage 1 (vision): prune the tower's features before the projector; merging methods hand back new features.
  let kept: Int32Array = all;
  let visual: Float32Array;
  const patchSequence = sequenceRows(plan, vision.patchRows, vision.dPatch);
  if (method?.stage === 'vision') {
    const result = await prune(patchSequence, vision.dPatch, signals);
    kept = result.keep;
    const features = result.tokens ?? gatherRows(patchSequence, vision.dPatch, kept);
    visual = await projectKept(runtime, plan, kept, features, vision.dPatch, width);
  } else {
    visual = await projectKept(runtime, plan, all, patchSequence, vision.dPatch, width);
    // Stage 2 (llm-input): prune the projected tokens.
    if (method?.stage === 'llm-input') {
      const result = await prune(visual, width, signals);
      kept = result.keep;
      visual = result.tokens ?? gatherRows(visual, width, kept);
    }
  }

  const prefix = prompt.prefixIds.length;
  const suffix = prompt.suffixIds.length;
  const textEmbeds = await embedIds(runtime, [...prompt.prefixIds, ...prompt.suffixIds], width);
  const sequence = concatRows([textEmbeds.subarray(0, prefix * width), visual, textEmbeds.subarray(prefix * width)]);
  const fullLength = prefix + n + suffix;
  const originalPositions = Array.from({ length: fullLength }, (_, i) => i);
  const rows = keptRows(prefix, n, suffix, kept);
  const headPositions = positionsFor(policy, originalPositions, rows);

  const head = newSpan(runtime.graphs.decoderHead, manifest, 0, manifest.llm.pruneLayer);
  const tail = newSpan(runtime.graphs.decoderTail, manifest, manifest.llm.pruneLayer, manifest.llm.numLayers);
  const t3 = now();
  const headExtra = method?.stage === 'llm-layer' ? needs.filter((s) => s === 'lastTokenAttention' || s === 'keyNorms').map((s) => (s === 'keyNorms' ? 'key_norms' : 'last_token_attention')) : [];
  const headOut = await runSpan(head, { data: sequence, dims: [1, rows.length, width] }, headPositions, headExtra);
  let hidden = headOut.hidden_states as FloatTensor;
  let headCache = presents(head, headOut);
  let tailPositions = headPositions;
  const headTokens = rows.length;

  // Stage 3 (llm-layer): prune between head and tail, slicing hidden states and the head's cache alike.
  if (method?.stage === 'llm-layer') {
    const layer = layerSignals(needs, { hidden, headOutputs: headOut, prefix, visual: n, suffix });
    const result = await prune(
      gatherRows(hidden.data, width, Array.from({ length: n }, (_, i) => prefix + i)),
      width,
      { ...signals, ...layer },
    );
    kept = result.keep;
    const tailRows = keptRows(prefix, n, suffix, kept);
    hidden = sliceSequence(hidden, tailRows);
    headCache = Object.fromEntries(Object.entries(headCache).map(([name, tensor]) => [name, sliceKv(tensor, tailRows)]));
    tailPositions = positionsFor(policy, originalPositions, tailRows);
  }
  commit(head, headCache, headPositions[headPositions.length - 1] ?? -1);
  const tailOut = await runSpan(tail, hidden, tailPositions);
  commit(tail, presents(tail, tailOut), tailPositions[tailPositions.length - 1] ?? -1);
  const firstToken = argmaxLast(tailOut.logits as FloatTensor);
  const t4 = now();

  const generatedIds = await greedyDecode(runtime, width, head, tail, firstToken, {
    maxNewTokens: opts.maxNewTokens,
    stopIds: runtime.stopIds,
    stopStrings: runtime.stopStrings,
    decode: (ids) => runtime.tokenizer.decode(ids),
  });
  const t5 = now();
  const prediction = cutAtStop(runtime.tokenizer.decode(generatedIds), runtime.stopStrings).trim();

  return {
    prediction,
    promptText: prompt.text,
    generatedIds,
    tokensBefore: n,
    keptCount: kept.length,
    keptIndices: Array.from(kept),
    flops: prefillFlops(manifest.llm, headTokens, hidden.dims[1] ?? 0),
    fullFlops: prefillFlops(manifest.llm, fullLength, fullLength),
    sequence: { full: fullLength, head: headTokens, tail: hidden.dims[1] ?? 0, prefix, suffix },
    positions: { head: headPositions, tail: tailPositions },
    timings: {
      preprocessMs: t1 - t0,
      visionMs: t2 - t1,
      pruneMs,
      prefillMs: t4 - t3 - (method?.stage === 'llm-layer' ? pruneMs : 0),
      decodeMs: t5 - t4,
      totalMs: t5 - t0,
    },
    policy,
    preprocess: plan.variant,
    layoutKey: plan.layoutKey,
    info,
  };
}
