import Link from 'next/link';
import { CurveChart, type CurveSeries } from '../../components/charts/curve-chart.tsx';
import { ExportLinks } from '../../components/export-links.tsx';
import { FilterBar, type FilterSpec } from '../../components/filter-bar.tsx';
import { Empty, FixtureBanner, NoDatabase } from '../../components/notices.tsx';
import { fixed, flops, integer, milliseconds, percent } from '../../lib/format.ts';
import { pageContext } from '../../lib/page-context.ts';
import { href, type SearchParams } from '../../lib/params.ts';
import { axisValue, pointLabel, type CurveAxis, type CurveLine } from '../../lib/views/curves.ts';
import { curveQuery, loadCurves, resolveCurveFilters } from '../../lib/views/curves-view.ts';

const AXES: { axis: CurveAxis; label: string; name: string; format: 'percent' | 'ms' | 'flops' }[] = [
  { axis: 'keep', label: 'Keep ratio', name: 'kept visual tokens', format: 'percent' },
  { axis: 'latency', label: 'Prefill latency', name: 'prefill latency (measured)', format: 'ms' },
  { axis: 'flops', label: 'FLOPs', name: 'FLOPs (estimate)', format: 'flops' },
];

function toSeries(lines: readonly CurveLine[], axis: CurveAxis, highlight: string | undefined): CurveSeries[] {
  const multiplePolicies = new Set(lines.filter((l) => !l.reference).map((l) => l.policy)).size > 1;
  return lines.map((line) => {
    const name = line.reference ? 'full-token' : multiplePolicies ? `${line.method} (${line.policy})` : line.method;
    let points = line.points.map((p) => ({ x: axisValue(p, axis), y: p.interval.mean, low: p.interval.low, high: p.interval.high, n: p.interval.n, label: pointLabel(p) }));
    const first = points[0];
    // On the keep axis the reference is a horizontal line across the swept range, so every budget can be read against it.
    if (line.reference && axis === 'keep' && first) {
      const minRatio = Math.min(...lines.flatMap((l) => l.points.map((p) => p.keepRatio)));
      points = [{ ...first, x: minRatio }, first];
    }
    const faded = highlight !== undefined && !line.reference && line.method !== highlight;
    const dash = line.policy === 'compact' ? 'dotted' : line.policy === 'preserve' ? 'dashed' : 'solid';
    // With a highlighted method only its band (and the reference's) is drawn, so the band can be read.
    const band = highlight === undefined || line.reference || line.method === highlight;
    return { name, color: faded ? `${line.color}55` : line.color, reference: line.reference, dash, band, points };
  });
}

export default async function CurvesPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const context = await pageContext();
  if (!context.ok) return <NoDatabase path={context.path} reason={context.reason} />;
  const { db, catalog } = context;
  const filters = resolveCurveFilters(catalog, await searchParams);
  if (!filters) return <Empty>No results yet.</Empty>;
  const lines = loadCurves(db, filters);
  const query = curveQuery(filters);
  const axis = AXES.find((a) => a.axis === filters.axis) ?? AXES[0];
  if (!axis) return null;
  const series = toSeries(lines, filters.axis, filters.method);

  const filterSpecs: FilterSpec[] = [
    { name: 'model', label: 'Model', value: filters.model, options: catalog.models.map((m) => ({ value: m, label: m })) },
    { name: 'benchmark', label: 'Benchmark', value: filters.benchmark, options: (catalog.benchmarksByModel.get(filters.model) ?? []).map((b) => ({ value: b, label: b })) },
    { name: 'policy', label: 'Position policy', value: filters.policy ?? '', options: [{ value: '', label: 'All policies' }, ...catalog.policies.map((p) => ({ value: p, label: p }))] },
    { name: 'sweep', label: 'Sweep', value: filters.sweepId === undefined ? '' : String(filters.sweepId), options: [{ value: '', label: 'All sweeps' }, ...catalog.sweeps.map((s) => ({ value: String(s.id), label: `#${s.id} ${s.name}` }))] },
    { name: 'method', label: 'Highlight', value: filters.method ?? '', options: [{ value: '', label: 'No highlight' }, ...catalog.methods.map((m) => ({ value: m, label: m }))] },
  ];

  return (
    <>
      <FixtureBanner sweeps={context.fixtures} />
      <div className="page-head">
        <div>
          <h1>
            Curves · {filters.model} · {filters.benchmark}
          </h1>
          <p className="subtitle">Mean score per budget with 95% bootstrap bands over samples (200 resamples). Hover a budget to read every method.</p>
        </div>
        <ExportLinks view="curves" query={query} />
      </div>
      <FilterBar filters={filterSpecs} query={query} />
      <section className="panel">
        <div className="panel-head">
          <h2>Score vs {axis.label}</h2>
          <div className="seg" role="tablist">
            {AXES.map((a) => (
              <Link key={a.axis} href={href('/curves', { ...query, x: a.axis === 'keep' ? undefined : a.axis })} aria-current={a.axis === filters.axis ? 'true' : undefined}>
                {a.label}
              </Link>
            ))}
          </div>
        </div>
        {lines.length === 0 ? (
          <p className="muted">No results for these filters yet.</p>
        ) : (
          <CurveChart series={series} xName={axis.name} yName="score" xFormat={axis.format} yFormat="score" label={`curves-${filters.axis}`} height={460} />
        )}
      </section>
      <section className="panel">
        <div className="panel-head">
          <h2>Points</h2>
        </div>
        <div className="table-scroll">
          <table className="data" data-testid="curve-points">
            <thead>
              <tr>
                <th>Method</th>
                <th>Policy</th>
                <th className="num">Budget</th>
                <th className="num">Score</th>
                <th className="num">95% CI</th>
                <th className="num">Relative</th>
                <th className="num">Samples</th>
                <th className="num">Prefill</th>
                <th className="num">FLOPs</th>
              </tr>
            </thead>
            <tbody>
              {(() => {
                const full = lines.find((l) => l.reference)?.points[0]?.interval.mean;
                return lines.flatMap((line) =>
                  [...line.points].reverse().map((p) => (
                    <tr key={`${line.key}/${p.keep}`} className={line.reference ? 'reference' : undefined} data-method={line.method}>
                      <td>
                        <span className="swatch" style={{ background: line.color }} />
                        {line.method}
                      </td>
                      <td>{line.policy}</td>
                      <td className="num">{pointLabel(p)}</td>
                      <td className="num">{fixed(p.interval.mean)}</td>
                      <td className="num muted">
                        {fixed(p.interval.low)} – {fixed(p.interval.high)}
                      </td>
                      <td className="num">{full ? percent(p.interval.mean / full) : '—'}</td>
                      <td className="num">{integer(p.interval.n)}</td>
                      <td className="num">{milliseconds(p.prefillMs)}</td>
                      <td className="num">{flops(p.flops)}</td>
                    </tr>
                  )),
                );
              })()}
            </tbody>
          </table>
        </div>
      </section>
    </>
  );
}
