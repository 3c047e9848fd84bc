import type { z } from 'zod';
import type { LinalgRequest } from './linalg/backend.ts';

/** Where in the pipeline a method runs (see the architecture doc). */
export type Stage = 'vision' | 'llm-input' | 'llm-layer';

/** Whether kept tokens keep their original RoPE positions or are renumbered 0..k-1. */
export type PositionPolicy = 'preserve' | 'compact';

/**
 * One raster view of visual tokens: the token at grid cell (r, c) is `offset + r * rowStride + c`.
 * `rowStride` defaults to `cols`; LLaVA-NeXT's high-res grid has a newline token after each row, so there
 * `rowStride = cols + 1` and the newline indices go into `Layout.alwaysKeep`.
 */
export interface View {
  offset: number;
  rows: number;
  cols: number;
  rowStride?: number;
}

/** Views plus tokens that are never pruned (newlines). Views and alwaysKeep must partition 0..n-1 exactly. */
export interface Layout {
  views: View[];
  alwaysKeep?: number[];
}

/** Every side signal a method may need. Shapes and the stage that provides each: `SIGNALS` in signals.ts. */
export type SignalName =
  | 'clsAttention'
  | 'patchFeatures'
  | 'clipImageEmbeds'
  | 'clipTextEmbed'
  | 'textInputEmbeds'
  | 'lastTokenAttention'
  | 'attentionPrior'
  | 'hiddenStates'
  | 'textHiddenStates'
  | 'keyNorms';

/**
 * Side signals, all float32, row-major. Per-token signals are aligned one-to-one with the n input tokens; their
 * entries at `alwaysKeep` positions (newlines, which no tower produces) are ignored: fill them with 0.
 */
export interface Signals {
  /** [n] vision tower: CLS->patch attention of the last block, heads averaged. */
  clsAttention?: Float32Array;
  /** [n * dPatch] vision tower: pre-projector patch features. */
  patchFeatures?: Float32Array;
  dPatch?: number;
  /** [n * dClip] vision tower: patch features in CLIP joint space (post-LN + visual projection). */
  clipImageEmbeds?: Float32Array;
  /** [dClip] CLIP text tower: embedding of the question. */
  clipTextEmbed?: Float32Array;
  dClip?: number;
  /** [nText * d] LLM token embedding (embed_tokens) of the question tokens. */
  textInputEmbeds?: Float32Array;
  /** [n] decoder head, layer K-1: last prompt token's attention over the visual tokens, heads averaged. */
  lastTokenAttention?: Float32Array;
  /** [n] offline positional prior: lastTokenAttention averaged over many images with one generic prompt. */
  attentionPrior?: Float32Array;
  /** [n * d] decoder head: visual hidden states entering layer K. */
  hiddenStates?: Float32Array;
  /** [nText * d] decoder head: hidden states entering layer K of the text tokens after the image. */
  textHiddenStates?: Float32Array;
  nText?: number;
  /** [n + nText] decoder head, layer K-1: L1 norm of keys (heads concatenated), visual tokens then text tokens. */
  keyNorms?: Float32Array;
}

export interface PruneInput {
  /** [n * d] row-major visual tokens as the method's stage sees them. */
  tokens: Float32Array;
  n: number;
  d: number;
  layout: Layout;
  signals?: Signals;
}

export interface PruneOptions {
  /** Tokens kept in total, alwaysKeep included. */
  keep: number;
  params?: Record<string, unknown>;
  seed?: number;
  /**
   * Merging methods: pack every kept token's features into `result.tokens` (default true). False skips that
   * copy (keep.length * d floats, ~10 MB at 640 of 2880 tokens of 4096) for callers that need only the kept
   * indices and the merged tokens' new features, which `result.merged` always carries.
   */
  packTokens?: boolean;
}

export type InfoValue = string | number | boolean;

export interface PruneResult {
  /** Sorted, unique kept indices, alwaysKeep included; length = keep. */
  keep: Int32Array;
  /** Merging methods only: [keep.length * d] features of the kept tokens, in the order of `keep`. */
  tokens?: Float32Array;
  /** Merging methods only: the kept tokens whose features the method replaced, and their new features [m * d]. */
  merged?: { indices: Int32Array; features: Float32Array };
  /** [n] the method's per-token score where it has one (higher = more worth keeping). */
  scores?: Float32Array;
  /** Which variant ran and other facts worth recording with the result. */
  info: Record<string, InfoValue>;
}

/** A view with its row stride resolved. */
export type ResolvedView = Required<View>;

/** What a method sees: validated input, resolved layout, parsed params. */
export interface MethodContext<P> {
  readonly tokens: Float32Array;
  readonly n: number;
  readonly d: number;
  readonly views: readonly ResolvedView[];
  readonly alwaysKeep: Int32Array;
  /** View tokens in view order, raster order within a view: everything that may be pruned. */
  readonly candidates: Int32Array;
  /** How many of the candidates to select: keep - alwaysKeep.length. */
  readonly budget: number;
  readonly params: P;
  readonly seed: number;
  readonly signals: Signals;
  readonly dims: { readonly dPatch: number; readonly dClip: number; readonly nText: number };
  /** False when the method deferred the tokens' NaN/Infinity scan (readsTokens 'deferred') and must confirm it. */
  readonly tokensChecked: boolean;
}

/** What a method returns; the driver adds alwaysKeep, sorts and assembles merged features. */
export interface MethodOutput {
  /** Exactly `budget` distinct candidate indices, any order. */
  selected: Int32Array;
  /** Merging methods: replaced features for some selected indices (rows of `features`, d wide). */
  merged?: { indices: Int32Array; features: Float32Array };
  scores?: Float32Array;
  info?: Record<string, InfoValue>;
}

/**
 * A method is a generator: it yields the O(n^2 d) linear algebra it needs and receives the result, so the same
 * code runs synchronously on the pure-TS backend and asynchronously on an injected one (onnxruntime, a GPU).
 */
export type MethodRun = Generator<LinalgRequest, MethodOutput, Float32Array>;

export interface MethodSpec<S extends z.ZodObject = z.ZodObject> {
  readonly id: string;
  readonly stage: Stage;
  /** Signals needed with the default params. */
  readonly needs: readonly SignalName[];
  /** Signals needed with these params (variants may need other signals than the default). */
  needsFor(params: z.output<S>): readonly SignalName[];
  /**
   * Whether `tokens` is read with these params (only then is it scanned for NaN/Infinity). 'deferred': read, but
   * the method proves finiteness itself with `confirmFiniteTokens` (from a product that reads every token anyway),
   * so the separate O(n d) scan runs only where it cannot.
   */
  readsTokens(params: z.output<S>): boolean | 'deferred';
  readonly positions: PositionPolicy;
  /** True when the result carries new features (`tokens`), not only indices. */
  readonly merges: boolean;
  /** Strict schema: unknown keys are an error; every unpublished choice has a default. */
  readonly params: S;
  readonly paper: string;
  /** Plain methods return their output; those that need the similarity products are generators (MethodRun). */
  run(ctx: MethodContext<z.output<S>>): MethodRun | MethodOutput;
}
