'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';

const PAGES = [
  { href: '/', label: 'Leaderboard' },
  { href: '/curves', label: 'Curves' },
  { href: '/samples', label: 'Samples' },
  { href: '/sweeps', label: 'Sweeps' },
  { href: '/fleet', label: 'Fleet' },
] as const;

export function Nav() {
  const pathname = usePathname();
  return (
    <nav className="nav" aria-label="Pages">
      {PAGES.map((page) => {
        const active = page.href === '/' ? pathname === '/' : pathname.startsWith(page.href);
        return (
          <Link key={page.href} href={page.href} aria-current={active ? 'page' : undefined}>
            {page.label}
          </Link>
        );
      })}
    </nav>
  );
}
