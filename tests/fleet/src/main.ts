import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { NetnsSupport } from './harness/netns.ts';
import { repoRoot } from './harness/processes.ts';
import type { Figures, Mode, Scenario, ScenarioContext } from './scenario.ts';
import { scenarios } from './scenarios/index.ts';

interface ScenarioReport {
  id: string;
  title: string;
  status: 'pass' | 'fail' | 'skip';
  seconds: number;
  figures: Figures;
  problems: string[];
  skipped?: string;
}

const DEFAULT_SEED = 20261123;
/** Figures summed over scenarios into the report's totals. */
const TOTAL_KEYS = ['samples', 'workerKills', 'workerStalls', 'coordinatorKills', 'partitions', 'cases', 'lost', 'duplicated'] as const;

/** Direct children still running (a failed scenario may leave some): SIGKILL them so nothing outlives the suite. */
function killChildren(): void {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid) process.kill(Number(entry), 'SIGKILL');
    } catch {
      // The process ended meanwhile.
    }
  }
}

function parseCli(): { mode: Mode; seed: number; only: string[]; keep: boolean } {
  const { values } = parseArgs({
    options: {
      mode: { type: 'string', default: 'quick' },
      seed: { type: 'string' },
      only: { type: 'string' },
      'keep-logs': { type: 'boolean', default: false },
    },
  });
  if (values.mode !== 'quick' && values.mode !== 'soak') throw new Error(`--mode must be quick or soak, got '${values.mode}'`);
  const seed = values.seed === undefined ? DEFAULT_SEED : Number(values.seed);
  if (!Number.isInteger(seed) || seed < 0) throw new Error(`--seed must be a non-negative integer, got '${values.seed}'`);
  const only = values.only ? values.only.split(',') : [];
  const unknown = only.filter((id) => !scenarios.some((s) => s.id === id));
  if (unknown.length > 0) throw new Error(`--only: unknown scenario ${unknown.join(', ')} (known: ${scenarios.map((s) => s.id).join(', ')})`);
  return { mode: values.mode, seed, only, keep: values['keep-logs'] };
}

async function runScenario(scenario: Scenario, base: Omit<ScenarioContext, 'workDir' | 'logDir' | 'log'>, runDir: string): Promise<ScenarioReport> {
  const workDir = join(runDir, scenario.id);
  const logDir = join(workDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const started = Date.now();
  process.stdout.write(`\n▶ ${scenario.id}: ${scenario.title}\n`);
  let report: ScenarioReport;
  try {
    const outcome = await scenario.run({ ...base, workDir, logDir, log: (line) => process.stdout.write(`  ${line}\n`) });
    const status = outcome.skipped ? 'skip' : outcome.problems.length > 0 ? 'fail' : 'pass';
    report = { id: scenario.id, title: scenario.title, status, seconds: 0, figures: outcome.figures, problems: outcome.problems, skipped: outcome.skipped };
  } catch (error) {
    report = { id: scenario.id, title: scenario.title, status: 'fail', seconds: 0, figures: {}, problems: [`harness error: ${(error as Error).stack ?? String(error)}`] };
  }
  report.seconds = Math.round((Date.now() - started) / 100) / 10;
  const mark = { pass: '✔ PASS', fail: '✘ FAIL', skip: '- SKIP' }[report.status];
  process.stdout.write(`${mark} ${scenario.id} (${report.seconds} s)${report.skipped ? `: ${report.skipped}` : ''}\n`);
  for (const [key, value] of Object.entries(report.figures)) process.stdout.write(`    ${key}: ${value}\n`);
  for (const problem of report.problems) process.stdout.write(`    problem: ${problem}\n`);
  if (report.status === 'fail') process.stdout.write(`    logs: ${logDir}\n`);
  return report;
}

async function main(): Promise<number> {
  const { mode, seed, only, keep } = parseCli();
  const runDir = mkdtempSync(join(tmpdir(), `prunebench-fleet-${mode}-`));
  const netns = new NetnsSupport();
  const cleanup = (): void => {
    killChildren();
    netns.cleanup();
  };
  process.once('exit', cleanup);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      cleanup();
      process.exit(130);
    });
  }
  process.stdout.write(
    `prunebench fleet suite: mode ${mode}, seed ${seed}, work dir ${runDir}\n` +
      (netns.available ? 'network namespaces: available (partition cases run across namespaces)\n' : `network namespaces: UNAVAILABLE (${netns.reason}); partition cases will SKIP, the rest runs on loopback\n`),
  );
  const started = Date.now();
  const selected = only.length > 0 ? scenarios.filter((s) => only.includes(s.id)) : scenarios;
  const reports: ScenarioReport[] = [];
  try {
    for (const scenario of selected) reports.push(await runScenario(scenario, { mode, seed, netns }, runDir));
  } finally {
    cleanup();
  }
  const totals = Object.fromEntries(TOTAL_KEYS.map((key) => [key, reports.reduce((sum, r) => sum + (typeof r.figures[key] === 'number' ? (r.figures[key] as number) : 0), 0)]));
  const failed = reports.filter((r) => r.status === 'fail');
  const extra = [...(seed === DEFAULT_SEED ? [] : ['--seed', String(seed)]), ...(only.length ? ['--only', only.join(',')] : [])];
  const command = extra.length === 0
    ? `npm run ${mode === 'quick' ? 'test:fleet' : 'test:fleet:soak'}`
    : `npm run ${mode === 'quick' ? 'test:fleet' : 'test:soak'} -w @prunebench/fleet-tests -- ${extra.join(' ')}`;
  const report = {
    mode,
    seed,
    command,
    finishedAt: new Date().toISOString(),
    seconds: Math.round((Date.now() - started) / 1000),
    machine: { cpus: cpus().length, node: process.version, netns: netns.available ? 'available' : `unavailable: ${netns.reason}` },
    passed: failed.length === 0,
    totals,
    scenarios: reports,
  };
  // A partial run (--only) never overwrites the committed full-run report.
  const reportFile = join(repoRoot(), 'tests', 'fleet', 'reports', only.length > 0 ? `${mode}-partial.json` : `${mode}.json`);
  mkdirSync(join(repoRoot(), 'tests', 'fleet', 'reports'), { recursive: true });
  writeFileSync(reportFile, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(
    `\n${failed.length === 0 ? 'fleet suite PASSED' : `fleet suite FAILED (${failed.map((r) => r.id).join(', ')})`} in ${report.seconds} s: ` +
      `${TOTAL_KEYS.map((k) => `${k} ${totals[k]}`).join(', ')}\nreport: ${reportFile}\n`,
  );
  if (failed.length === 0 && !keep) rmSync(runDir, { recursive: true, force: true });
  else process.stdout.write(`logs kept in ${runDir}\n`);
  return failed.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`fleet suite: ${(error as Error).message}\n`);
    process.exit(2);
  },
);
