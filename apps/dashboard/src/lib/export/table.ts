/** Every page's data can be exported as this shape; CSV and JSON are two renderings of it. */
export type Cell = string | number | boolean | null;

export interface Table {
  name: string;
  columns: readonly string[];
  rows: readonly (readonly Cell[])[];
}

function csvField(value: Cell): string {
  if (value === null) return '';
  const text = typeof value === 'number' && !Number.isFinite(value) ? '' : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function toCsv(table: Table): string {
  const lines = [table.columns.map(csvField).join(',')];
  for (const row of table.rows) lines.push(row.map(csvField).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/** JSON as an array of objects keyed by column, the shape pandas.read_json and jq expect. */
export function toJsonRecords(table: Table): Record<string, Cell>[] {
  return table.rows.map((row) => {
    const record: Record<string, Cell> = {};
    table.columns.forEach((column, i) => {
      const value = row[i] ?? null;
      record[column] = typeof value === 'number' && !Number.isFinite(value) ? null : value;
    });
    return record;
  });
}
