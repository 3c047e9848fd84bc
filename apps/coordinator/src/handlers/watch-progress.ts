import { status } from '@grpc/grpc-js';
import type { CoordinatorServer } from '@prunebench/proto';
import type { Context } from '../context.ts';
import { isFinished, sweepStatus } from '../store/status.ts';

/** At most this often per watcher, however fast results arrive. */
const MIN_INTERVAL_MS = 250;

export function watchProgress(ctx: Context): CoordinatorServer['watchProgress'] {
  return (call) => {
    const sweepId = call.request.sweepId;
    let timer: NodeJS.Timeout | undefined;
    let lastSent = 0;
    let stopped = false;
    const stop = (): void => {
      stopped = true;
      ctx.events.off('change', onChange);
      if (timer) clearTimeout(timer);
      timer = undefined;
    };
    const send = (): void => {
      if (stopped) return;
      lastSent = Date.now();
      const snapshot = sweepStatus(ctx, sweepId);
      if (!snapshot) {
        stop();
        call.emit('error', { code: status.NOT_FOUND, details: `no sweep ${sweepId}` });
        return;
      }
      call.write({ status: snapshot });
      if (isFinished(snapshot.state)) {
        stop();
        call.end();
      }
    };
    function onChange(changed: number): void {
      if (changed !== sweepId || timer || stopped) return;
      timer = setTimeout(() => {
        timer = undefined;
        send();
      }, Math.max(0, lastSent + MIN_INTERVAL_MS - Date.now()));
    }
    ctx.events.on('change', onChange);
    call.on('cancelled', stop);
    call.on('close', stop);
    send();
  };
}
