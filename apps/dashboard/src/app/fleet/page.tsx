import { ExportLinks } from '../../components/export-links.tsx';
import { Empty, FixtureBanner, NoDatabase } from '../../components/notices.tsx';
import { ago, integer } from '../../lib/format.ts';
import { pageContext } from '../../lib/page-context.ts';
import { loadFleet } from '../../lib/views/fleet-view.ts';

export default async function FleetPage() {
  const context = await pageContext();
  if (!context.ok) return <NoDatabase path={context.path} reason={context.reason} />;
  const fleet = loadFleet(context.db);
  const online = fleet.workers.filter((w) => w.status === 'online').length;
  const total = fleet.workers.reduce((s, w) => s + w.ratePerMinute, 0);

  return (
    <>
      <FixtureBanner sweeps={context.fixtures} />
      <div className="page-head">
        <div>
          <h1>Fleet</h1>
          <p className="subtitle">Workers lease shards while they heartbeat; samples/min is measured over the last 5 minutes of results.</p>
        </div>
        <ExportLinks view="fleet" query={{}} />
      </div>
      <div className="stats">
        <div className="stat">
          <div className="label">Workers online</div>
          <div className="value" data-testid="workers-online">
            {online} / {fleet.workers.length}
          </div>
        </div>
        <div className="stat">
          <div className="label">Fleet throughput</div>
          <div className="value">{total.toFixed(1)} /min</div>
        </div>
        <div className="stat">
          <div className="label">Busy</div>
          <div className="value">{fleet.workers.filter((w) => w.currentShardId !== null && w.status === 'online').length}</div>
        </div>
      </div>
      {fleet.workers.length === 0 ? (
        <Empty>No worker has registered yet. Start one with <code>prunebench worker</code>.</Empty>
      ) : (
        <section className="panel">
          <div className="table-scroll">
            <table className="data" data-testid="workers">
              <thead>
                <tr>
                  <th>Worker</th>
                  <th>Status</th>
                  <th>Provider</th>
                  <th className="num">Threads</th>
                  <th className="num">Memory</th>
                  <th>Models</th>
                  <th>Last heartbeat</th>
                  <th>Current shard</th>
                  <th className="num">Samples/min</th>
                  <th className="num">Samples done</th>
                </tr>
              </thead>
              <tbody>
                {fleet.workers.map((w) => (
                  <tr key={w.id} data-worker={w.id} data-status={w.status}>
                    <td>
                      <b>{w.id}</b>
                      <div className="small muted">{w.host}</div>
                    </td>
                    <td>
                      <span className={`badge ${w.status === 'online' ? 'online' : w.status === 'stale' ? 'pending' : 'offline'}`}>{w.status}</span>
                    </td>
                    <td>
                      {w.capabilities.provider}
                      {w.capabilities.simulated ? <span className="badge" style={{ marginLeft: 6 }}>simulated</span> : null}
                    </td>
                    <td className="num">{integer(w.capabilities.threads)}</td>
                    <td className="num">{(w.capabilities.memoryBytes / 2 ** 30).toFixed(0)} GiB</td>
                    <td className="wrap small" style={{ minWidth: 200 }}>{w.capabilities.models.map((m) => m.name).join(', ') || '—'}</td>
                    <td>{ago(w.lastHeartbeatAt, fleet.now)}</td>
                    <td className="wrap small" style={{ minWidth: 240 }}>
                      {w.currentShardId !== null && w.status !== 'offline' ? (
                        <>
                          #{w.currentShardId} {w.currentSetting}
                          <div className="muted mono">samples {w.currentRange}</div>
                        </>
                      ) : (
                        <span className="muted">idle</span>
                      )}
                    </td>
                    <td className="num">{w.ratePerMinute.toFixed(1)}</td>
                    <td className="num">{integer(w.samplesDone)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      )}
    </>
  );
}
