import type { ReactNode } from 'react';

export function NoDatabase({ path, reason }: { path: string; reason: string }) {
  return (
    <div className="panel empty" data-testid="no-database">
      <h2>No results to show yet</h2>
      <p>
        The dashboard reads <code>{path}</code> ({reason}).
      </p>
      <p>
        Run a sweep (<code>npm run demo</code>) or point <code>PRUNEBENCH_DB</code> at a coordinator database.
      </p>
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="panel empty">{children}</div>;
}

export function FixtureBanner({ sweeps }: { sweeps: readonly { id: number; name: string }[] }) {
  if (sweeps.length === 0) return null;
  return (
    <div className="banner" data-testid="fixture-banner">
      <b>Fixture data.</b> Sweep{sweeps.length > 1 ? 's' : ''} {sweeps.map((s) => `#${s.id} “${s.name}”`).join(', ')}{' '}
      {sweeps.length > 1 ? 'were' : 'was'} written by the dashboard&apos;s fixture seed: synthetic numbers for testing the
      pages, not measurements.
    </div>
  );
}
