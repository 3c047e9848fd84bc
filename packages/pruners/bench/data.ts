/**
 * Synthetic inputs for the benchmark: clustered tokens (cosines from ~0.5 to ~0.9 inside a cluster, ~0 across,
 * so that G-Prune's and D2Pruner's thresholds cut real edges), every signal any method needs, written both as
 * a PruneInput and as float32 .bin files plus meta.json for bench/torch_ref.py.
 */
import { closeSync, mkdirSync, openSync, readFileSync, readSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Layout, PruneInput, Signals } from '../src/index.ts';

export const D_CLIP = 768;
export const N_TEXT = 32;

function normals(seed: number): () => number {
  let state = seed >>> 0;
  const uniform = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
}

function clustered(n: number, d: number, cluster: Int32Array, next: () => number, clusters: number): Float32Array {
  const centers = Float32Array.from({ length: clusters * d }, next);
  const noise = Float32Array.from({ length: clusters }, (_, c) => 0.3 + (0.7 * c) / clusters);
  const out = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    const c = cluster[i] as number;
    for (let k = 0; k < d; k++) out[i * d + k] = (centers[c * d + k] as number) + (noise[c] as number) * next();
  }
  return out;
}

export function layoutFor(n: number): Layout {
  if (n === 576) return { views: [{ offset: 0, rows: 24, cols: 24 }] };
  if (n === 2880) return { views: [{ offset: 0, rows: 24, cols: 24 }, { offset: 576, rows: 48, cols: 48 }] };
  throw new Error(`no bench layout for n = ${n}`);
}

export function makeInput(n: number, d: number, seed = 1): PruneInput {
  const next = normals(seed);
  const clusters = 48;
  const cluster = Int32Array.from({ length: n }, (_, i) => (i * 7 + Math.floor(i / 24)) % clusters);
  const positive = (length: number, ramp = 0) => Float32Array.from({ length }, (_, i) => Math.exp(next()) * (1 + ramp * i));
  const clipImageEmbeds = clustered(n, D_CLIP, cluster, next, clusters);
  return {
    tokens: clustered(n, d, cluster, next, clusters),
    n,
    d,
    layout: layoutFor(n),
    signals: {
      clsAttention: positive(n),
      clipImageEmbeds,
      clipTextEmbed: clipImageEmbeds.slice(5 * D_CLIP, 6 * D_CLIP),
      dClip: D_CLIP,
      textInputEmbeds: Float32Array.from({ length: N_TEXT * d }, next),
      lastTokenAttention: positive(n, 0.01),
      attentionPrior: Float32Array.from({ length: n }, (_, i) => 1 + 0.01 * i),
      hiddenStates: clustered(n, d, cluster, next, clusters),
      textHiddenStates: Float32Array.from({ length: N_TEXT * d }, next),
      nText: N_TEXT,
      keyNorms: positive(n + N_TEXT),
    },
  };
}

const ARRAYS = ['tokens', 'clsAttention', 'clipImageEmbeds', 'clipTextEmbed', 'textInputEmbeds', 'lastTokenAttention',
  'attentionPrior', 'hiddenStates', 'textHiddenStates', 'keyNorms'] as const;

function arrayOf(input: PruneInput, name: (typeof ARRAYS)[number]): Float32Array {
  const value = name === 'tokens' ? input.tokens : input.signals?.[name];
  if (!value) throw new Error(`bench input lacks ${name}`);
  return value;
}

export function writeInput(dir: string, input: PruneInput): void {
  mkdirSync(dir, { recursive: true });
  for (const name of ARRAYS) {
    const a = arrayOf(input, name);
    writeFileSync(join(dir, `${name}.bin`), new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  }
  const meta = { n: input.n, d: input.d, dClip: D_CLIP, nText: N_TEXT, views: input.layout.views, alwaysKeep: input.layout.alwaysKeep ?? [], arrays: ARRAYS };
  writeFileSync(join(dir, 'meta.json'), JSON.stringify(meta));
}

/**
 * The input written by `writeInput`. With `only`, the signals not listed are left out, as a worker that runs one
 * method only holds what it needs: peak.ts uses this so that unrelated signals (hiddenStates alone is 47 MB at
 * 2880 x 4096) do not count towards a method's process peak.
 */
export function readInput(dir: string, only?: readonly string[]): PruneInput {
  const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as { n: number; d: number; views: Layout['views']; alwaysKeep: number[] };
  // Read straight into the Float32Array: no transient copy inflating the peak-RSS baseline.
  const load = (name: string) => {
    const path = join(dir, `${name}.bin`);
    const out = new Float32Array(statSync(path).size / 4);
    const fd = openSync(path, 'r');
    try {
      const bytes = new Uint8Array(out.buffer);
      for (let done = 0; done < bytes.length; ) done += readSync(fd, bytes, done, bytes.length - done, done);
    } finally {
      closeSync(fd);
    }
    return out;
  };
  const signals: Signals = { dClip: D_CLIP, nText: N_TEXT };
  const names = ['clsAttention', 'clipImageEmbeds', 'clipTextEmbed', 'textInputEmbeds', 'lastTokenAttention', 'attentionPrior',
    'hiddenStates', 'textHiddenStates', 'keyNorms'] as const;
  for (const name of names) if (!only || only.includes(name)) signals[name] = load(name);
  return { tokens: load('tokens'), n: meta.n, d: meta.d, layout: { views: meta.views, alwaysKeep: meta.alwaysKeep }, signals };
}
