/**
 * Which budgets the papers quote, so the leaderboard can show them first: LLaVA-1.5 keeps 192/128/64 of 576 tokens,
 * LLaVA-NeXT 640/320 of 2880; any other layout (the embedded model, InternVL) is compared at ratio buckets.
 */
export const STANDARD_BUDGETS: Readonly<Record<string, readonly number[]>> = {
  'llava-1.5': [192, 128, 64],
  'llava-next': [640, 320],
};

/** Keep ratios quoted across papers: 50%, 33.3% (192/576), 25%, 22.2% (128/576, 640/2880), 11.1% (64/576, 320/2880). */
export const RATIO_BUCKETS: readonly number[] = [0.5, 1 / 3, 0.25, 2 / 9, 1 / 9];

export function familyFromTokens(tokensBefore: number | null): string | null {
  if (tokensBefore === 576) return 'llava-1.5';
  if (tokensBefore !== null && tokensBefore > 576 && tokensBefore <= 2880) return 'llava-next';
  return null;
}

export function isStandardBudget(keep: number, keepRatio: number, family: string | null): boolean {
  const quoted = family ? STANDARD_BUDGETS[family] : undefined;
  if (quoted && quoted.includes(keep)) return true;
  return RATIO_BUCKETS.some((bucket) => Math.abs(keepRatio - bucket) < 0.01);
}
