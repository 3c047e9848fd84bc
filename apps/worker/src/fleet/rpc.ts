import { Metadata, status, type CallOptions, type ClientUnaryCall, type ServiceError } from '@grpc/grpc-js';
import type { Logger } from 'pino';

type UnaryMethod<Req, Res> = (
  request: Req,
  metadata: Metadata,
  options: Partial<CallOptions>,
  callback: (error: ServiceError | null, response: Res) => void,
) => ClientUnaryCall;

const RETRYABLE = new Set<number>([status.UNAVAILABLE, status.DEADLINE_EXCEEDED, status.RESOURCE_EXHAUSTED, status.ABORTED]);

export function isRetryable(error: unknown): boolean {
  return typeof error === 'object' && error !== null && RETRYABLE.has((error as ServiceError).code);
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** One unary call with a deadline; aborting `signal` cancels it (it then rejects with CANCELLED). */
export function callOnce<Req, Res>(method: UnaryMethod<Req, Res>, request: Req, timeoutMs = 30_000, signal?: AbortSignal): Promise<Res> {
  return new Promise((resolve, reject) => {
    const cancel = (): void => call.cancel();
    const call = method(request, new Metadata(), { deadline: Date.now() + timeoutMs }, (error, response) => {
      signal?.removeEventListener('abort', cancel);
      if (error) reject(error);
      else resolve(response);
    });
    if (signal?.aborted) call.cancel();
    else signal?.addEventListener('abort', cancel, { once: true });
  });
}

/**
 * A unary call that rides out a coordinator restart or a network blip: retried with backoff while the error is
 * transient (UNAVAILABLE, DEADLINE_EXCEEDED), for at most `giveUpMs`. Auth and argument errors fail at once.
 */
export async function callRetrying<Req, Res>(
  log: Logger,
  what: string,
  method: UnaryMethod<Req, Res>,
  request: Req,
  giveUpMs = 10 * 60_000,
  signal?: AbortSignal,
): Promise<Res> {
  const start = Date.now();
  for (let attempt = 0; ; attempt++) {
    try {
      return await callOnce(method, request, 30_000, signal);
    } catch (error) {
      if (signal?.aborted || !isRetryable(error) || Date.now() - start > giveUpMs) throw error;
      const wait = Math.min(5_000, 100 * 2 ** attempt);
      if (attempt >= 2) log.warn({ what, err: (error as Error).message, retryInMs: wait }, 'coordinator unreachable, retrying');
      await sleep(wait, signal);
    }
  }
}
