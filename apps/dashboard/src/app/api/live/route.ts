import { connection } from 'next/server';
import { getDatabase } from '../../../lib/db/client.ts';
import { liveFingerprint } from '../../../lib/queries/live.ts';

export async function GET(): Promise<Response> {
  await connection();
  const status = getDatabase();
  if (!status.ok) return Response.json({ fingerprint: `missing:${status.reason}` }, { headers: { 'cache-control': 'no-store' } });
  try {
    return Response.json({ fingerprint: liveFingerprint(status.database.db) }, { headers: { 'cache-control': 'no-store' } });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return Response.json({ fingerprint: `error:${message}` }, { headers: { 'cache-control': 'no-store' } });
  }
}
