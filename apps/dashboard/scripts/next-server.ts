import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One production build and one `next start`, shared by the e2e suite and the page benchmark. */
export const APP_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const CHROMIUM = process.env.PRUNEBENCH_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'];
const NEXT_BIN = join(APP_DIR, 'node_modules', '.bin', 'next');

function resolveNextBin(): string {
  if (existsSync(NEXT_BIN)) return NEXT_BIN;
  return join(APP_DIR, '..', '..', 'node_modules', '.bin', 'next');
}

function newestSourceMtime(directory: string): number {
  let newest = 0;
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSourceMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Builds unless a build newer than every source file exists (CI builds before testing; local runs may not). */
export function ensureBuild(): void {
  const buildId = join(APP_DIR, '.next', 'BUILD_ID');
  const sources = Math.max(newestSourceMtime(join(APP_DIR, 'src')), statSync(join(APP_DIR, 'next.config.ts')).mtimeMs);
  if (existsSync(buildId) && statSync(buildId).mtimeMs >= sources) return;
  const build = spawnSync(resolveNextBin(), ['build'], { cwd: APP_DIR, env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' }, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`next build failed:\n${build.stdout}\n${build.stderr}`);
}

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

export interface RunningServer {
  url: string;
  process: ChildProcess;
  output: () => string;
  stop: () => Promise<void>;
}

export async function startServer(databasePath: string): Promise<RunningServer> {
  const port = await freePort();
  const child = spawn(resolveNextBin(), ['start', '-p', String(port), '-H', '127.0.0.1'], {
    cwd: APP_DIR,
    env: { ...process.env, PRUNEBENCH_DB: databasePath, NEXT_TELEMETRY_DISABLED: '1', NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`next start exited with ${child.exitCode}:\n${log}`);
    try {
      const response = await fetch(`${url}/api/live`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`next start did not answer within 60 s:\n${log}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    process: child,
    output: () => log,
    stop: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
      }),
  };
}
