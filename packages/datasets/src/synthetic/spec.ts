import { z } from 'zod';
import { DEFAULT_FAMILY_MIX, FAMILIES, REFERENCE_IMAGE_SIZE, type Family } from './vocabulary.ts';

export const SYNTHETIC_NAME = 'synth-shapes';
export const SYNTHETIC_VERSION = '1';
export const SYNTHETIC_SPLITS = ['train', 'validation', 'test'] as const;
export type SyntheticSplit = (typeof SYNTHETIC_SPLITS)[number];

/** Default scene counts per split (x4 questions each): enough to train the tiny model / evaluate it stably. */
export const DEFAULT_SCENES: Record<SyntheticSplit, number> = { train: 10000, validation: 250, test: 250 };
export const DEFAULT_QUESTIONS_PER_SCENE = 4;
export const DEFAULT_SEED = 0;

/** The test split is the embedded default benchmark `synth-shapes`; other splits get a suffix. */
export function defaultSyntheticName(split: SyntheticSplit): string {
  return split === 'test' ? SYNTHETIC_NAME : `${SYNTHETIC_NAME}-${split}`;
}

const MixSchema = z
  .partialRecord(z.enum(FAMILIES), z.number().nonnegative())
  .refine((mix) => Object.values(mix).some((w) => (w ?? 0) > 0), { message: 'needs at least one family with weight > 0' });

export const SyntheticSpecSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be a short id (letters, digits, . _ -)').optional(),
  split: z.enum(SYNTHETIC_SPLITS).default('test'),
  scenes: z.int().positive().optional(),
  seed: z.int().nonnegative().default(DEFAULT_SEED),
  size: z.int().min(32).max(2048).default(REFERENCE_IMAGE_SIZE),
  questionsPerScene: z.int().min(1).max(12).default(DEFAULT_QUESTIONS_PER_SCENE),
  minObjects: z.int().min(1).max(12).default(2),
  maxObjects: z.int().min(1).max(12).default(6),
  /** Relative weight of each question family; families left out get weight 0 (when a mix is given). */
  mix: MixSchema.optional(),
});
export type SyntheticSpecInput = z.input<typeof SyntheticSpecSchema>;

export interface SyntheticSpec {
  name: string;
  split: SyntheticSplit;
  scenes: number;
  seed: number;
  size: number;
  questionsPerScene: number;
  minObjects: number;
  maxObjects: number;
  mix: Record<Family, number>;
}

/** Fills defaults and validates; throws one line naming the field. */
export function resolveSyntheticSpec(input: SyntheticSpecInput): SyntheticSpec {
  const parsed = SyntheticSpecSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.map(String).join('.') ?? '';
    throw new Error(`synthetic benchmark option ${field ? `"${field}"` : ''}: ${issue?.message ?? 'invalid'}`);
  }
  const s = parsed.data;
  if (s.minObjects > s.maxObjects) throw new Error('synthetic benchmark option "minObjects": must be <= maxObjects');
  const raw = s.mix ?? DEFAULT_FAMILY_MIX;
  const total = FAMILIES.reduce((sum, f) => sum + (raw[f] ?? 0), 0);
  const mix = Object.fromEntries(FAMILIES.map((f) => [f, (raw[f] ?? 0) / total])) as Record<Family, number>;
  return {
    name: s.name ?? defaultSyntheticName(s.split),
    split: s.split,
    scenes: s.scenes ?? DEFAULT_SCENES[s.split],
    seed: s.seed,
    size: s.size,
    questionsPerScene: s.questionsPerScene,
    minObjects: s.minObjects,
    maxObjects: s.maxObjects,
    mix,
  };
}

/** Everything that determines the output, as one line: stored as `source`, compared to reuse a folder. */
export function describeSpec(spec: SyntheticSpec): string {
  const mix = FAMILIES.map((f) => `${f}:${Number(spec.mix[f].toFixed(4))}`).join(',');
  return (
    `prunebench synthetic generator v${SYNTHETIC_VERSION}: split=${spec.split} seed=${spec.seed} ` +
    `scenes=${spec.scenes} size=${spec.size} questionsPerScene=${spec.questionsPerScene} ` +
    `objects=${spec.minObjects}-${spec.maxObjects} mix=${mix}`
  );
}
