import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import Link from 'next/link';
import './globals.css';
import { LiveRefresh } from '../components/live-refresh.tsx';
import { Nav } from '../components/nav.tsx';

export const metadata: Metadata = {
  title: 'prunebench',
  description: 'Visual-token pruning sweeps: leaderboard, retention curves, sweeps, fleet and per-sample drill-down.',
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <header className="topbar">
          <Link href="/" className="brand">
            prune<span>bench</span>
          </Link>
          <Nav />
          <div className="spacer" />
          <LiveRefresh />
        </header>
        <main>{children}</main>
      </body>
    </html>
  );
}
