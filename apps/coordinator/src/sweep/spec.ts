import { LineCounter, parseDocument, isNode, type Document } from 'yaml';
import { METHOD_IDS } from '@prunebench/pruners';
import { z } from 'zod';

const policy = z.enum(['default', 'preserve', 'compact']);

/** Bounds that keep one sweep's expansion (jobs x samples / shardSize shards) within memory and SQLite limits. */
export const MAX_SAMPLES = 10_000_000;
export const MAX_JOBS = 10_000;
export const MAX_SHARDS = 2_000_000;

/** A method is its pruner id, or an object giving a parameterised setting its own label. */
const methodEntry = z.union([
  z.string().min(1),
  z
    .object({
      name: z.string().min(1).optional(),
      pruner: z.string().min(1),
      params: z.record(z.string(), z.unknown()).default({}),
    })
    .strict(),
]);

export const sweepSpecSchema = z
  .object({
    name: z.string().min(1),
    priority: z.number().int().default(0),
    models: z.array(z.string().min(1)).min(1),
    benchmarks: z.array(z.string().min(1)).min(1),
    methods: z.array(methodEntry).min(1),
    /** Visual tokens kept, e.g. [192, 128, 64, 32] of 576. */
    keep: z.array(z.number().int().positive()).min(1),
    policies: z.array(policy).min(1).default(['default']),
    /** Adds the full-token reference (method `full`, keep 0) for every model x benchmark. */
    fullReference: z.boolean().default(true),
    /** Evaluate only the first N samples of each benchmark. */
    samples: z.number().int().positive().optional(),
    shardSize: z.number().int().positive().max(100_000).default(25),
    maxAttempts: z.number().int().min(1).max(100).default(3),
    seed: z.number().int().min(0).default(0),
    requirements: z
      .object({
        providers: z.array(z.string().min(1)).min(1).optional(),
        minMemoryGb: z.number().positive().optional(),
      })
      .strict()
      .default({}),
    /** Load tests only: served by `--simulate` workers, never by real ones; benchmarks need not exist. */
    simulate: z.boolean().default(false),
  })
  .strict()
  .superRefine((spec, ctx) => {
    const seen = new Set<string>();
    spec.methods.forEach((entry, i) => {
      const label = methodLabel(entry);
      if (label === 'full') ctx.addIssue({ code: 'custom', path: ['methods', i], message: '"full" is reserved for the full-token reference' });
      if (seen.has(label)) ctx.addIssue({ code: 'custom', path: ['methods', i], message: `duplicate method label "${label}"` });
      seen.add(label);
      const pruner = typeof entry === 'string' ? entry : entry.pruner;
      if (!spec.simulate && !(METHOD_IDS as string[]).includes(pruner)) {
        const path = typeof entry === 'string' ? ['methods', i] : ['methods', i, 'pruner'];
        ctx.addIssue({ code: 'custom', path, message: `unknown pruner "${pruner}" (known: ${METHOD_IDS.join(', ')})` });
      }
    });
    if (spec.samples !== undefined && spec.samples > MAX_SAMPLES) {
      ctx.addIssue({ code: 'custom', path: ['samples'], message: `at most ${MAX_SAMPLES} samples per benchmark` });
    }
    const settings = spec.models.length * spec.benchmarks.length * (spec.methods.length * spec.keep.length * spec.policies.length + 1);
    if (settings > MAX_JOBS) {
      ctx.addIssue({ code: 'custom', path: ['methods'], message: `${settings} jobs (models x benchmarks x methods x keep x policies); at most ${MAX_JOBS} per sweep` });
    }
    if (spec.simulate && spec.samples === undefined) {
      ctx.addIssue({ code: 'custom', path: ['samples'], message: 'a simulated sweep must say how many samples per benchmark' });
    }
  });

export type SweepSpec = z.output<typeof sweepSpecSchema>;
export type MethodEntry = SweepSpec['methods'][number];

export function methodLabel(entry: MethodEntry): string {
  return typeof entry === 'string' ? entry : (entry.name ?? entry.pruner);
}

export class SweepSpecError extends Error {
  override name = 'SweepSpecError';
}

function nodeOffset(doc: Document, path: ReadonlyArray<PropertyKey>): number | undefined {
  // The issue may point at a key that is missing: walk up until a node exists.
  for (let depth = path.length; depth >= 0; depth--) {
    const node = depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth) as Array<string | number>, true);
    if (isNode(node) && node.range) return node.range[0];
  }
  return undefined;
}

function formatPath(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)), '');
}

/**
 * Parses and validates a sweep file. Every problem becomes one line `file:line:col field: message`, found through
 * the YAML node ranges, so a user sees where to edit.
 */
export function parseSweepSpec(text: string, sourceName = 'sweep.yaml'): SweepSpec {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new SweepSpecError(
      doc.errors
        .map((error) => {
          const pos = lineCounter.linePos(error.pos[0]);
          return `${sourceName}:${pos.line}:${pos.col} invalid YAML: ${error.message.split('\n')[0]}`;
        })
        .join('\n'),
    );
  }
  const parsed = sweepSpecSchema.safeParse(doc.toJS());
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((issue) => {
    const offset = nodeOffset(doc, issue.path);
    const where = offset === undefined ? sourceName : `${sourceName}:${lineCounter.linePos(offset).line}:${lineCounter.linePos(offset).col}`;
    return `${where} ${formatPath(issue.path) || '(document)'}: ${issue.message}`;
  });
  throw new SweepSpecError(lines.join('\n'));
}
