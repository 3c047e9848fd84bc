import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrationsFolder, openDatabase } from '@prunebench/db';
import Database from 'better-sqlite3';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { APP_DIR, ensureBuild, startServer } from '../scripts/next-server.ts';
import { buildMillionRowDatabase, resultRows } from './synthetic-million.ts';

/**
 * `npm run bench -w @prunebench/dashboard`: page response times of the production build over a database of about
 * one million result rows. The database is cached in bench-results/ (rebuilt with --fresh or when its size is
 * off); results go to bench-results/page-response.json and a Markdown table on stdout for the README.
 *
 * Modes (the indexes on `results` are brought to the mode's set before timing, so a cached database left by
 * another mode or an older schema measures the same as a fresh one):
 * - default: the schema exactly as committed: every packages/db migration applied, the indexes on `results` those
 *   of an empty database migrated the same way (covering index `results_setting_cover_idx` included).
 * - `--without-cover-index`: a comparison, not a schema anyone runs: the committed schema minus
 *   `results_setting_cover_idx`. Migration 0003 dropped `results_setting_idx` when the covering index replaced it,
 *   so this leaves no index led by the setting columns at all; the aggregates scan the result rows.
 */
const TARGET_ROWS = 1_000_000;
const REPEATS = Number(process.env.BENCH_REPEATS ?? 7);
const OUT = join(APP_DIR, 'bench-results');
const COVER_INDEX = 'results_setting_cover_idx';
const USAGE = 'expected --fresh and/or --without-cover-index';

type IndexMode = 'committed-schema' | 'without-cover-index';

function parseArguments(args: string[]): { fresh: boolean; mode: IndexMode } {
  for (const arg of args) {
    if (arg === '--proposed-index') {
      throw new Error(`--proposed-index is gone: ${COVER_INDEX} is in the committed schema, which the default mode measures (--without-cover-index drops it)`);
    }
    if (arg !== '--fresh' && arg !== '--without-cover-index') throw new Error(`unknown argument ${arg} (${USAGE})`);
  }
  return { fresh: args.includes('--fresh'), mode: args.includes('--without-cover-index') ? 'without-cover-index' : 'committed-schema' };
}

/** Name -> CREATE statement of every index on `results` (SQLite's own autoindexes have no statement and stay). */
function resultIndexes(sqlite: Database.Database): Map<string, string> {
  const rows = sqlite
    .prepare<[], { name: string; sql: string }>("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'results' AND sql IS NOT NULL")
    .all();
  return new Map(rows.map((row) => [row.name, row.sql]));
}

/** The indexes on `results` of the committed schema: those of an empty database with every migration applied. */
function committedResultIndexes(): Map<string, string> {
  const folder = mkdtempSync(join(tmpdir(), 'prunebench-committed-schema-'));
  try {
    const reference = openDatabase(join(folder, 'schema.sqlite'));
    try {
      return resultIndexes(reference.sqlite);
    } finally {
      reference.close();
    }
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

/**
 * Earlier versions of this bench created `results_setting_cover_idx` by hand (`--proposed-index`) before migration
 * 0003 created it, and migration 0003's CREATE INDEX fails on such a database. When migrations are pending, drop the
 * index first; the migrations, or the index sync after them, create it as committed.
 */
function dropCoverIndexBeforePendingMigrations(dbPath: string): void {
  const sqlite = new Database(dbPath);
  try {
    const journal = sqlite.prepare<[], { n: number }>("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = '__drizzle_migrations'").get();
    const lastApplied = journal?.n ? Number(sqlite.prepare<[], { last: number | null }>('SELECT max(created_at) AS last FROM __drizzle_migrations').get()?.last ?? 0) : 0;
    const pending = readMigrationFiles({ migrationsFolder: migrationsFolder() }).filter((migration) => migration.folderMillis > lastApplied);
    if (pending.length > 0) sqlite.exec(`DROP INDEX IF EXISTS ${COVER_INDEX}`);
  } finally {
    sqlite.close();
  }
}

/** Migrates the bench database and makes its indexes on `results` exactly the mode's set; returns their names. */
function prepareIndexes(dbPath: string, mode: IndexMode): string[] {
  const wanted = committedResultIndexes();
  if (!wanted.has(COVER_INDEX)) throw new Error(`the committed schema has no ${COVER_INDEX}: update this bench's modes`);
  if (mode === 'without-cover-index') wanted.delete(COVER_INDEX);
  dropCoverIndexBeforePendingMigrations(dbPath);
  const writer = openDatabase(dbPath);
  try {
    const present = resultIndexes(writer.sqlite);
    for (const [name, statement] of present) {
      if (wanted.get(name) !== statement) writer.sqlite.exec(`DROP INDEX "${name.replaceAll('"', '""')}"`);
    }
    for (const [name, statement] of wanted) {
      if (present.get(name) === statement) continue;
      process.stdout.write(`creating ${name} as committed (reads every result row) ...\n`);
      writer.sqlite.exec(statement);
    }
    writer.sqlite.exec('ANALYZE');
    return [...resultIndexes(writer.sqlite).keys()].sort();
  } finally {
    writer.close();
  }
}

const MODE_LABELS: Record<IndexMode, string> = {
  'committed-schema': 'mode: schema as committed (all packages/db migrations applied, covering index included)',
  'without-cover-index': `mode: comparison, committed schema WITHOUT ${COVER_INDEX} (no index led by the setting columns since migration 0003)`,
};

const PAGES: { name: string; path: string }[] = [
  { name: 'Leaderboard (all benchmarks, standard budgets)', path: '/?model=bench-llava-1.5-7b' },
  { name: 'Leaderboard (LLaVA-NeXT, all budgets)', path: '/?model=bench-llava-next-7b&budget=all' },
  { name: 'Curves (keep ratio, bootstrap bands)', path: '/curves?model=bench-llava-1.5-7b&benchmark=bench-vqa' },
  { name: 'Curves (prefill latency)', path: '/curves?model=bench-llava-next-7b&benchmark=bench-refcoco&x=latency' },
  { name: 'Sweeps', path: '/sweeps' },
  { name: 'Fleet', path: '/fleet' },
  { name: 'Samples: where methods disagree', path: '/samples?model=bench-llava-1.5-7b&benchmark=bench-gqa&keep=64' },
  { name: 'Sample drill-down', path: '/samples/detail?model=bench-llava-next-7b&benchmark=bench-pope&keep=320&sample=bench-pope-00042' },
  { name: 'Export leaderboard CSV', path: '/api/export/leaderboard?format=csv&model=bench-llava-1.5-7b' },
  { name: 'Live fingerprint (polled every 3 s)', path: '/api/live' },
];

function quantile(sorted: number[], q: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.round((sorted.length - 1) * q)));
  return sorted[i] ?? Number.NaN;
}

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const dbPath = join(OUT, 'bench-1m.sqlite');
  const { fresh, mode } = parseArguments(process.argv.slice(2));
  let rows = existsSync(dbPath) && !fresh ? resultRows(dbPath) : 0;
  if (rows < TARGET_ROWS * 0.99) {
    process.stdout.write(`writing ~${TARGET_ROWS.toLocaleString('en-US')} result rows to ${dbPath} ...\n`);
    const started = performance.now();
    rows = buildMillionRowDatabase(dbPath, TARGET_ROWS, (line) => process.stdout.write(`${line}\n`));
    process.stdout.write(`  done in ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
  }
  const indexes = prepareIndexes(dbPath, mode);
  process.stdout.write(`${MODE_LABELS[mode]}\nindexes on results: ${indexes.join(', ')}\n`);
  const sizeMb = statSync(dbPath).size / 2 ** 20;
  process.stdout.write(`database: ${rows.toLocaleString('en-US')} result rows, ${sizeMb.toFixed(0)} MiB\n`);

  ensureBuild();
  const server = await startServer(dbPath);
  const measurements: { page: string; path: string; status: number; bytes: number; coldMs: number; medianMs: number; p95Ms: number; minMs: number }[] = [];
  try {
    for (const page of PAGES) {
      const timeOnce = async () => {
        const started = performance.now();
        const response = await fetch(`${server.url}${page.path}`);
        const body = await response.arrayBuffer();
        return { ms: performance.now() - started, status: response.status, bytes: body.byteLength };
      };
      const cold = await timeOnce();
      const times: number[] = [];
      for (let i = 0; i < REPEATS; i++) times.push((await timeOnce()).ms);
      times.sort((a, b) => a - b);
      measurements.push({ page: page.name, path: page.path, status: cold.status, bytes: cold.bytes, coldMs: cold.ms, medianMs: quantile(times, 0.5), p95Ms: quantile(times, 0.95), minMs: times[0] ?? Number.NaN });
      process.stdout.write(`  ${page.name}: ${quantile(times, 0.5).toFixed(0)} ms median (status ${cold.status})\n`);
    }
  } finally {
    await server.stop();
  }

  const report = { date: new Date().toISOString(), mode, modeLabel: MODE_LABELS[mode], resultIndexes: indexes, rows, databaseMiB: Math.round(sizeMb), repeats: REPEATS, node: process.version, measurements };
  const file = join(OUT, mode === 'committed-schema' ? 'page-response.json' : 'page-response-without-cover-index.json');
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  const table = [
    '| Page | Status | First (ms) | Median (ms) | p95 (ms) | Response |',
    '| --- | --- | ---: | ---: | ---: | ---: |',
    ...measurements.map((m) => `| ${m.page} | ${m.status} | ${m.coldMs.toFixed(0)} | ${m.medianMs.toFixed(0)} | ${m.p95Ms.toFixed(0)} | ${(m.bytes / 1024).toFixed(0)} KiB |`),
  ].join('\n');
  process.stdout.write(`\n${MODE_LABELS[mode]}\n${table}\n\nwritten to ${file}\n`);
  if (measurements.some((m) => m.status !== 200)) process.exitCode = 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
