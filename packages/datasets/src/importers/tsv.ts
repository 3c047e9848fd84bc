/**
 * Tab-separated values as pandas writes them (`to_csv(sep='\t')`, minimal quoting): a field holding a tab, newline
 * or double quote is wrapped in double quotes, with inner quotes doubled.
 */
export function parseTsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === '\t') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => !(r.length === 1 && r[0] === ''));
}

/** Rows as objects keyed by the header row; `where` names file:line in errors. */
export function tsvRecords(text: string): Array<{ line: number; fields: Record<string, string> }> {
  const [header, ...rows] = parseTsv(text);
  if (!header) return [];
  return rows.map((r, i) => ({ line: i + 2, fields: Object.fromEntries(header.map((h, j) => [h, r[j] ?? ''])) }));
}
