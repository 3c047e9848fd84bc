import { connection } from 'next/server';
import type { PrunebenchDb } from '@prunebench/db';
import { getDatabase } from './db/client.ts';
import { fixtureSweeps, loadCatalog, type Catalog } from './queries/catalog.ts';

export type PageContext =
  | { ok: true; db: PrunebenchDb; catalog: Catalog; fixtures: { id: number; name: string }[] }
  | { ok: false; path: string; reason: string };

/** Everything a page needs before its own queries; always request-time, never prerendered at build. */
export async function pageContext(): Promise<PageContext> {
  await connection();
  const status = getDatabase();
  if (!status.ok) return status;
  const { db } = status.database;
  try {
    return { ok: true, db, catalog: loadCatalog(db), fixtures: fixtureSweeps(db) };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, path: status.path, reason: `not a prunebench database yet: ${message}` };
  }
}
