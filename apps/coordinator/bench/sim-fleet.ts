/**
 * A child process hosting N simulated fleet workers (each with its own connection), for the coordinator benchmark.
 * Usage: tsx bench/sim-fleet.ts ADDRESS TOKEN WORKERS SIMULATE_MS BATCH_SIZE
 * SIMULATED MODEL: results are fake by design; only `simulate: true` sweeps are served.
 */
import { setMaxListeners } from 'node:events';
import { runFleetWorker, simulatedRunner } from '@prunebench/worker/fleet';
import { pino } from 'pino';

const [address, token, workers, simulateMs, batchSize] = process.argv.slice(2);
if (!address || !token) throw new Error('usage: sim-fleet.ts ADDRESS TOKEN WORKERS SIMULATE_MS BATCH_SIZE');
const drain = new AbortController();
// Every idle worker waits on the one drain signal.
setMaxListeners(0, drain.signal);
process.on('SIGTERM', () => drain.abort());
const log = pino({ level: 'warn' }, pino.destination(2));
await Promise.all(
  Array.from({ length: Number(workers) }, (_, i) =>
    runFleetWorker(
      {
        coordinator: address,
        token,
        host: 'bench',
        workerId: `sim-${i}`,
        capabilities: { models: [], benchmarks: [], provider: 'cpu', memoryBytes: 1e9, threads: 1, simulated: true, version: 'bench' },
        runner: simulatedRunner(Number(simulateMs)),
        log,
        batchSize: Number(batchSize),
        flushMs: 200,
        ownConnection: true,
      },
      drain.signal,
    ),
  ),
);
