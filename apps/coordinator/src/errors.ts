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
  if (error instanceof RpcError) return { code: error.code, details: clipDetails(error.message) };
  if (error instanceof SweepSpecError) return { code: status.INVALID_ARGUMENT, details: clipDetails(error.message) };
  const storage = storageError(error);
  if (storage) {
    ctx.log.error({ rpc, err: error }, 'rpc failed: storage');
    return { code: storage.code, details: clipDetails(storage.message) };
  }
  ctx.log.error({ rpc, err: error }, 'rpc failed');
  return { code: status.INTERNAL, details: clipDetails(error instanceof Error ? error.message : String(error)), metadata: new Metadata() };
}

/** Status details are sent as an HTTP/2 trailer: echoing a huge client value there wedges the call, so clip it. */
const MAX_DETAILS = 1_000;

export function clipDetails(text: string): string {
  return text.length > MAX_DETAILS ? `${text.slice(0, MAX_DETAILS)}... (${text.length - MAX_DETAILS} more characters)` : text;
}

/**
 * SQLite errors that say the coordinator's storage cannot take writes (disk full, read-only, I/O error, locked).
 * They are the coordinator's condition, not the caller's mistake, and they pass: workers must wait and retry
 * (RESOURCE_EXHAUSTED / UNAVAILABLE are retryable for them), not give up, re-register or exit.
 */
export function storageError(error: unknown): RpcError | undefined {
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return undefined;
  const reason = (error as Error).message;
  if (code === 'SQLITE_FULL') return new RpcError(status.RESOURCE_EXHAUSTED, `coordinator storage is full (${reason}): new work is refused until space is freed`);
  if (code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_IOERR') || code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_BUSY')) {
    return new RpcError(status.UNAVAILABLE, `coordinator storage cannot be written (${code}: ${reason}); retry later`);
  }
  return undefined;
}

/** The error a handler throws for a failed store call: storage trouble keeps its own status, anything else `code`. */
export function storeFailure(code: status, error: unknown): RpcError {
  return storageError(error) ?? new RpcError(code, (error as Error).message);
}

/** A unary handler around a store call: every thrown error or rejection becomes a status, never a crash. */
export function unaryHandler<Req, Res>(ctx: Context, rpc: string, run: (request: Req, call: ServerUnaryCall<Req, Res>) => Res | Promise<Res>) {
  return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>): void => {
    let response: Res | Promise<Res>;
    try {
      response = run(call.request, call);
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
