import { connection, type NextRequest } from 'next/server';
import { getDatabase } from '../../../../lib/db/client.ts';
import { toCsv, toJsonRecords, type Table } from '../../../../lib/export/table.ts';
import type { SearchParams } from '../../../../lib/params.ts';
import { EXPORTS } from '../../../../lib/views/export-registry.ts';

function fileName(table: Table, extension: string): string {
  return `${table.name.replace(/[^A-Za-z0-9._-]+/g, '_')}.${extension}`;
}

/**
 * GET /api/export/<view>?format=csv|json&table=<n>&<the page's filters>. CSV is one table (the first unless
 * `table` says otherwise); JSON without `table` holds every table of the view, keyed by name.
 */
export async function GET(request: NextRequest, { params }: { params: Promise<{ view: string }> }): Promise<Response> {
  await connection();
  const { view } = await params;
  const exporter = EXPORTS[view];
  if (!exporter) return new Response(`unknown view "${view}"; one of: ${Object.keys(EXPORTS).join(', ')}\n`, { status: 404 });
  const status = getDatabase();
  if (!status.ok) return new Response(`${status.reason}: ${status.path}\n`, { status: 503 });
  const search: SearchParams = Object.fromEntries(request.nextUrl.searchParams.entries());
  const format = request.nextUrl.searchParams.get('format') ?? 'csv';
  if (format !== 'csv' && format !== 'json') return new Response('format must be csv or json\n', { status: 400 });
  const tables = exporter(status.database.db, search);
  const tableParam = request.nextUrl.searchParams.get('table');
  const chosen = tableParam === null ? null : (tables.find((t) => t.name === tableParam) ?? tables[Number(tableParam)] ?? null);
  if (tableParam !== null && !chosen) return new Response(`no table "${tableParam}" in ${view}; tables: ${tables.map((t) => t.name).join(', ')}\n`, { status: 404 });

  if (format === 'csv') {
    const table = chosen ?? tables[0];
    if (!table) return new Response('nothing to export for these filters\n', { status: 404 });
    return new Response(toCsv(table), {
      headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="${fileName(table, 'csv')}"` },
    });
  }
  const body = chosen ? toJsonRecords(chosen) : Object.fromEntries(tables.map((t) => [t.name, toJsonRecords(t)]));
  const name = chosen ? fileName(chosen, 'json') : `${view}.json`;
  return new Response(JSON.stringify(body, null, 2), {
    headers: { 'content-type': 'application/json; charset=utf-8', 'content-disposition': `attachment; filename="${name}"` },
  });
}
