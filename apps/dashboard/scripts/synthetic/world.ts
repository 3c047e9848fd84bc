/**
 * A synthetic "world" of sweeps for the dashboard's fixture seed and its 1M-row benchmark: models, benchmarks,
 * method settings, and deterministic per-sample outcomes. Numbers are invented (a method's retention decays with
 * the budget at a method-specific rate); everything written from here is labelled as a fixture.
 */
export interface SynthModel {
  name: string;
  family: 'llava-1.5' | 'llava-next';
  grid: number;
  tokensBefore: number;
  budgets: number[];
  prefillMsFull: number;
  flopsFull: number;
}

export interface SynthBenchmark {
  name: string;
  kind: 'vqa' | 'loc';
  metric: string;
  samples: number;
  /** Full-token accuracy of each model on it. */
  fullAccuracy: number;
}

export interface SynthMethod {
  id: string;
  /** Fraction of performance lost at the tightest budgets; larger = worse method. */
  drop: number;
  /** How strongly its kept tokens concentrate on the object (0 = spread out). */
  focus: number;
  policies: readonly ('default' | 'preserve' | 'compact')[];
}

export const FULL_METHOD = 'full';

export const METHODS: readonly SynthMethod[] = [
  { id: 'gridprune', drop: 0.1, focus: 0.85, policies: ['default', 'compact'] },
  { id: 'd2pruner', drop: 0.12, focus: 0.8, policies: ['default'] },
  { id: 'visionzip', drop: 0.14, focus: 0.7, policies: ['default'] },
  { id: 'gprune', drop: 0.17, focus: 0.55, policies: ['default'] },
  { id: 'divprune', drop: 0.18, focus: 0.3, policies: ['default'] },
  { id: 'fastervlm', drop: 0.22, focus: 0.6, policies: ['default'] },
  { id: 'fastv', drop: 0.4, focus: 0.45, policies: ['default'] },
  { id: 'uniform', drop: 0.3, focus: 0, policies: ['default'] },
  { id: 'random', drop: 0.28, focus: 0, policies: ['default'] },
];

/** Deterministic uniform in [0, 1) from any key: the same sample always gets the same outcome. */
export function hashUniform(key: string): number {
  let h = 2166136261;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  h ^= h >>> 13;
  h = Math.imul(h, 0x5bd1e995);
  h ^= h >>> 15;
  return (h >>> 0) / 4294967296;
}

export interface SampleScene {
  /** Object centre and half-size, normalised to the image. */
  cx: number;
  cy: number;
  half: number;
  color: string;
  shape: 'circle' | 'square' | 'triangle';
}

export const COLORS = ['red', 'green', 'blue', 'yellow', 'purple', 'orange'] as const;
const SHAPES = ['circle', 'square', 'triangle'] as const;

export function sceneOf(benchmark: string, index: number): SampleScene {
  const u = (salt: string) => hashUniform(`${benchmark}/${index}/${salt}`);
  const half = 0.07 + 0.12 * u('size');
  return {
    cx: half + (1 - 2 * half) * u('x'),
    cy: half + (1 - 2 * half) * u('y'),
    half,
    color: COLORS[Math.floor(u('color') * COLORS.length)] ?? 'red',
    shape: SHAPES[Math.floor(u('shape') * SHAPES.length)] ?? 'circle',
  };
}

export function sampleId(benchmark: string, index: number): string {
  return `${benchmark}-${String(index).padStart(5, '0')}`;
}

export function questionOf(benchmark: SynthBenchmark, scene: SampleScene): { question: string; answer: string } {
  if (benchmark.kind === 'vqa') return { question: `What color is the ${scene.shape}? Answer with one word.`, answer: scene.color };
  const box = [scene.cx - scene.half, scene.cy - scene.half, scene.cx + scene.half, scene.cy + scene.half].map((v) => Number(v.toFixed(2)));
  return { question: `Give the bounding box of the ${scene.color} ${scene.shape} as [x1, y1, x2, y2].`, answer: JSON.stringify(box) };
}

/** Expected relative performance at a keep ratio: 1 at full tokens, falling faster for weaker methods. */
export function retentionOf(method: SynthMethod, keepRatio: number, kind: SynthBenchmark['kind'], policy: string): number {
  const localisationPenalty = kind === 'loc' ? 1.4 : 1;
  const policyPenalty = policy === 'compact' && kind === 'loc' ? 1.5 : 1;
  return Math.max(0.05, 1 - method.drop * localisationPenalty * policyPenalty * Math.pow(1 - keepRatio, 1.6) * 1.9);
}

export interface Outcome {
  correct: boolean;
  answer: string;
  score: number;
  parsed: unknown;
}

export function outcomeOf(
  model: SynthModel,
  benchmark: SynthBenchmark,
  index: number,
  method: SynthMethod | null,
  keep: number,
  policy: string,
): Outcome {
  const scene = sceneOf(benchmark.name, index);
  const keepRatio = keep === 0 ? 1 : keep / model.tokensBefore;
  const p = benchmark.fullAccuracy * (method ? retentionOf(method, keepRatio, benchmark.kind, policy) : 1);
  // Hard samples fail for every method; the rest adds method-specific noise, so methods disagree on some samples.
  const difficulty = hashUniform(`${model.name}/${benchmark.name}/${index}/difficulty`);
  const noise = hashUniform(`${model.name}/${benchmark.name}/${index}/${method?.id ?? FULL_METHOD}/${keep}/${policy}`);
  const correct = 0.55 * difficulty + 0.45 * noise < p * 1.0;
  if (benchmark.kind === 'vqa') {
    const wrong = COLORS[(COLORS.indexOf(scene.color as (typeof COLORS)[number]) + 1 + Math.floor(noise * 4)) % COLORS.length] ?? 'gray';
    const answer = correct ? scene.color : wrong;
    return { correct, answer: `${answer[0]?.toUpperCase() ?? ''}${answer.slice(1)}.`, score: correct ? 1 : 0, parsed: answer };
  }
  const shift = correct ? 0.02 : scene.half * 2.2;
  const box = [scene.cx - scene.half + shift, scene.cy - scene.half, scene.cx + scene.half + shift, scene.cy + scene.half].map((v) =>
    Number(Math.min(1, Math.max(0, v)).toFixed(2)),
  );
  return { correct, answer: `[${box.join(', ')}]`, score: correct ? 1 : 0, parsed: box };
}

/** Kept token indices: object-focused methods pick tokens near the object, the floors spread evenly or at random. */
export function keptIndicesOf(model: SynthModel, benchmark: string, index: number, method: SynthMethod, keep: number): number[] {
  const n = model.tokensBefore;
  if (method.id === 'uniform') return Array.from({ length: keep }, (_, i) => Math.floor((i * n) / keep));
  const scene = sceneOf(benchmark, index);
  const grid = model.grid;
  const scored: { index: number; value: number }[] = [];
  for (let t = 0; t < n; t++) {
    const local = t % (grid * grid);
    const x = ((local % grid) + 0.5) / grid;
    const y = (Math.floor(local / grid) + 0.5) / grid;
    const distance = Math.hypot(x - scene.cx, y - scene.cy) / (scene.half * 2.5);
    const near = Math.exp(-distance * distance);
    const noise = hashUniform(`${benchmark}/${index}/${method.id}/${t}`);
    // FastV-like attention sinks favour the last rows of the grid.
    const sink = method.id === 'fastv' ? 0.35 * y * y : 0;
    scored.push({ index: t, value: method.focus * near + (1 - method.focus) * noise + sink });
  }
  scored.sort((a, b) => b.value - a.value);
  return scored.slice(0, keep).map((s) => s.index).sort((a, b) => a - b);
}

/** Cheap stand-in for the benchmark database, where the index contents do not matter, only their size. */
export function stridedIndices(tokensBefore: number, keep: number): number[] {
  return Array.from({ length: keep }, (_, i) => Math.floor((i * tokensBefore) / keep));
}
