import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { openDatabase, type OpenedDatabase } from '@prunebench/db';

/**
 * The dashboard's one read-only connection. It lives on globalThis so that `next dev` hot reloads reuse it instead
 * of leaking a file handle per edit; a missing database is not cached, so the page starts working as soon as the
 * coordinator creates the file.
 */
const CACHE_KEY = Symbol.for('prunebench.dashboard.database');

interface CachedDatabase {
  path: string;
  /** The file's inode: a database replaced on disk (a fresh demo run) gets a fresh connection. */
  inode: number;
  opened: OpenedDatabase;
}

type GlobalWithCache = typeof globalThis & { [CACHE_KEY]?: CachedDatabase };

function repositoryRoot(start: string): string {
  let directory = resolve(start);
  for (;;) {
    if (existsSync(/*turbopackIgnore: true*/ join(directory, 'turbo.json'))) return directory;
    const parent = dirname(directory);
    if (parent === directory) return resolve(start);
    directory = parent;
  }
}

export function databasePath(): string {
  const fromEnv = process.env.PRUNEBENCH_DB;
  if (fromEnv && fromEnv.trim() !== '') return resolve(fromEnv);
  return join(repositoryRoot(process.cwd()), '.data', 'prunebench.sqlite');
}

export type DatabaseStatus = { ok: true; path: string; database: OpenedDatabase } | { ok: false; path: string; reason: string };

export function getDatabase(): DatabaseStatus {
  const path = databasePath();
  const holder = globalThis as GlobalWithCache;
  const cached = holder[CACHE_KEY];
  if (!existsSync(/*turbopackIgnore: true*/ path)) return { ok: false, path, reason: 'no database file yet' };
  const inode = statSync(/*turbopackIgnore: true*/ path).ino;
  if (cached && cached.path === path && cached.inode === inode) return { ok: true, path, database: cached.opened };
  try {
    const opened = openDatabase(path, { readonly: true });
    cached?.opened.close();
    holder[CACHE_KEY] = { path, inode, opened };
    return { ok: true, path, database: opened };
  } catch (error) {
    return { ok: false, path, reason: error instanceof Error ? error.message : String(error) };
  }
}
