import Link from 'next/link';
import { ExportLinks } from '../components/export-links.tsx';
import { FilterBar, type FilterSpec } from '../components/filter-bar.tsx';
import { Empty, FixtureBanner, NoDatabase } from '../components/notices.tsx';
import { FULL_TOKEN_COLOR, methodColor } from '../lib/method-colors.ts';
import { fixed, integer, percent } from '../lib/format.ts';
import { pageContext } from '../lib/page-context.ts';
import { href, type SearchParams } from '../lib/params.ts';
import { leaderboardQuery, loadLeaderboard, resolveLeaderboardFilters } from '../lib/views/leaderboard-view.ts';
import { scoresTable } from '../lib/views/leaderboard.ts';
import type { LeaderCell } from '../lib/views/leaderboard.ts';

/** Red at half of full-token performance or below, green at full or above. */
function heat(relative: number): string {
  if (!Number.isFinite(relative)) return 'transparent';
  const t = Math.max(0, Math.min(1, (relative - 0.5) / 0.5));
  return `hsl(${Math.round(t * 125)}, 65%, 90%)`;
}

function cellTitle(cell: LeaderCell): string {
  return `relative ${percent(cell.relative)} over ${cell.benchmarks} benchmark(s); mean score ${fixed(cell.score)}; n=${cell.n}`;
}

export default async function LeaderboardPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const context = await pageContext();
  if (!context.ok) return <NoDatabase path={context.path} reason={context.reason} />;
  const { db, catalog } = context;
  const filters = resolveLeaderboardFilters(catalog, await searchParams);
  if (!filters) return <Empty>No sweeps have been submitted yet.</Empty>;
  const { board, aggregates } = loadLeaderboard(db, catalog, filters);
  const scores = scoresTable(board, aggregates, filters.model);
  const query = leaderboardQuery(filters);
  const keeps = catalog.keepsByModel.get(filters.model) ?? [];

  const filterSpecs: FilterSpec[] = [
    { name: 'model', label: 'Model', value: filters.model, options: catalog.models.map((m) => ({ value: m, label: m })) },
    {
      name: 'benchmark',
      label: 'Benchmark',
      value: filters.benchmark ?? '',
      options: [{ value: '', label: 'All benchmarks' }, ...(catalog.benchmarksByModel.get(filters.model) ?? []).map((b) => ({ value: b, label: b }))],
    },
    {
      name: 'budget',
      label: 'Budget',
      value: String(filters.budget === 'standard' ? '' : filters.budget),
      options: [{ value: '', label: 'Standard budgets' }, { value: 'all', label: 'All budgets' }, ...keeps.map((k) => ({ value: String(k), label: `${k} tokens` }))],
    },
    {
      name: 'policy',
      label: 'Position policy',
      value: filters.policy ?? '',
      options: [{ value: '', label: 'All policies' }, ...catalog.policies.map((p) => ({ value: p, label: p }))],
    },
    {
      name: 'sweep',
      label: 'Sweep',
      value: filters.sweepId === undefined ? '' : String(filters.sweepId),
      options: [{ value: '', label: 'All sweeps' }, ...catalog.sweeps.map((s) => ({ value: String(s.id), label: `#${s.id} ${s.name}` }))],
    },
  ];
  if (typeof filters.budget !== 'number') {
    filterSpecs.push({
      name: 'rank',
      label: 'Rank by',
      value: filters.rank === 'mean' ? '' : String(filters.rank),
      options: [
        { value: '', label: 'Mean relative performance' },
        { value: 'auc', label: 'Area under retention curve' },
        ...board.columns.map((c) => ({ value: String(c.keep), label: `Relative at ${c.label}` })),
      ],
    });
  }

  const curveLink = (method: string | null) =>
    href('/curves', { model: filters.model, benchmark: filters.benchmark ?? board.benchmarks[0], policy: filters.policy, sweep: filters.sweepId, method });
  const multiplePolicies = new Set(board.rows.map((r) => r.policy)).size > 1;

  return (
    <>
      <FixtureBanner sweeps={context.fixtures} />
      <div className="page-head">
        <div>
          <h1>Leaderboard · {filters.model}</h1>
          <p className="subtitle">
            Relative performance = mean over {filters.benchmark ? `benchmark ${filters.benchmark}` : `${board.benchmarks.length} benchmark(s)`} of
            pruned / full-token score. AUC = area under the retention curve, normalised so that 100% means no loss at any budget.
            {board.family ? ` Model family: ${board.family}.` : ''}
          </p>
        </div>
        <ExportLinks view="leaderboard" query={query} />
      </div>
      <FilterBar filters={filterSpecs} query={query} />

      <section className="panel">
        <div className="table-scroll">
          <table className="data" data-testid="leaderboard">
            <thead>
              <tr>
                <th className="rank">#</th>
                <th>Method</th>
                {board.columns.map((c) => (
                  <th key={c.keep} className="num" title={c.standard ? 'standard budget' : 'budget'}>
                    {c.label}
                    {c.standard ? ' ★' : ''}
                  </th>
                ))}
                <th className="num">Mean relative</th>
                <th className="num">AUC</th>
              </tr>
            </thead>
            <tbody>
              <tr className="reference" data-method="full-token">
                <td className="rank">–</td>
                <td>
                  <span className="swatch" style={{ background: FULL_TOKEN_COLOR }} />
                  <Link href={curveLink(null)} className="cell-link">
                    full-token reference
                  </Link>
                </td>
                {board.columns.map((c) => (
                  <td key={c.keep} className="num">
                    100.0%
                  </td>
                ))}
                <td className="num">100.0%</td>
                <td className="num">100.0%</td>
              </tr>
              {board.rows.map((row, i) => (
                <tr key={`${row.method}/${row.policy}`} data-method={row.method} data-policy={row.policy}>
                  <td className="rank">{i + 1}</td>
                  <td>
                    <span className="swatch" style={{ background: methodColor(row.method) }} />
                    {row.method}
                    {multiplePolicies || row.policy !== 'default' ? <span className="badge" style={{ marginLeft: 8 }}>{row.policy}</span> : null}
                  </td>
                  {board.columns.map((c) => {
                    const cell = row.cells.get(c.keep);
                    return (
                      <td key={c.keep} className="num">
                        {cell ? (
                          <Link href={curveLink(row.method)} className="cell-link" title={cellTitle(cell)} data-keep={c.keep}>
                            <span className="heat" style={{ background: heat(cell.relative) }}>
                              {percent(cell.relative)}
                            </span>
                          </Link>
                        ) : (
                          <span className="muted">—</span>
                        )}
                      </td>
                    );
                  })}
                  <td className="num">
                    <b>{percent(row.meanRelative)}</b>
                  </td>
                  <td className="num">{percent(row.auc)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {board.rows.length === 0 ? <p className="muted">No pruned results for these filters yet.</p> : null}
      </section>

      <section className="panel">
        <div className="panel-head">
          <h2>Scores by benchmark (full-token reference first)</h2>
          <ExportLinks view="leaderboard" query={query} table={1} />
        </div>
        <div className="table-scroll">
          <table className="data" data-testid="reference">
            <thead>
              <tr>
                <th>Method</th>
                <th>Policy</th>
                <th className="num">Budget</th>
                {board.benchmarks.map((b) => (
                  <th key={b} className="num">
                    <Link href={href('/curves', { model: filters.model, benchmark: b, policy: filters.policy, sweep: filters.sweepId })}>{b}</Link>
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {scores.rows.map((row, i) => {
                const [, method, policy, keep, ...values] = row;
                return (
                  <tr key={i} className={keep === 0 ? 'reference' : undefined} data-method={String(method)}>
                    <td>
                      <span className="swatch" style={{ background: keep === 0 ? FULL_TOKEN_COLOR : methodColor(String(method)) }} />
                      {method}
                    </td>
                    <td>{policy}</td>
                    <td className="num">{keep === 0 ? 'all' : keep}</td>
                    {values.map((v, j) => (
                      <td key={j} className="num">
                        {typeof v === 'number' ? fixed(v) : '—'}
                      </td>
                    ))}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
        <p className="small muted">
          Full-token samples per benchmark: {board.benchmarks.map((b) => `${b} ${integer(board.reference.get(b)?.n)}`).join(' · ')}
        </p>
      </section>
    </>
  );
}
