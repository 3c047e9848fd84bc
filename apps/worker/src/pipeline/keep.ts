import { WorkerInputError } from '../errors.ts';

/** `>= 1`: a token count; `0 < x < 1`: a ratio of the sample's visual tokens; `'all'`: every token. */
export type KeepSpec = number | 'all';

/** Parses the CLI / sweep spelling: `64`, `0.111`, `all`. */
export function parseKeep(text: string, where = 'keep'): KeepSpec {
  const trimmed = text.trim();
  if (trimmed === 'all') return 'all';
  const value = Number(trimmed);
  if (!Number.isFinite(value) || value <= 0 || (value >= 1 && !Number.isInteger(value))) {
    throw new WorkerInputError(where, `'${text}' is not a token count (>= 1), a ratio in (0, 1) or 'all'`);
  }
  return value;
}

/**
 * Tokens to keep for a sample with n visual tokens of which `alwaysKeep` are never pruned (newlines). A ratio is
 * of all n tokens, rounded; counts above n keep everything; the result is at least max(1, alwaysKeep).
 */
export function resolveKeep(spec: KeepSpec, n: number, alwaysKeep: number): number {
  if (spec === 'all') return n;
  if (!(spec > 0)) throw new WorkerInputError('keep', `${spec} is not a count or ratio`);
  const wanted = spec < 1 ? Math.round(spec * n) : Math.floor(spec);
  return Math.min(n, Math.max(wanted, alwaysKeep, 1));
}
