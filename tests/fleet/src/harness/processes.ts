import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (tests/fleet/src/harness -> ../../../..), resolved at call time. */
export function repoRoot(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
}

export function cliPath(): string {
  return join(repoRoot(), 'apps', 'cli', 'bin', 'prunebench.js');
}

export interface SpawnOptions {
  /** Name used for the log file and in failure messages. */
  name: string;
  logDir: string;
  /** Run inside this network namespace (`ip netns exec`, which execs, so the pid is the program's own). */
  netns?: string;
  env?: Record<string, string>;
  /** Run as this uid/gid (the read-only database case needs a user that file modes apply to). */
  uid?: number;
  gid?: number;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A child process of the harness with its output teed to a log file and the tail kept for failure messages. */
export class Proc {
  readonly exited: Promise<Exit>;
  exit: Exit | undefined;
  private tail = '';
  private readonly stdoutWaiters: Array<{ pattern: RegExp; resolve: (m: RegExpMatchArray) => void }> = [];
  private stdoutText = '';
  private readonly log: WriteStream;

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
    logFile: string,
  ) {
    this.log = createWriteStream(logFile, { flags: 'a' });
    const onText = (chunk: Buffer, stream: 'out' | 'err'): void => {
      const text = chunk.toString('utf8');
      this.log.write(text);
      this.tail = (this.tail + text).slice(-4000);
      if (stream === 'out') {
        this.stdoutText = (this.stdoutText + text).slice(-20_000);
        for (const waiter of [...this.stdoutWaiters]) {
          const match = this.stdoutText.match(waiter.pattern);
          if (match) {
            this.stdoutWaiters.splice(this.stdoutWaiters.indexOf(waiter), 1);
            waiter.resolve(match);
          }
        }
      }
    };
    child.stdout?.on('data', (c: Buffer) => onText(c, 'out'));
    child.stderr?.on('data', (c: Buffer) => onText(c, 'err'));
    this.exited = new Promise<Exit>((resolveExit) => {
      child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        resolveExit(this.exit);
      });
      child.once('error', (error) => {
        this.tail += `\nspawn error: ${error.message}`;
        this.exit = { code: -1, signal: null };
        resolveExit(this.exit);
      });
    }).then((exit) => new Promise<Exit>((done) => this.log.end(() => done(exit))));
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get alive(): boolean {
    return this.exit === undefined;
  }

  get output(): string {
    return this.tail;
  }

  get stdout(): string {
    return this.stdoutText;
  }

  /** Resolves with the first match of `pattern` on stdout; rejects when the process exits first or time runs out. */
  waitForStdout(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
    const already = this.stdoutText.match(pattern);
    if (already) return Promise.resolve(already);
    return new Promise((resolveMatch, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name}: no ${pattern} on stdout within ${timeoutMs} ms\n${this.tail}`)), timeoutMs);
      this.stdoutWaiters.push({
        pattern,
        resolve: (m) => {
          clearTimeout(timer);
          resolveMatch(m);
        },
      });
      void this.exited.then((exit) => {
        clearTimeout(timer);
        reject(new Error(`${this.name} exited (${exit.code ?? exit.signal}) before ${pattern}:\n${this.tail}`));
      });
    });
  }

  signal(sig: NodeJS.Signals): void {
    if (this.alive) this.child.kill(sig);
  }

  /** SIGTERM, then SIGKILL after `graceMs`. */
  async stop(graceMs = 5_000): Promise<Exit> {
    if (!this.alive) return this.exit!;
    this.signal('SIGCONT');
    this.signal('SIGTERM');
    const timer = setTimeout(() => this.signal('SIGKILL'), graceMs);
    const exit = await this.exited;
    clearTimeout(timer);
    return exit;
  }

  async kill(): Promise<Exit> {
    this.signal('SIGKILL');
    return this.exited;
  }
}

/** Runs `prunebench <args>` (the real CLI binary) as a child process. */
export function spawnCli(args: string[], options: SpawnOptions): Proc {
  const env = { ...process.env, PRUNEBENCH_LOG_LEVEL: 'warn', ...options.env };
  const argv = [process.execPath, cliPath(), ...args];
  const [command, ...rest] = options.netns ? ['ip', 'netns', 'exec', options.netns, ...argv] : argv;
  const child = spawn(command!, rest, {
    cwd: repoRoot(),
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    uid: options.uid,
    gid: options.gid,
  });
  return new Proc(options.name, child, join(options.logDir, `${options.name}.log`));
}

/** Runs one of this suite's TypeScript agents (src/agents/*.ts) as a child process, through tsx. */
export function spawnAgent(script: string, args: string[], options: SpawnOptions): Proc {
  const argv = [process.execPath, '--import', 'tsx', join(repoRoot(), 'tests', 'fleet', 'src', 'agents', script), ...args];
  const [command, ...rest] = options.netns ? ['ip', 'netns', 'exec', options.netns, ...argv] : argv;
  const child = spawn(command!, rest, { cwd: repoRoot(), env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Proc(options.name, child, join(options.logDir, `${options.name}.log`));
}

/** Runs a command to completion, returning its exit code and output. */
export function runToEnd(command: string, args: string[], options: { netns?: string; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const [cmd, ...rest] = options.netns ? ['ip', 'netns', 'exec', options.netns, command, ...args] : [command, ...args];
  return new Promise((resolveRun) => {
    const child = spawn(cmd!, rest, { cwd: repoRoot(), env: { ...process.env, PRUNEBENCH_LOG_LEVEL: 'warn', ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolveRun({ code, stdout, stderr });
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      resolveRun({ code: -1, stdout, stderr: `${stderr}\n${error.message}` });
    });
  });
}

/** Runs the CLI to completion (e.g. `sweep submit`). */
export function runCli(args: string[], options: { netns?: string; env?: Record<string, string>; timeoutMs?: number } = {}) {
  return runToEnd(process.execPath, [cliPath(), ...args], options);
}

/** A TCP port free on loopback right now (the coordinator is restarted on the same port, so port 0 will not do). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolveSleep) => setTimeout(resolveSleep, ms));
}

/** Polls `check` until it returns a value other than undefined, or throws after `timeoutMs`. */
export async function waitFor<T>(what: string, timeoutMs: number, check: () => T | undefined | Promise<T | undefined>, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}
