import Link from 'next/link';
import { ExportLinks } from '../../components/export-links.tsx';
import { FilterBar } from '../../components/filter-bar.tsx';
import { Empty, FixtureBanner, NoDatabase } from '../../components/notices.tsx';
import { fixed } from '../../lib/format.ts';
import { pageContext } from '../../lib/page-context.ts';
import { href, type SearchParams } from '../../lib/params.ts';
import { loadDisagreementList, resolveSampleFilters, sampleQuery } from '../../lib/views/samples-view.ts';
import { sampleFilterSpecs } from '../../lib/views/sample-filter-specs.ts';

export default async function SamplesPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const context = await pageContext();
  if (!context.ok) return <NoDatabase path={context.path} reason={context.reason} />;
  const filters = resolveSampleFilters(context.catalog, await searchParams);
  if (!filters) return <Empty>No pruned results yet.</Empty>;
  const rows = loadDisagreementList(context.db, filters);
  const query = sampleQuery(filters);

  return (
    <>
      <FixtureBanner sweeps={context.fixtures} />
      <div className="page-head">
        <div>
          <h1>Where methods disagree</h1>
          <p className="subtitle">
            Samples of {filters.benchmark} at {filters.keep} kept tokens where some methods answer right (score ≥ 0.5) and others do not. Open one to
            see each method&apos;s kept tokens on the image.
          </p>
        </div>
        <ExportLinks view="disagreements" query={query} />
      </div>
      <FilterBar filters={sampleFilterSpecs(context.catalog, filters)} query={query} />
      <section className="panel">
        {rows.length === 0 ? (
          <p className="muted">No results at this budget yet.</p>
        ) : (
          <table className="data" data-testid="disagreements">
            <thead>
              <tr>
                <th>Sample</th>
                <th className="num">Methods</th>
                <th className="num">Spread</th>
                <th className="num">Mean</th>
                <th>Right</th>
                <th>Wrong</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((d) => (
                <tr key={d.sampleId}>
                  <td>
                    <Link href={href('/samples/detail', { ...query, sample: d.sampleId })}>{d.sampleId}</Link>
                  </td>
                  <td className="num">{d.methods}</td>
                  <td className="num">{fixed(d.max - d.min, 2)}</td>
                  <td className="num">{fixed(d.mean, 2)}</td>
                  <td className="wrap small score-good">{d.right ?? '—'}</td>
                  <td className="wrap small score-bad">{d.wrong ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </>
  );
}
