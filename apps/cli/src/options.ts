import { InvalidArgumentError, Option } from 'commander';
import { SPINNING_MODES } from '@prunebench/worker';

/** Option parser: an integer >= 1, or a one-line error naming the flag. */
export function positiveInt(name: string): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < 1) throw new InvalidArgumentError(`${name} must be a positive integer, got '${value}'`);
    return parsed;
  };
}

/** Option parser: an integer >= 0 (ports, durations where 0 means 'any' or 'none'). */
export function nonNegativeInt(name: string): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < 0) throw new InvalidArgumentError(`${name} must be a non-negative integer, got '${value}'`);
    return parsed;
  };
}

/** `--spinning`, shared by the commands that run models (eval, worker). */
export function spinningOption(): Option {
  return new Option(
    '--spinning <mode>',
    'how idle onnxruntime threads wait: spin while a graph runs (run, fastest on free cores), always, or never (sleep: for machines shared with other jobs)',
  ).choices(SPINNING_MODES);
}
