'use client';

import { useRouter } from 'next/navigation';
import { useEffect, useState } from 'react';

type LiveState = 'idle' | 'live' | 'error';

/**
 * Polls a cheap fingerprint of the database (newest result id, shard states, newest heartbeat) and re-renders the
 * server components only when it changed, so pages follow a running sweep without reloading.
 */
export function LiveRefresh({ intervalMs = 3000 }: { intervalMs?: number }) {
  const router = useRouter();
  const [state, setState] = useState<LiveState>('idle');
  const [updatedAt, setUpdatedAt] = useState<string>('');

  useEffect(() => {
    let previous: string | null = null;
    let cancelled = false;
    const tick = async () => {
      if (document.hidden) return;
      try {
        const response = await fetch('/api/live', { cache: 'no-store' });
        if (!response.ok) throw new Error(String(response.status));
        const body = (await response.json()) as { fingerprint: string };
        if (cancelled) return;
        if (previous !== null && body.fingerprint !== previous) {
          router.refresh();
          setUpdatedAt(new Date().toLocaleTimeString());
        }
        previous = body.fingerprint;
        setState('live');
      } catch {
        if (!cancelled) setState('error');
      }
    };
    void tick();
    const timer = window.setInterval(() => void tick(), intervalMs);
    return () => {
      cancelled = true;
      window.clearInterval(timer);
    };
  }, [router, intervalMs]);

  const text = state === 'live' ? (updatedAt ? `live · updated ${updatedAt}` : 'live') : state === 'error' ? 'offline' : 'connecting';
  return (
    <div className="live" data-state={state} title="Pages refresh when new results, shard states or heartbeats arrive">
      <span className="dot" />
      {text}
    </div>
  );
}
