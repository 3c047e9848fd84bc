import type { Scenario } from '../scenario.ts';
import { chaosReal } from './chaos-real.ts';
import { chaosSimulated } from './chaos-simulated.ts';
import { diskFull } from './disk-full.ts';
import { fuzzCoordinator } from './fuzz-coordinator.ts';
import { fuzzWorker } from './fuzz-worker.ts';
import { partition } from './partition.ts';

/** Run order: harness and chaos first (they matter most), then bad input, then partitions. */
export const scenarios: readonly Scenario[] = [chaosSimulated, chaosReal, diskFull, fuzzCoordinator, fuzzWorker, partition];
