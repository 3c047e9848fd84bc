/**
 * Python's `float(text)`, which ChartQA's relaxed accuracy uses to decide whether an answer is a number. JS
 * `Number()` differs (it reads "" as 0, "0x10" as 16, rejects "1_000" and "infinity"), so the grammar is spelled out.
 */
const DIGITS = '\\d(?:_?\\d)*';
const PY_FLOAT = new RegExp(
  `^[+-]?(?:(?:${DIGITS}(?:\\.(?:${DIGITS})?)?|\\.${DIGITS})(?:[eE][+-]?${DIGITS})?|inf(?:inity)?|nan)$`,
  'i',
);

export function pythonFloat(text: string): number | null {
  const trimmed = text.trim();
  if (!PY_FLOAT.test(trimmed)) return null;
  const lower = trimmed.toLowerCase().replaceAll('_', '');
  const sign = lower.startsWith('-') ? -1 : 1;
  const body = lower.replace(/^[+-]/, '');
  if (body.startsWith('inf')) return sign * Infinity;
  if (body === 'nan') return Number.NaN;
  return Number(lower);
}
