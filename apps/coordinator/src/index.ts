export { startCoordinator, defaultTiming, type CoordinatorOptions, type RunningCoordinator } from './server.ts';
export type { Context, Timing } from './context.ts';
export { parseSweepSpec, sweepSpecSchema, SweepSpecError, methodLabel, type SweepSpec } from './sweep/spec.ts';
export { expandSweep, FULL_REFERENCE, type SweepPlan } from './sweep/expand.ts';
export { hasBearerToken } from './auth.ts';
export { leaderboard, formatLeaderboard, type LeaderboardRow } from './client/leaderboard.ts';
export { exportRows, csvLine, jsonLine, CSV_COLUMNS } from './client/export.ts';
export { followSweep, progressRenderer, jobLabel } from './client/progress.ts';
