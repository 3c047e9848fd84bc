import type { CoordinatorClient, ExportedResult } from '@prunebench/proto';
import { Metadata } from '@grpc/grpc-js';

/** Every result row of a sweep, streamed from the coordinator. */
export async function* exportRows(client: CoordinatorClient, sweepId: number): AsyncGenerator<ExportedResult> {
  const stream = client.exportResults({ sweepId }, new Metadata());
  try {
    for await (const page of stream as AsyncIterable<{ rows: ExportedResult[] }>) yield* page.rows;
  } finally {
    stream.cancel();
  }
}

export const CSV_COLUMNS = [
  'model', 'benchmark', 'method', 'keep', 'policy', 'sample_id', 'sample_index', 'answer', 'score', 'metric', 'parsed',
  'tokens_before', 'kept_count', 'kept_indices', 'prefill_ms', 'total_ms', 'flops', 'variant', 'worker_id', 'created_at',
] as const;

function csvCell(value: string | number): string {
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvLine(row: ExportedResult): string {
  const r = row.result!;
  return [
    row.model, row.benchmark, row.method, row.keep, row.policy, r.sampleId, r.sampleIndex, r.prediction, r.score, r.metric,
    r.parsedJson, r.tokensBefore, r.keptCount, r.keptIndices.join(' '), r.prefillMs, r.totalMs, r.flops, r.variantJson,
    row.workerId, new Date(row.createdAtMs).toISOString(),
  ]
    .map(csvCell)
    .join(',');
}

export function jsonLine(row: ExportedResult): string {
  const r = row.result!;
  return JSON.stringify({
    model: row.model,
    benchmark: row.benchmark,
    method: row.method,
    keep: row.keep === 0 ? 'all' : row.keep,
    policy: row.policy,
    sampleId: r.sampleId,
    sampleIndex: r.sampleIndex,
    answer: r.prediction,
    score: r.score,
    metric: r.metric,
    parsed: r.parsedJson ? JSON.parse(r.parsedJson) : null,
    tokensBefore: r.tokensBefore,
    keptCount: r.keptCount,
    keptIndices: r.keptIndices,
    prefillMs: r.prefillMs,
    totalMs: r.totalMs,
    flops: r.flops,
    variant: r.variantJson ? JSON.parse(r.variantJson) : {},
    workerId: row.workerId,
    createdAt: new Date(row.createdAtMs).toISOString(),
  });
}
