import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { openDatabase, workers, type OpenedDatabase } from '@prunebench/db';
import { seedFixture } from '../../scripts/synthetic/fixture.ts';
import { APP_DIR, CHROMIUM, CHROMIUM_ARGS, ensureBuild, startServer, type RunningServer } from '../../scripts/next-server.ts';
import { expectationsFor, modelsIn, type Expected } from './expectations.ts';

/**
 * The dashboard in a real browser: one build, one `next start`, one Chromium, every page. The database is a copy of
 * a real small sweep of the embedded model (`prunebench demo --no-dashboard`, or the database PRUNEBENCH_E2E_DB
 * names), with the dashboard's labelled fixture sweeps added beside it for what a small local sweep does not have
 * (a second model, several policies, failed shards, a fleet). Expected numbers come from the database, not from the
 * dashboard's code.
 */
const REPO = join(APP_DIR, '..', '..');
const FIXTURE_MODEL = 'fixture-llava-1.5-7b';

/** Runs the real demo sweep; its database is scratch by design (the demo recreates it on every run). */
function runDemoSweep(): string | null {
  const cli = join(REPO, 'apps', 'cli', 'bin', 'prunebench.js');
  if (!existsSync(cli)) return null;
  const run = spawnSync(process.execPath, [cli, 'demo', '--no-dashboard', '--samples', '6', '--workers', '1'], { cwd: REPO, encoding: 'utf8', timeout: 300_000 });
  if (run.status !== 0) {
    console.warn(`dashboard e2e: \`prunebench demo --no-dashboard\` failed (${run.status ?? run.signal}); testing on the fixture only:\n${run.stderr.slice(-2000)}`);
    return null;
  }
  return join(REPO, '.data', 'demo.sqlite');
}

const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`SKIPPED dashboard e2e tests: ${CHROMIUM} is missing (apt-get install chromium)`);

const ARTIFACTS = join(APP_DIR, 'test-artifacts');
const percent = (v: number) => `${(v * 100).toFixed(1)}%`;

describe.skipIf(!hasChromium)('dashboard in Chromium', () => {
  let workdir: string;
  let dbPath: string;
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  let writer: OpenedDatabase;
  let expected: Expected;
  let fixtureModel: Expected;
  const pageErrors: string[] = [];

  const shoot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
  const open = async (path: string) => {
    const response = await page.goto(`${server.url}${path}`, { waitUntil: 'load' });
    expect(response?.status(), path).toBe(200);
  };

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    // Build first: the fixture's heartbeats and throughput are relative to the moment it is written.
    ensureBuild();
    workdir = mkdtempSync(join(tmpdir(), 'prunebench-dashboard-e2e-'));
    dbPath = join(workdir, 'prunebench.sqlite');
    const source = process.env.PRUNEBENCH_E2E_DB ?? runDemoSweep();
    if (source) {
      for (const suffix of ['', '-wal', '-shm']) if (existsSync(`${source}${suffix}`)) copyFileSync(`${source}${suffix}`, `${dbPath}${suffix}`);
    }
    await seedFixture(dbPath, { samples: 24, append: true });
    writer = openDatabase(dbPath);
    const realModel = modelsIn(writer.db).find((m) => !m.startsWith('fixture-'));
    fixtureModel = expectationsFor(writer.db, FIXTURE_MODEL);
    expected = realModel ? expectationsFor(writer.db, realModel) : fixtureModel;
    console.info(`dashboard e2e: main model ${expected.model} (${realModel ? `real sweep from ${source}` : 'fixture only'}), fixture model ${FIXTURE_MODEL}`);
    server = await startServer(dbPath);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on('pageerror', (error) => pageErrors.push(error.message));
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    writer?.close();
    if (workdir) rmSync(workdir, { recursive: true, force: true });
  });

  it('ranks every method on the leaderboard with the full-token reference and the right numbers', async () => {
    await open(`/?model=${encodeURIComponent(expected.model)}&budget=all`);
    const table = page.getByTestId('leaderboard');
    await expect(table.locator('tr[data-method="full-token"]').count()).resolves.toBe(1);
    const methods = await table.locator('tbody tr[data-policy="default"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-method')));
    for (const method of expected.methods) expect(methods).toContain(method);

    const keep = expected.keeps[expected.keeps.length - 1] ?? 0;
    const method = expected.methods[0] ?? '';
    const cell = table.locator(`tr[data-method="${method}"][data-policy="default"] a[data-keep="${keep}"]`);
    const relative = expected.relative(method, keep);
    // A model that scores 0 with all tokens (an untrained one) has no relative performance: the cell says so.
    await expect(cell.innerText()).resolves.toBe(Number.isFinite(relative) ? percent(relative) : '—');

    const reference = page.getByTestId('reference');
    const heads = (await reference.locator('thead th').allInnerTexts()).map((h) => h.trim());
    const fullRow = await reference.locator('tbody tr.reference td').allInnerTexts();
    for (const [benchmark, score] of expected.fullScores) expect(fullRow[heads.indexOf(benchmark)]?.trim()).toBe(score.toFixed(3));
    await expect(page.getByTestId('fixture-banner').isVisible()).resolves.toBe(true);
    await shoot('leaderboard');
  });

  it('filters the leaderboard by budget, policy and model through the URL', async () => {
    await open(`/?model=${FIXTURE_MODEL}`);
    const keep = fixtureModel.keeps[0] ?? 0;
    await page.selectOption('select[name="budget"]', String(keep));
    await page.waitForURL(/budget=/);
    const headers = await page.getByTestId('leaderboard').locator('thead th.num').allInnerTexts();
    expect(headers.filter((h) => h.startsWith(String(keep)))).toHaveLength(1);
    expect(headers).toHaveLength(3); // the budget, mean relative, AUC
    const cell = page.locator(`[data-testid="leaderboard"] tr[data-method="gridprune"][data-policy="default"] a[data-keep="${keep}"]`);
    await expect(cell.innerText()).resolves.toBe(percent(fixtureModel.relative('gridprune', keep)));

    await page.selectOption('select[name="policy"]', 'compact');
    await page.waitForURL(/policy=compact/);
    const rows = await page.getByTestId('leaderboard').locator('tbody tr[data-policy]').evaluateAll((r) => r.map((x) => x.getAttribute('data-method')));
    expect(rows).toEqual(['gridprune']);

    await page.selectOption('select[name="model"]', 'fixture-llava-next-7b');
    await page.waitForURL(/model=fixture-llava-next-7b/);
    await expect(page.locator('h1').innerText()).resolves.toContain('fixture-llava-next-7b');
    await shoot('leaderboard-filtered');
  });

  it('links a leaderboard cell to its curve and draws curves with bands, hover values and cost views', async () => {
    const method = expected.methods[0] ?? '';
    await open(`/?model=${encodeURIComponent(expected.model)}`);
    await page.locator(`tr[data-method="${method}"] a[data-keep]`).first().click();
    await page.waitForURL(/\/curves\?.*method=/);
    const chart = page.locator('[data-chart="curves-keep"]');
    await chart.locator('svg').waitFor();
    const legend = await chart.locator('svg text').allTextContents();
    expect(legend).toContain('full-token');
    for (const m of expected.methods) expect(legend.some((t) => t.startsWith(m))).toBe(true);
    // Bands are filled polygons drawn by the custom series.
    await expect(chart.locator('svg path[fill-opacity], svg path[opacity]').count()).resolves.toBeGreaterThan(0);

    const box = await chart.boundingBox();
    if (!box) throw new Error('chart has no box');
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.5);
    await expect.poll(() => chart.innerText(), { timeout: 5000 }).toMatch(/n=\d+/);
    await shoot('curves-keep');

    await page.getByRole('link', { name: 'Prefill latency' }).click();
    await page.waitForURL(/x=latency/);
    await page.locator('[data-chart="curves-latency"] svg').waitFor();
    await shoot('curves-latency');
    const points = await page.getByTestId('curve-points').locator('tbody tr').count();
    expect(points).toBeGreaterThan(expected.methods.length);
  });

  it('shows sweep progress, shard states, failures with their errors, throughput and ETA', async () => {
    await open('/sweeps');
    await expect(page.getByTestId('sweep-stats').innerText()).resolves.toMatch(/Progress/);
    await expect(page.getByTestId('sweeps').locator('tbody tr').count()).resolves.toBeGreaterThan(0);
    await expect(page.getByTestId('jobs').locator('tbody tr').count()).resolves.toBeGreaterThan(0);
    if (expected.failedShardErrors.length > 0) {
      const failures = await page.getByTestId('failures').innerText();
      expect(failures).toContain(expected.failedShardErrors[0]);
    }
    await expect(page.getByTestId('eta').innerText()).resolves.toMatch(/\d+ (s|min|h)/);
    await shoot('sweeps');
  });

  it('lists the fleet and picks up a new worker live, without a reload', async () => {
    await open('/fleet');
    const ids = await page.getByTestId('workers').locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-worker')));
    expect(ids.sort()).toEqual([...expected.workerIds].sort());
    await expect(page.locator('tr[data-worker="fixture-gpu-1"]').getAttribute('data-status')).resolves.toBe('online');
    await expect(page.locator('tr[data-worker="fixture-cpu-3"]').getAttribute('data-status')).resolves.toBe('offline');
    const now = Date.now();
    writer.db
      .insert(workers)
      .values({
        id: 'e2e-late-worker',
        host: 'e2e.local',
        capabilities: { models: [], benchmarks: [], provider: 'cpu', memoryBytes: 2 ** 30, threads: 1, simulated: true, version: 'e2e' },
        registeredAt: now,
        lastHeartbeatAt: now,
        state: 'active',
      })
      .run();
    await page.locator('tr[data-worker="e2e-late-worker"]').waitFor({ timeout: 15_000 });
    await shoot('fleet');
  });

  it('lists disagreements and draws each method kept-token mask on the sample image', async () => {
    await open(`/samples?model=${encodeURIComponent(expected.model)}`);
    const first = page.getByTestId('disagreements').locator('tbody tr a').first();
    await first.click();
    await page.waitForURL(/\/samples\/detail\?/);
    await expect(page.getByTestId('sample-question').innerText()).resolves.toMatch(/Question/);
    const canvases = page.locator('.mask-card canvas');
    await canvases.first().waitFor();
    await expect.poll(() => canvases.evaluateAll((cs) => cs.every((c) => c.getAttribute('data-mask-state') === 'drawn')), { timeout: 10_000 }).toBe(true);

    // Classify every token cell by its pixels: kept cells show the image untouched, pruned ones are dimmed.
    const cells = await page.evaluate(() => {
      const all = [...document.querySelectorAll<HTMLCanvasElement>('.mask-card canvas')];
      const reference = all[0]?.getContext('2d');
      if (!reference) return [];
      return all.slice(1).map((canvas) => {
        const context = canvas.getContext('2d');
        const rows = Number(canvas.dataset.rows);
        const cols = Number(canvas.dataset.cols);
        let kept = 0;
        let pruned = 0;
        for (let i = 0; i < rows * cols; i++) {
          const x = Math.floor((((i % cols) + 0.5) * canvas.width) / cols);
          const y = Math.floor(((Math.floor(i / cols) + 0.5) * canvas.height) / rows);
          const p = context?.getImageData(x, y, 1, 1).data ?? new Uint8ClampedArray(4);
          const o = reference.getImageData(x, y, 1, 1).data;
          const dim = [17, 24, 39];
          const dimmed = [0, 1, 2].every((k) => Math.abs((p[k] ?? 0) - (0.28 * (o[k] ?? 0) + 0.72 * (dim[k] ?? 0))) < 6);
          if (dimmed) pruned++;
          else kept++;
        }
        const card = canvas.closest<HTMLElement>('.mask-card');
        return { method: card?.dataset.method, keptInView: Number(card?.dataset.keptInView), kept, pruned };
      });
    });
    expect(cells.length).toBeGreaterThan(0);
    for (const cell of cells) {
      expect(cell.kept, `${cell.method}: kept cells drawn`).toBe(cell.keptInView);
      expect(cell.pruned).toBeGreaterThan(0);
    }
    await shoot('sample-detail');
  });

  it('exports the tables on screen as CSV and JSON', async () => {
    const query = `model=${encodeURIComponent(expected.model)}`;
    const csv = await (await fetch(`${server.url}/api/export/leaderboard?format=csv&${query}`)).text();
    const lines = csv.trim().split('\r\n');
    expect(lines[0]).toMatch(/^rank,model,method,policy,relative@/);
    expect(lines.length - 1).toBeGreaterThanOrEqual(expected.methods.length);
    const curves = (await (await fetch(`${server.url}/api/export/curves?format=json&table=0&${query}`)).json()) as Record<string, unknown>[];
    expect(curves.some((row) => row.method === 'full-token')).toBe(true);
    expect(curves.every((row) => typeof row.score === 'number' && typeof row.ci_low === 'number')).toBe(true);
    const unknown = await fetch(`${server.url}/api/export/nope?format=csv`);
    expect(unknown.status).toBe(404);
  });

  it('renders without browser errors', () => {
    expect(pageErrors).toEqual([]);
  });
});
