import { status } from '@grpc/grpc-js';

/** Codes that mean "no answer", never an acceptable reply to bad input. */
const NO_ANSWER = new Set<number>([status.DEADLINE_EXCEEDED, status.UNAVAILABLE, status.CANCELLED, status.UNKNOWN]);

/**
 * Whether a reply to bad input is a clear error: a real status (not a timeout or a dropped connection), with a
 * message, on one line or a few, and no stack trace. Returns the problem, or undefined when the reply is fine.
 */
export function unclearError(code: number, details: string): string | undefined {
  if (code === status.OK) return undefined;
  if (NO_ANSWER.has(code)) return `no answer (${status[code]}: ${details})`;
  if (details.trim() === '') return `${status[code]} with an empty message`;
  if (/\n\s+at \S/.test(details)) return `${status[code]} carries a stack trace: ${details.slice(0, 200)}`;
  return undefined;
}

/** Counts outcomes by status name, for the report. */
export function tally(counts: Record<string, number>, code: number): void {
  const name = status[code] ?? String(code);
  counts[name] = (counts[name] ?? 0) + 1;
}

/** Keeps the first few distinct examples of each problem kind, so a report stays readable after 1,000 cases. */
export class ProblemLog {
  readonly items: string[] = [];
  private readonly seen = new Map<string, number>();

  add(kind: string, example: string): void {
    const n = (this.seen.get(kind) ?? 0) + 1;
    this.seen.set(kind, n);
    if (n <= 2) this.items.push(`${kind}: ${example}`);
  }

  summary(): string[] {
    const extra = [...this.seen.entries()].filter(([, n]) => n > 2).map(([kind, n]) => `${kind}: ${n} cases in all`);
    return [...this.items, ...extra];
  }
}
