import type { PrunebenchDb } from '@prunebench/db';
import type { Table } from '../export/table.ts';
import { loadRecentResults, ratesPerMinute } from '../queries/activity.ts';
import { loadWorkers, workerStatus, type WorkerRow } from '../queries/fleet.ts';

export interface FleetWorker extends WorkerRow {
  status: 'online' | 'stale' | 'offline';
  ratePerMinute: number;
}

export interface FleetData {
  now: number;
  workers: FleetWorker[];
}

export function loadFleet(db: PrunebenchDb, now = Date.now()): FleetData {
  const rates = ratesPerMinute(loadRecentResults(db), (r) => r.workerId, now);
  return {
    now,
    workers: loadWorkers(db).map((w) => ({ ...w, status: workerStatus(w, now), ratePerMinute: rates.get(w.id) ?? 0 })),
  };
}

export function fleetTables(data: FleetData): Table[] {
  return [
    {
      name: 'fleet',
      columns: ['worker', 'host', 'status', 'provider', 'threads', 'memory_bytes', 'models', 'last_heartbeat', 'current_shard', 'current_setting', 'samples_per_minute', 'samples_done'],
      rows: data.workers.map((w) => [
        w.id, w.host, w.status, w.capabilities.provider, w.capabilities.threads, w.capabilities.memoryBytes,
        w.capabilities.models.map((m) => m.name).join(' '), new Date(w.lastHeartbeatAt).toISOString(), w.currentShardId, w.currentSetting,
        w.ratePerMinute, w.samplesDone,
      ]),
    },
  ];
}
