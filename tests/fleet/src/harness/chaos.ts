import type { Proc } from './processes.ts';
import { sleep } from './processes.ts';
import type { Rng } from './rng.ts';

/** One scheduled act of violence, fired when the sweep's stored fraction reaches `at`. */
export type ChaosEvent =
  | { at: number; kind: 'kill-worker'; worker: number; restartAfterMs: number }
  | { at: number; kind: 'stall-worker'; worker: number; stallMs: number }
  | { at: number; kind: 'restart-coordinator'; downMs: number };

export interface ChaosPlanOptions {
  workers: number;
  workerKills: number;
  stalls: number;
  coordinatorRestarts: number;
  leaseTtlMs: number;
  /** Fraction window in which events fire. */
  from: number;
  to: number;
}

/** A seeded chaos plan: which worker dies when, who is frozen past their lease, when the coordinator goes down. */
export function planChaos(rng: Rng, options: ChaosPlanOptions): ChaosEvent[] {
  const at = (): number => rng.between(options.from, options.to);
  const events: ChaosEvent[] = [];
  for (let i = 0; i < options.workerKills; i++) {
    events.push({ at: at(), kind: 'kill-worker', worker: rng.int(0, options.workers - 1), restartAfterMs: rng.int(0, options.leaseTtlMs) });
  }
  for (let i = 0; i < options.stalls; i++) {
    // Frozen (SIGSTOP) for 1.5 to 2.5 lease lifetimes: heartbeats stop, the lease expires, the shard moves on.
    events.push({ at: at(), kind: 'stall-worker', worker: rng.int(0, options.workers - 1), stallMs: Math.round(options.leaseTtlMs * rng.between(1.5, 2.5)) });
  }
  // Coordinator restarts spread over the window so they never coincide.
  const span = (options.to - options.from) / options.coordinatorRestarts;
  for (let i = 0; i < options.coordinatorRestarts; i++) {
    events.push({ at: options.from + span * (i + rng.between(0.2, 0.8)), kind: 'restart-coordinator', downMs: rng.int(0, 1_500) });
  }
  return events.sort((a, b) => a.at - b.at);
}

export interface ChaosCounters {
  workerKills: number;
  workerRestarts: number;
  stalls: number;
  coordinatorKills: number;
  coordinatorRestarts: number;
}

export interface ChaosActors {
  workers: Array<Proc | undefined>;
  startWorker(index: number): Proc;
  killCoordinator(): Promise<void>;
  startCoordinator(): Promise<void>;
  log(line: string): void;
}

/**
 * Fires one event. Worker restarts and un-stalls happen in the background (returned promise), so the sweep keeps
 * running meanwhile (wrapped, since awaiting a bare promise would wait for it); the coordinator restart is awaited.
 */
export async function fire(event: ChaosEvent, actors: ChaosActors, counters: ChaosCounters): Promise<{ background: Promise<void> }> {
  if (event.kind === 'restart-coordinator') {
    actors.log(`chaos @${(event.at * 100).toFixed(1)}%: SIGKILL coordinator, down ${event.downMs} ms`);
    await actors.killCoordinator();
    counters.coordinatorKills++;
    await sleep(event.downMs);
    await actors.startCoordinator();
    counters.coordinatorRestarts++;
    return { background: Promise.resolve() };
  }
  const proc = actors.workers[event.worker];
  if (!proc || !proc.alive) return { background: Promise.resolve() };
  if (event.kind === 'kill-worker') {
    actors.log(`chaos @${(event.at * 100).toFixed(1)}%: SIGKILL worker ${event.worker} (pid ${proc.pid}), restart in ${event.restartAfterMs} ms`);
    await proc.kill();
    actors.workers[event.worker] = undefined;
    counters.workerKills++;
    return {
      background: (async () => {
        await sleep(event.restartAfterMs);
        actors.workers[event.worker] = actors.startWorker(event.worker);
        counters.workerRestarts++;
      })(),
    };
  }
  actors.log(`chaos @${(event.at * 100).toFixed(1)}%: SIGSTOP worker ${event.worker} (pid ${proc.pid}) for ${event.stallMs} ms`);
  proc.signal('SIGSTOP');
  counters.stalls++;
  return {
    background: (async () => {
      await sleep(event.stallMs);
      proc.signal('SIGCONT');
    })(),
  };
}
