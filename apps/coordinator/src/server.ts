import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { Server, ServerCredentials } from '@grpc/grpc-js';
import { openDatabase } from '@prunebench/db';
import { CoordinatorService, channelOptions } from '@prunebench/proto';
import { pino, type Logger } from 'pino';
import { bearerAuth } from './auth.ts';
import { COORDINATOR_CLOSING, type Context, type Timing } from './context.ts';
import { handlers } from './handlers/index.ts';
import { expireLeases, graceLeasesAfterRestart } from './store/lifecycle.ts';

export interface CoordinatorOptions {
  dbPath: string;
  /** `host:port`; port 0 picks a free one (tests). */
  listen: string;
  token: string;
  tlsCertFile?: string;
  tlsKeyFile?: string;
  modelDirs?: string[];
  benchDirs?: string[];
  timing?: Partial<Timing>;
  logger?: Logger;
}

export interface RunningCoordinator {
  port: number;
  address: string;
  ctx: Context;
  /** Stops accepting calls, ends open streams, closes the database. */
  close(): Promise<void>;
}

export const defaultTiming: Timing = {
  leaseTtlMs: 30_000,
  heartbeatIntervalMs: 10_000,
  retryBaseMs: 1_000,
  retryMaxMs: 60_000,
  expiryScanMs: 1_000,
};

function serverCredentials(options: CoordinatorOptions): ServerCredentials {
  if (!options.tlsCertFile && !options.tlsKeyFile) return ServerCredentials.createInsecure();
  if (!options.tlsCertFile || !options.tlsKeyFile) throw new Error('TLS needs both --tls-cert and --tls-key');
  const read = (file: string, flag: string): Buffer => {
    try {
      return readFileSync(file);
    } catch (error) {
      throw new Error(`cannot read ${flag} file ${file}: ${(error as Error).message}`, { cause: error });
    }
  };
  return ServerCredentials.createSsl(null, [
    { cert_chain: read(options.tlsCertFile, '--tls-cert'), private_key: read(options.tlsKeyFile, '--tls-key') },
  ]);
}

/** Opens (and migrates) the database, resumes every sweep from it, and serves the coordinator RPCs. */
export async function startCoordinator(options: CoordinatorOptions): Promise<RunningCoordinator> {
  if (!options.token) throw new Error('a bearer token is required (--token or PRUNEBENCH_TOKEN)');
  const credentials = serverCredentials(options);
  const timing: Timing = { ...defaultTiming, ...options.timing };
  if (options.timing?.heartbeatIntervalMs === undefined) timing.heartbeatIntervalMs = Math.floor(timing.leaseTtlMs / 3);
  const log = options.logger ?? pino({ name: 'coordinator' });
  const database = openDatabase(options.dbPath);
  const events = new EventEmitter();
  events.setMaxListeners(0);
  const ctx: Context = {
    db: database.db,
    sqlite: database.sqlite,
    log,
    timing,
    modelDirs: options.modelDirs ?? [],
    benchDirs: options.benchDirs ?? [],
    events,
    now: Date.now,
    lastModelByWorker: new Map(),
  };
  graceLeasesAfterRestart(ctx);

  const server = new Server({ ...channelOptions, interceptors: [bearerAuth(options.token)] });
  server.addService(CoordinatorService, handlers(ctx));
  let port: number;
  try {
    port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(options.listen, credentials, (error, bound) => (error ? reject(error) : resolve(bound))),
    );
  } catch (error) {
    database.close();
    throw new Error(`cannot listen on ${options.listen}: ${(error as Error).message}`, { cause: error });
  }
  const scan = setInterval(() => {
    try {
      expireLeases(ctx);
    } catch (error) {
      log.error({ err: error }, 'lease expiry scan failed');
    }
  }, timing.expiryScanMs);
  scan.unref();
  const host = options.listen.slice(0, options.listen.lastIndexOf(':'));
  const address = `${host === '0.0.0.0' || host === '[::]' ? 'localhost' : host}:${port}`;
  log.info({ address, db: options.dbPath, tls: Boolean(options.tlsCertFile) }, 'coordinator listening');

  return {
    port,
    address,
    ctx,
    close: async () => {
      clearInterval(scan);
      // Held lease calls answer now, so shutdown need not wait for them.
      events.emit(COORDINATOR_CLOSING);
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => server.forceShutdown(), 2_000);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
      events.removeAllListeners();
      database.close();
    },
  };
}
