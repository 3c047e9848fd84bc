import { readFile } from 'node:fs/promises';
import { connection, type NextRequest } from 'next/server';
import { imageContentType, readBenchmarkSample } from '../../../lib/benchmark-files.ts';
import { getDatabase } from '../../../lib/db/client.ts';
import { loadBenchmarkFolder } from '../../../lib/queries/samples.ts';

/** Serves a sample's image from its registered benchmark folder (never any other path). */
export async function GET(request: NextRequest): Promise<Response> {
  await connection();
  const benchmark = request.nextUrl.searchParams.get('benchmark');
  const index = Number(request.nextUrl.searchParams.get('index'));
  const sampleId = request.nextUrl.searchParams.get('sample') ?? undefined;
  if (!benchmark || !Number.isInteger(index) || index < 0) return new Response('benchmark and a non-negative integer index are required\n', { status: 400 });
  const status = getDatabase();
  if (!status.ok) return new Response(`${status.reason}\n`, { status: 503 });
  const folder = loadBenchmarkFolder(status.database.db, benchmark);
  if (folder === null) return new Response(`unknown benchmark ${benchmark}\n`, { status: 404 });
  const lookup = readBenchmarkSample(folder, index, sampleId);
  if (!lookup.ok) return new Response(`${lookup.reason}\n`, { status: 404 });
  const type = imageContentType(lookup.imagePath);
  if (!type) return new Response('unsupported image type\n', { status: 415 });
  try {
    const bytes = await readFile(/*turbopackIgnore: true*/ lookup.imagePath);
    return new Response(new Uint8Array(bytes), { headers: { 'content-type': type, 'cache-control': 'private, max-age=3600' } });
  } catch {
    return new Response(`cannot read ${lookup.sample.image}\n`, { status: 404 });
  }
}
