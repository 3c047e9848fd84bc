/**
 * Split `total` into integers proportional to `weights` by largest remainder, each capped at `caps[j]`; what a
 * cap cuts off goes to the parts with room, in order of weight (then index). The parts sum to exactly `total`
 * as long as `total <= sum(caps)`.
 */
export function apportion(total: number, weights: ArrayLike<number>, caps: ArrayLike<number>): Int32Array {
  const m = weights.length;
  const parts = new Int32Array(m);
  if (m === 0 || total <= 0) return parts;
  let weightSum = 0;
  for (let j = 0; j < m; j++) weightSum += weights[j] as number;
  const quota = (j: number) => (weightSum > 0 ? (total * (weights[j] as number)) / weightSum : total / m);
  let assigned = 0;
  for (let j = 0; j < m; j++) {
    parts[j] = Math.floor(quota(j));
    assigned += parts[j] as number;
  }
  const byRemainder = Array.from({ length: m }, (_, j) => j).sort((a, b) => {
    const ra = quota(a) - Math.floor(quota(a));
    const rb = quota(b) - Math.floor(quota(b));
    return rb - ra || (weights[b] as number) - (weights[a] as number) || a - b;
  });
  for (let t = 0; assigned < total && t < m; t++) {
    const j = byRemainder[t] as number;
    parts[j] = (parts[j] as number) + 1;
    assigned++;
  }
  let overflow = 0;
  for (let j = 0; j < m; j++) {
    const cap = caps[j] as number;
    if ((parts[j] as number) > cap) {
      overflow += (parts[j] as number) - cap;
      parts[j] = cap;
    }
  }
  const byWeight = Array.from({ length: m }, (_, j) => j).sort(
    (a, b) => (weights[b] as number) - (weights[a] as number) || a - b,
  );
  while (overflow > 0) {
    let moved = false;
    for (const j of byWeight) {
      if (overflow === 0) break;
      const room = (caps[j] as number) - (parts[j] as number);
      if (room <= 0) continue;
      const give = Math.min(room, overflow);
      parts[j] = (parts[j] as number) + give;
      overflow -= give;
      moved = true;
    }
    if (!moved) break;
  }
  return parts;
}
