import { Command, CommanderError } from 'commander';
import { commands } from './commands/registry.ts';

export function buildProgram(): Command {
  const program = new Command('prunebench')
    .description('Measure visual-token pruning methods on multimodal LLMs, locally or across a worker fleet.')
    .showHelpAfterError()
    .exitOverride();
  for (const make of commands) program.addCommand(make());
  return program;
}

/** Entry point: every failure becomes one clear line on stderr and a non-zero exit code. */
export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode;
      return;
    }
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`prunebench: ${message}\n`);
    if (process.env.PRUNEBENCH_DEBUG && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
    process.exitCode = 1;
  }
}
