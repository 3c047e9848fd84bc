import Link from 'next/link';
import { ExportLinks } from '../../components/export-links.tsx';
import { Empty, FixtureBanner, NoDatabase } from '../../components/notices.tsx';
import { ShardBar } from '../../components/progress.tsx';
import { ago, duration, integer, keepLabel, percent } from '../../lib/format.ts';
import { pageContext } from '../../lib/page-context.ts';
import { href, queryOf, type SearchParams } from '../../lib/params.ts';
import { loadSweeps } from '../../lib/views/sweeps-view.ts';

export default async function SweepsPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const context = await pageContext();
  if (!context.ok) return <NoDatabase path={context.path} reason={context.reason} />;
  const data = loadSweeps(context.db, await searchParams);
  const { selected, now } = data;
  if (!selected) return <Empty>No sweeps have been submitted yet.</Empty>;
  const query = queryOf({ sweep: selected.id });

  return (
    <>
      <FixtureBanner sweeps={context.fixtures} />
      <div className="page-head">
        <div>
          <h1>
            Sweep #{selected.id} · {selected.name} <span className={`badge ${selected.state}`}>{selected.state}</span>
          </h1>
          <p className="subtitle">
            Started {ago(selected.createdAt, now)}
            {selected.finishedAt ? `, finished ${ago(selected.finishedAt, now)}` : ''}. Throughput is measured over the last 5 minutes of results.
          </p>
        </div>
        <ExportLinks view="sweeps" query={query} />
      </div>

      <div className="stats" data-testid="sweep-stats">
        <div className="stat">
          <div className="label">Progress</div>
          <div className="value">{percent(selected.samples === 0 ? Number.NaN : selected.samplesDone / selected.samples)}</div>
        </div>
        <div className="stat">
          <div className="label">Samples</div>
          <div className="value">
            {integer(selected.samplesDone)} / {integer(selected.samples)}
          </div>
        </div>
        <div className="stat">
          <div className="label">Throughput</div>
          <div className="value">{selected.ratePerMinute.toFixed(1)} /min</div>
        </div>
        <div className="stat">
          <div className="label">ETA</div>
          <div className="value" data-testid="eta">{selected.state === 'done' ? 'done' : duration(selected.etaSeconds)}</div>
        </div>
        <div className="stat">
          <div className="label">Shards done · leased · queued · failed</div>
          <div className="value">
            {selected.shards.done ?? 0} · {selected.shards.leased ?? 0} · {selected.shards.queued ?? 0} ·{' '}
            <span style={{ color: (selected.shards.failed ?? 0) > 0 ? 'var(--bad)' : undefined }}>{selected.shards.failed ?? 0}</span>
          </div>
        </div>
      </div>

      <section className="panel">
        <div className="panel-head">
          <h2>All sweeps</h2>
        </div>
        <table className="data" data-testid="sweeps">
          <thead>
            <tr>
              <th>#</th>
              <th>Name</th>
              <th>State</th>
              <th>Shards</th>
              <th className="num">Samples</th>
              <th className="num">Rate</th>
              <th className="num">ETA</th>
              <th className="num">Started</th>
            </tr>
          </thead>
          <tbody>
            {data.sweeps.map((s) => (
              <tr key={s.id} className={s.id === selected.id ? 'reference' : undefined}>
                <td>{s.id}</td>
                <td>
                  <Link href={href('/sweeps', { sweep: s.id })}>{s.name}</Link>
                </td>
                <td>
                  <span className={`badge ${s.state}`}>{s.state}</span>
                </td>
                <td style={{ minWidth: 180 }}>
                  <ShardBar shards={s.shards} />
                </td>
                <td className="num">
                  {integer(s.samplesDone)} / {integer(s.samples)}
                </td>
                <td className="num">{s.ratePerMinute.toFixed(1)} /min</td>
                <td className="num">{s.state === 'done' ? '—' : duration(s.etaSeconds)}</td>
                <td className="num">{ago(s.createdAt, now)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      <section className="panel">
        <div className="panel-head">
          <h2>Failures and retries ({data.failures.length})</h2>
        </div>
        {data.failures.length === 0 ? (
          <p className="muted">No shard of this sweep has reported an error.</p>
        ) : (
          <table className="data" data-testid="failures">
            <thead>
              <tr>
                <th>Shard</th>
                <th>Setting</th>
                <th>Samples</th>
                <th>State</th>
                <th className="num">Attempts</th>
                <th>Last error</th>
              </tr>
            </thead>
            <tbody>
              {data.failures.map((f) => (
                <tr key={f.shardId}>
                  <td>#{f.shardId}</td>
                  <td>{f.setting}</td>
                  <td className="mono">
                    {f.sampleStart}–{f.sampleEnd - 1}
                  </td>
                  <td>
                    <span className={`badge ${f.state}`}>{f.state}</span>
                  </td>
                  <td className="num">{f.attempts}</td>
                  <td className="wrap error-text">{f.lastError}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      <section className="panel">
        <div className="panel-head">
          <h2>Jobs ({data.jobs.length})</h2>
        </div>
        <div className="table-scroll">
          <table className="data" data-testid="jobs">
            <thead>
              <tr>
                <th>Job</th>
                <th>Model</th>
                <th>Benchmark</th>
                <th>Method</th>
                <th className="num">Budget</th>
                <th>Policy</th>
                <th>State</th>
                <th>Shards</th>
                <th className="num">Samples</th>
              </tr>
            </thead>
            <tbody>
              {data.jobs.map((j) => (
                <tr key={j.id} data-job-state={j.state}>
                  <td>#{j.id}</td>
                  <td>{j.model}</td>
                  <td>{j.benchmark}</td>
                  <td>{j.method}</td>
                  <td className="num">{j.keep === 0 ? 'all' : keepLabel(j.keep, null)}</td>
                  <td>{j.policy}</td>
                  <td>
                    <span className={`badge ${j.state}`}>{j.state}</span>
                  </td>
                  <td style={{ minWidth: 160 }}>
                    <ShardBar shards={j.shards} />
                  </td>
                  <td className="num">
                    {integer(j.samplesDone)} / {integer(j.samples)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </>
  );
}
