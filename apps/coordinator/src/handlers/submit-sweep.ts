import { status } from '@grpc/grpc-js';
import type { CoordinatorServer, SubmitSweepRequest, SubmitSweepResponse } from '@prunebench/proto';
import type { Context } from '../context.ts';
import { storeFailure, unaryHandler } from '../errors.ts';
import { submitSweep as submit } from '../store/sweeps.ts';
import { SweepSpecError } from '../sweep/spec.ts';

export function submitSweep(ctx: Context): CoordinatorServer['submitSweep'] {
  return unaryHandler<SubmitSweepRequest, SubmitSweepResponse>(ctx, 'SubmitSweep', async (request) => {
    try {
      return await submit(ctx, request.specYaml, request.sourceName || 'sweep.yaml');
    } catch (error) {
      if (error instanceof SweepSpecError) throw error;
      // Missing models or benchmarks, unreadable headers: the client's input, not a server fault.
      throw storeFailure(status.FAILED_PRECONDITION, error);
    }
  });
}
