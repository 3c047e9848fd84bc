import type { NetnsSupport } from './harness/netns.ts';

export type Mode = 'quick' | 'soak';

export interface ScenarioContext {
  mode: Mode;
  seed: number;
  /** A fresh folder for this scenario's databases, sweep files and fixtures. */
  workDir: string;
  /** Where every child process writes its log (kept for post-mortems). */
  logDir: string;
  netns: NetnsSupport;
  log(line: string): void;
}

export type Figures = Record<string, number | string | boolean>;

export interface ScenarioOutcome {
  /** Rules that did not hold; empty when the scenario passed. */
  problems: string[];
  figures: Figures;
  /** Set when the scenario could not run here (e.g. no network namespaces), with the reason. */
  skipped?: string;
}

export interface Scenario {
  id: string;
  title: string;
  run(ctx: ScenarioContext): Promise<ScenarioOutcome>;
}
