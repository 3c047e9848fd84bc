import type { Command } from 'commander';
import { pruneCommand } from './prune.ts';
import { evalCommand } from './eval.ts';
import { calibrateCommand } from './calibrate.ts';
import { coordinatorCommand } from './coordinator.ts';
import { workerCommand } from './worker.ts';
import { sweepCommand } from './sweep.ts';
import { demoCommand } from './demo.ts';
import { benchCommand } from './bench.ts';
import { scoreCommand } from './score.ts';
import { importCommand } from './import.ts';

/**
 * Every `prunebench` sub-command, one factory per file in this folder. Adding a command touches this list and its
 * own file only.
 */
export const commands: ReadonlyArray<() => Command> = [pruneCommand, evalCommand, calibrateCommand, coordinatorCommand, workerCommand, sweepCommand, demoCommand, benchCommand, scoreCommand, importCommand];
