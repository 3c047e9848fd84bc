import { status } from '@grpc/grpc-js';
import { results, sweeps } from '@prunebench/db';
import type { CoordinatorServer, ExportedResult } from '@prunebench/proto';
import { and, asc, eq, gt } from 'drizzle-orm';
import type { Context } from '../context.ts';

const PAGE = 1000;

/** Streams a sweep's results in pages, keyset-paginated by row id, honouring back-pressure and cancellation. */
export function exportResults(ctx: Context): CoordinatorServer['exportResults'] {
  return (call) => {
    const sweepId = call.request.sweepId;
    let cancelled = false;
    call.on('cancelled', () => {
      cancelled = true;
    });
    if (!ctx.db.select({ id: sweeps.id }).from(sweeps).where(eq(sweeps.id, sweepId)).get()) {
      call.emit('error', { code: status.NOT_FOUND, details: `no sweep ${sweepId}` });
      return;
    }
    let after = 0;
    const pump = (): void => {
      while (!cancelled) {
        const page = ctx.db
          .select()
          .from(results)
          .where(and(eq(results.sweepId, sweepId), gt(results.id, after)))
          .orderBy(asc(results.id))
          .limit(PAGE)
          .all();
        if (page.length === 0) {
          call.end();
          return;
        }
        after = page[page.length - 1]!.id;
        const rows: ExportedResult[] = page.map((r) => ({
          model: r.model,
          benchmark: r.benchmark,
          method: r.method,
          keep: r.keep,
          policy: r.policy,
          workerId: r.workerId,
          createdAtMs: r.createdAt,
          result: {
            sampleId: r.sampleId,
            sampleIndex: r.sampleIndex,
            prediction: r.answer,
            score: r.score,
            metric: r.metric,
            parsedJson: r.parsed === null || r.parsed === undefined ? '' : JSON.stringify(r.parsed),
            tokensBefore: r.tokensBefore,
            keptCount: r.keptCount,
            keptIndices: r.keptIndices,
            prefillMs: r.prefillMs,
            totalMs: r.totalMs,
            flops: r.flops,
            variantJson: JSON.stringify(r.variant),
          },
        }));
        if (!call.write({ rows })) {
          call.once('drain', pump);
          return;
        }
      }
    };
    pump();
  };
}
