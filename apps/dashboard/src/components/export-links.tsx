/** CSV and JSON downloads of the table or curve on screen, with the same filters. */
export function ExportLinks({ view, query }: { view: string; query: Record<string, string> }) {
  const link = (format: 'csv' | 'json') => {
    const params = new URLSearchParams(query);
    params.set('format', format);
    return `/api/export/${view}?${params.toString()}`;
  };
  return (
    <div className="exports" data-export={view}>
      <a href={link('csv')} download>
        CSV
      </a>
      <a href={link('json')} download>
        JSON
      </a>
    </div>
  );
}
