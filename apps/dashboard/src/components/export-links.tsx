/** CSV and JSON downloads of the table or curve on screen, with the same filters. */
export function ExportLinks({ view, query, table }: { view: string; query: Record<string, string>; table?: number }) {
  const link = (format: 'csv' | 'json') => {
    const params = new URLSearchParams(query);
    params.set('format', format);
    if (table !== undefined) params.set('table', String(table));
    return `/api/export/${view}?${params.toString()}`;
  };
  return (
    <div className="exports" data-export={table === undefined ? view : `${view}/${table}`}>
      <a href={link('csv')} download>
        CSV
      </a>
      <a href={link('json')} download>
        JSON
      </a>
    </div>
  );
}
