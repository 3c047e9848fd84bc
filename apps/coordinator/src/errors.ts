import { Metadata, status, type sendUnaryData, type ServerUnaryCall, type StatusObject } from '@grpc/grpc-js';
import type { Context } from './context.ts';
import { SweepSpecError } from './sweep/spec.ts';

/** An error with the gRPC status a client should see. */
export class RpcError extends Error {
  override name = 'RpcError';
  constructor(
    readonly code: status,
    message: string,
  ) {
    super(message);
  }
}

export function toStatus(ctx: Context, rpc: string, error: unknown): Partial<StatusObject> {
  if (error instanceof RpcError) return { code: error.code, details: error.message };
  if (error instanceof SweepSpecError) return { code: status.INVALID_ARGUMENT, details: error.message };
  ctx.log.error({ rpc, err: error }, 'rpc failed');
  return { code: status.INTERNAL, details: error instanceof Error ? error.message : String(error), metadata: new Metadata() };
}

/** A unary handler around a store call: every thrown error or rejection becomes a status, never a crash. */
export function unaryHandler<Req, Res>(ctx: Context, rpc: string, run: (request: Req) => Res | Promise<Res>) {
  return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>): void => {
    let response: Res | Promise<Res>;
    try {
      response = run(call.request);
    } catch (error) {
      callback(toStatus(ctx, rpc, error));
      return;
    }
    if (response instanceof Promise) {
      response.then(
        (value) => callback(null, value),
        (error: unknown) => callback(toStatus(ctx, rpc, error)),
      );
    } else callback(null, response);
  };
}
