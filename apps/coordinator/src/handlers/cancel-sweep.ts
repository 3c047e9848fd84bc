import { status } from '@grpc/grpc-js';
import type { CancelSweepRequest, CancelSweepResponse, CoordinatorServer } from '@prunebench/proto';
import type { Context } from '../context.ts';
import { storeFailure, unaryHandler } from '../errors.ts';
import { cancelSweep as cancel } from '../store/sweeps.ts';

export function cancelSweep(ctx: Context): CoordinatorServer['cancelSweep'] {
  return unaryHandler<CancelSweepRequest, CancelSweepResponse>(ctx, 'CancelSweep', (request) => {
    try {
      return { state: cancel(ctx, request.sweepId) };
    } catch (error) {
      throw storeFailure(status.NOT_FOUND, error);
    }
  });
}
