/** A stacked bar of shard states: done, leased (in progress), failed; the rest is queued. */
export function ShardBar({ shards, title }: { shards: Record<string, number>; title?: string }) {
  const total = Object.values(shards).reduce((s, v) => s + v, 0);
  const width = (state: string) => `${total === 0 ? 0 : ((shards[state] ?? 0) / total) * 100}%`;
  const summary = ['done', 'leased', 'queued', 'failed'].map((s) => `${s} ${shards[s] ?? 0}`).join(' · ');
  return (
    <div className="progress" title={title ?? summary} data-shards={summary}>
      <span className="done" style={{ width: width('done') }} />
      <span className="leased" style={{ width: width('leased') }} />
      <span className="failed" style={{ width: width('failed') }} />
    </div>
  );
}
