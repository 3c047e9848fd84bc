/** Display helpers shared by tables and charts; NaN and null render as an em dash, never as "NaN". */
const DASH = '—';

export function percent(value: number | null | undefined, digits = 1): string {
  return value === null || value === undefined || !Number.isFinite(value) ? DASH : `${(value * 100).toFixed(digits)}%`;
}

export function fixed(value: number | null | undefined, digits = 3): string {
  return value === null || value === undefined || !Number.isFinite(value) ? DASH : value.toFixed(digits);
}

export function integer(value: number | null | undefined): string {
  return value === null || value === undefined || !Number.isFinite(value) ? DASH : Math.round(value).toLocaleString('en-US');
}

export function milliseconds(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return DASH;
  return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(1)} ms`;
}

export function flops(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return DASH;
  const units: [number, string][] = [[1e15, 'P'], [1e12, 'T'], [1e9, 'G'], [1e6, 'M']];
  for (const [scale, unit] of units) if (value >= scale) return `${(value / scale).toFixed(2)} ${unit}FLOPs`;
  return `${value.toFixed(0)} FLOPs`;
}

/** "12 s ago", "5 min ago": heartbeats and last results are read relative to now. */
export function ago(timestampMs: number | null | undefined, nowMs: number): string {
  if (timestampMs === null || timestampMs === undefined || !Number.isFinite(timestampMs)) return 'never';
  const seconds = Math.max(0, Math.round((nowMs - timestampMs) / 1000));
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86400) return `${(seconds / 3600).toFixed(1)} h ago`;
  return `${(seconds / 86400).toFixed(1)} d ago`;
}

export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return DASH;
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`;
}

export function keepLabel(keepTokens: number | null, keepRatio: number | null): string {
  const ratio = keepRatio !== null && Number.isFinite(keepRatio) ? `${(keepRatio * 100).toFixed(1).replace(/\.0$/, '')}%` : null;
  if (keepTokens !== null && Number.isFinite(keepTokens)) return ratio ? `${keepTokens} (${ratio})` : String(keepTokens);
  return ratio ?? DASH;
}
