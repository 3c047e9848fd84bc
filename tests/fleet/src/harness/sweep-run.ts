import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fire, planChaos, type ChaosCounters, type ChaosEvent, type ChaosPlanOptions } from './chaos.ts';
import { startCoordinatorProc, startWorkerProc, submitSweepCli, sweepStatusCli, type CoordinatorConfig, type WorkerConfig } from './fleet.ts';
import { exactlyOnceViolations, progress, readLedger, type SweepLedger } from './ledger.ts';
import type { Proc } from './processes.ts';
import { sleep } from './processes.ts';
import type { Rng } from './rng.ts';

export interface ChaosSweepOptions {
  label: string;
  workDir: string;
  sweepYaml: string;
  coordinator: CoordinatorConfig;
  /** Worker `index`'s configuration (the same on every restart). */
  worker(index: number): WorkerConfig;
  workers: number;
  chaos: Omit<ChaosPlanOptions, 'workers' | 'leaseTtlMs'>;
  rng: Rng;
  timeoutMs: number;
  log(line: string): void;
  /** Where the harness reaches the coordinator for CLI calls (inside its namespace when there is one). */
  clientAddress: string;
  clientNetns?: string;
}

export interface ChaosSweepResult {
  ledger: SweepLedger;
  counters: ChaosCounters;
  problems: string[];
  plan: ChaosEvent[];
  seconds: number;
  statusLine: string;
}

/**
 * Runs one sweep through real coordinator and worker processes while a seeded chaos plan kills workers, freezes
 * one past its lease and SIGKILLs the coordinator, then checks the database: one row per expected (sample,
 * setting), nothing stuck, the sweep done, and every process not killed still running.
 */
export async function runChaosSweep(options: ChaosSweepOptions): Promise<ChaosSweepResult> {
  const started = Date.now();
  const problems: string[] = [];
  const counters: ChaosCounters = { workerKills: 0, workerRestarts: 0, stalls: 0, coordinatorKills: 0, coordinatorRestarts: 0 };
  const plan = planChaos(options.rng, { ...options.chaos, workers: options.workers, leaseTtlMs: options.coordinator.leaseTtlMs });
  const sweepFile = join(options.workDir, `${options.label}.yaml`);
  writeFileSync(sweepFile, options.sweepYaml);

  let incarnation = 1;
  let coordinator: Proc | undefined = await startCoordinatorProc(options.coordinator, incarnation);
  const incarnations = new Map<number, number>();
  const workers: Array<Proc | undefined> = [];
  const startWorker = (index: number): Proc => {
    const n = (incarnations.get(index) ?? 0) + 1;
    incarnations.set(index, n);
    return startWorkerProc(options.worker(index), n);
  };
  const background: Array<Promise<void>> = [];
  try {
    const sweepId = await submitSweepCli(options.clientAddress, sweepFile, options.clientNetns);
    for (let i = 0; i < options.workers; i++) workers.push(startWorker(i));
    const actors = {
      workers,
      startWorker,
      killCoordinator: async () => {
        await coordinator?.kill();
        coordinator = undefined;
      },
      startCoordinator: async () => {
        coordinator = await startCoordinatorProc(options.coordinator, ++incarnation);
      },
      log: options.log,
    };
    const pending = [...plan];
    const deadline = started + options.timeoutMs;
    let state = 'queued';
    for (;;) {
      const now = progress(options.coordinator.dbPath, sweepId);
      if (now) {
        state = now.state;
        const fraction = now.total > 0 ? now.done / now.total : 0;
        while (pending.length > 0 && pending[0]!.at <= fraction && state !== 'done' && state !== 'failed') {
          background.push((await fire(pending.shift()!, actors, counters)).background);
        }
      }
      if (state === 'done' || state === 'failed' || state === 'cancelled') break;
      if (Date.now() > deadline) {
        problems.push(`sweep not finished after ${options.timeoutMs} ms (state ${state}, ${now?.done ?? '?'}/${now?.total ?? '?'} samples)`);
        break;
      }
      await sleep(150);
    }
    if (pending.length > 0) options.log(`${pending.length} chaos events did not fire: the sweep finished first`);
    await Promise.all(background);
    await sleep(500);
    workers.forEach((proc, i) => {
      if (proc && !proc.alive) problems.push(`worker ${i} (${proc.name}) died on its own: exit ${proc.exit?.code ?? proc.exit?.signal}\n${proc.output.slice(-800)}`);
    });
    if (!coordinator || !coordinator.alive) problems.push(`the coordinator died on its own:\n${coordinator?.output.slice(-800) ?? ''}`);
    const status = await sweepStatusCli(options.clientAddress, sweepId, options.clientNetns);
    const statusLine = status.text.split('\n')[0] ?? '';
    const ledger = readLedger(options.coordinator.dbPath, sweepId);
    const expectedLine = new RegExp(`: ${ledger.state}, .* ${ledger.stored}/${ledger.expected} samples`);
    if (status.code !== 0 || !expectedLine.test(statusLine)) {
      problems.push(`sweep status disagrees with the database (state ${ledger.state}, ${ledger.stored}/${ledger.expected}): ${statusLine}`);
    }
    problems.push(...exactlyOnceViolations(ledger));
    if (counters.coordinatorRestarts < options.chaos.coordinatorRestarts) {
      problems.push(`only ${counters.coordinatorRestarts} of ${options.chaos.coordinatorRestarts} coordinator restarts happened before the sweep ended`);
    }
    if (options.chaos.workerKills > 0 && counters.workerKills === 0) problems.push('no worker was killed before the sweep ended');
    if (options.chaos.stalls > 0 && counters.stalls === 0) problems.push('no worker was stalled before the sweep ended');
    // SIGTERM drains: every surviving worker must leave on its own, with exit code 0.
    const exits = await Promise.all(workers.map((proc) => proc?.stop(10_000)));
    exits.forEach((exit, i) => {
      if (exit && (exit.code !== 0 || exit.signal !== null)) problems.push(`worker ${i} did not drain cleanly on SIGTERM: exit ${exit.code ?? exit.signal}`);
    });
    return { ledger, counters, problems, plan, seconds: (Date.now() - started) / 1000, statusLine };
  } finally {
    for (const proc of workers) proc?.signal('SIGCONT');
    await Promise.all(workers.map((proc) => proc?.stop(5_000)));
    await coordinator?.stop(5_000);
  }
}
