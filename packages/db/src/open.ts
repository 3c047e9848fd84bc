import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import * as schema from './schema.ts';

export type PrunebenchDb = BetterSQLite3Database<typeof schema>;

export interface OpenedDatabase {
  db: PrunebenchDb;
  /** The raw connection, for prepared statements on hot paths and pragmas. */
  sqlite: Database.Database;
  close(): void;
}

export interface OpenOptions {
  /** Read-only readers (the dashboard) never migrate and never write; the file must exist. */
  readonly?: boolean;
}

/** Where the committed drizzle-kit migrations live (resolved at call time, never at import time). */
export function migrationsFolder(): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', 'drizzle');
}

/**
 * Opens the prunebench database. The writer (the coordinator) creates the file, switches it to WAL so readers never
 * block it, and applies pending migrations; readers open it read-only.
 */
export function openDatabase(path: string, options: OpenOptions = {}): OpenedDatabase {
  const readonly = options.readonly ?? false;
  if (!readonly) mkdirSync(dirname(path), { recursive: true });
  let sqlite: Database.Database;
  try {
    sqlite = new Database(path, { readonly, fileMustExist: readonly });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`cannot open database ${path}${readonly ? ' (read-only)' : ''}: ${reason}`, { cause: error });
  }
  // The first writes (WAL files, migrations) are where a read-only or full file system shows: name the file.
  try {
    sqlite.pragma('busy_timeout = 5000');
    if (!readonly) {
      sqlite.pragma('journal_mode = WAL');
      // WAL + NORMAL: a commit survives a process crash; only an OS crash can lose the last transactions.
      sqlite.pragma('synchronous = NORMAL');
      sqlite.pragma('foreign_keys = ON');
    }
    const db = drizzle({ client: sqlite, schema, casing: 'snake_case' });
    if (!readonly) migrate(db, { migrationsFolder: migrationsFolder() });
    return { db, sqlite, close: () => sqlite.close() };
  } catch (error) {
    sqlite.close();
    const reason = error instanceof Error ? error.message : String(error);
    const hint = readonly ? '' : ' (the writer needs to write the file, its folder and the -wal/-shm files beside it: is the file system read-only or full?)';
    throw new Error(`cannot open database ${path}${readonly ? ' (read-only)' : ''}: ${reason}${hint}`, { cause: error });
  }
}
