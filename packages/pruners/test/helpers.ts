import type { Layout, PruneInput, Signals } from '../src/index.ts';

/** Deterministic uniform numbers in [-0.5, 0.5). */
export function rng(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296 - 0.5;
  };
}

export function randomArray(length: number, next: () => number): Float32Array {
  return Float32Array.from({ length }, next);
}

export function gridLayout(rows: number, cols: number): Layout {
  return { views: [{ offset: 0, rows, cols }] };
}

/** LLaVA-NeXT shape in miniature: a base view, then a high-res grid with a newline after each row. */
export function nextLayout(base: number, rows: number, cols: number): { layout: Layout; n: number } {
  const offset = base * base;
  const alwaysKeep = Array.from({ length: rows }, (_, r) => offset + r * (cols + 1) + cols);
  return {
    layout: { views: [{ offset: 0, rows: base, cols: base }, { offset, rows, cols, rowStride: cols + 1 }], alwaysKeep },
    n: offset + rows * (cols + 1),
  };
}

export const D_CLIP = 4;
export const N_TEXT = 3;

/** Every signal any method needs, random but valid, for n tokens of width d. */
export function allSignals(n: number, d: number, next: () => number): Signals {
  const positive = (length: number) => Float32Array.from({ length }, () => next() + 0.6);
  return {
    clsAttention: positive(n),
    clipImageEmbeds: randomArray(n * D_CLIP, next),
    clipTextEmbed: randomArray(D_CLIP, next),
    dClip: D_CLIP,
    textInputEmbeds: randomArray(N_TEXT * d, next),
    lastTokenAttention: positive(n),
    attentionPrior: positive(n),
    hiddenStates: randomArray(n * d, next),
    textHiddenStates: randomArray(N_TEXT * d, next),
    nText: N_TEXT,
    keyNorms: positive(n + N_TEXT),
  };
}

export function randomInput(n: number, d: number, layout: Layout, seed: number): PruneInput {
  const next = rng(seed);
  return { tokens: randomArray(n * d, next), n, d, layout, signals: allSignals(n, d, next) };
}

/** Unit vector at `degrees` in the plane, padded with zeros to width d. */
export function angle(degrees: number, d = 2, norm = 1): number[] {
  const rad = (degrees * Math.PI) / 180;
  const v = new Array<number>(d).fill(0);
  v[0] = norm * Math.cos(rad);
  v[1] = norm * Math.sin(rad);
  return v;
}

export function rowsOf(vectors: number[][]): Float32Array {
  return Float32Array.from(vectors.flat());
}

export const list = (a: Int32Array): number[] => Array.from(a);
