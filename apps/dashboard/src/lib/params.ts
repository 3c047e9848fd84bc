/** Search params as Next passes them; every page reads its filters through these helpers. */
export type SearchParams = Record<string, string | string[] | undefined>;

export function pick(params: SearchParams, name: string): string | undefined {
  const value = params[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined || first === '' ? undefined : first;
}

export function pickInt(params: SearchParams, name: string): number | undefined {
  const value = pick(params, name);
  if (value === undefined || !/^-?\d+$/.test(value)) return undefined;
  return Number.parseInt(value, 10);
}

/** The filters that are set, as a plain object for links, export URLs and the filter bar. */
export function queryOf(values: Record<string, string | number | undefined | null>): Record<string, string> {
  const query: Record<string, string> = {};
  for (const [key, value] of Object.entries(values)) if (value !== undefined && value !== null && value !== '') query[key] = String(value);
  return query;
}

export function href(path: string, query: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams(queryOf(query)).toString();
  return search ? `${path}?${search}` : path;
}

/** A requested value if it is one of the allowed ones, else the fallback (a stale link never crashes a page). */
export function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], fallback: T): T {
  return value !== undefined && (allowed as readonly string[]).includes(value) ? (value as T) : fallback;
}
