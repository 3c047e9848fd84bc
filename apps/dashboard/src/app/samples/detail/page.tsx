import Link from 'next/link';
import { ExportLinks } from '../../../components/export-links.tsx';
import { FilterBar } from '../../../components/filter-bar.tsx';
import { MaskCanvas } from '../../../components/mask-canvas.tsx';
import { Empty, FixtureBanner, NoDatabase } from '../../../components/notices.tsx';
import { fixed, milliseconds } from '../../../lib/format.ts';
import { FULL_TOKEN_COLOR, methodColor } from '../../../lib/method-colors.ts';
import { pageContext } from '../../../lib/page-context.ts';
import { href, pick, type SearchParams } from '../../../lib/params.ts';
import { loadSampleDetail, resolveSampleFilters, sampleQuery } from '../../../lib/views/samples-view.ts';
import { sampleFilterSpecs } from '../../../lib/views/sample-filter-specs.ts';

function ScoreText({ score }: { score: number }) {
  return <span className={score >= 0.5 ? 'score-good' : 'score-bad'}>{fixed(score, 2)}</span>;
}

export default async function SampleDetailPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const context = await pageContext();
  if (!context.ok) return <NoDatabase path={context.path} reason={context.reason} />;
  const params = await searchParams;
  const filters = resolveSampleFilters(context.catalog, params);
  const sampleId = pick(params, 'sample');
  if (!filters || !sampleId) return <Empty>Pick a sample from the <Link href="/samples">disagreement list</Link>.</Empty>;
  const detail = loadSampleDetail(context.db, context.catalog, filters, sampleId);
  const query = { ...sampleQuery(filters), sample: sampleId };
  const imageUrl = detail.sampleIndex === null ? null : href('/api/image', { benchmark: filters.benchmark, index: detail.sampleIndex, sample: sampleId });
  const fullGridSide = detail.methods.find((m) => m.grid)?.grid?.rows ?? null;

  return (
    <>
      <FixtureBanner sweeps={context.fixtures} />
      <div className="page-head">
        <div>
          <h1>
            Sample {sampleId} <span className="muted">· {filters.model} · {filters.keep} kept tokens</span>
          </h1>
          <p className="subtitle">
            <Link href={href('/samples', sampleQuery(filters))}>← back to the disagreement list</Link>
          </p>
        </div>
        <ExportLinks view="sample" query={query} />
      </div>
      <FilterBar filters={sampleFilterSpecs(context.catalog, filters)} query={query} />
      <section className="panel">
        <dl className="qa" data-testid="sample-question">
          <dt>Question</dt>
          <dd>{detail.sample?.question ?? <span className="muted">{detail.sampleProblem}</span>}</dd>
          <dt>Target</dt>
          <dd className="mono">{detail.target ?? '—'}</dd>
          {detail.full.map((f) => (
            <FullAnswer key={`${f.sweepId}/${f.policy}`} answer={f.answer} score={f.score} />
          ))}
        </dl>
      </section>
      {detail.methods.length === 0 ? (
        <Empty>No method has a result for this sample at {filters.keep} tokens yet.</Empty>
      ) : (
        <div className="masks" data-testid="masks">
          <div className="mask-card" data-method="full-token">
            {fullGridSide ? (
              <MaskCanvas imageUrl={imageUrl} rows={fullGridSide} cols={fullGridSide} mask={'1'.repeat(fullGridSide * fullGridSide)} color={FULL_TOKEN_COLOR} label="full-token" />
            ) : null}
            <div className="meta">
              <b>full-token</b> · all tokens
              {detail.full[0] ? (
                <div>
                  <span className="answer">{detail.full[0].answer}</span> · <ScoreText score={detail.full[0].score} />
                </div>
              ) : null}
            </div>
          </div>
          {detail.methods.map(({ result, grid }) => (
            <div className="mask-card" key={`${result.sweepId}/${result.method}/${result.policy}`} data-method={result.method} data-kept={result.keptCount} data-kept-in-view={grid?.keptInView}>
              {grid ? (
                <MaskCanvas
                  imageUrl={imageUrl}
                  rows={grid.rows}
                  cols={grid.cols}
                  mask={Array.from(grid.kept).join('')}
                  color={methodColor(result.method)}
                  label={`${result.method} kept tokens`}
                />
              ) : (
                <div className="empty small">no grid for {result.tokensBefore} tokens</div>
              )}
              <div className="meta">
                <span className="swatch" style={{ background: methodColor(result.method) }} />
                <b>{result.method}</b> <span className="muted">· {result.policy}</span>
                <div>
                  <span className="answer">{result.answer}</span> · <ScoreText score={result.score} />
                </div>
                <div className="muted small">
                  kept {result.keptCount} of {result.tokensBefore} · prefill {milliseconds(result.prefillMs)}
                  {grid?.note ? ` · ${grid.note}` : ''}
                </div>
              </div>
            </div>
          ))}
        </div>
      )}
    </>
  );
}

function FullAnswer({ answer, score }: { answer: string; score: number }) {
  return (
    <>
      <dt>Full-token answer</dt>
      <dd>
        <span className="mono">{answer}</span> · <ScoreText score={score} />
      </dd>
    </>
  );
}
