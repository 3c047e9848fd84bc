/**
 * One colour per method on every page. The methods of the spec get fixed slots so screenshots stay comparable;
 * any other method id hashes into the palette.
 */
const PALETTE = [
  '#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2',
  '#ca8a04', '#db2777', '#4f46e5', '#65a30d', '#0d9488', '#7c3aed',
  '#b91c1c', '#475569',
] as const;

const KNOWN = [
  'gridprune', 'd2pruner', 'gprune', 'visionzip', 'fastv', 'fastervlm', 'divprune', 'cdpruner', 'dart',
  'random', 'uniform', 'vispruner', 'sparsevlm', 'pdrop',
] as const;

export const FULL_TOKEN_COLOR = '#111827';

export function methodColor(method: string): string {
  const slot = (KNOWN as readonly string[]).indexOf(method);
  if (slot >= 0) return PALETTE[slot % PALETTE.length] ?? '#475569';
  let hash = 0;
  for (const char of method) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return PALETTE[hash % PALETTE.length] ?? '#475569';
}
