export { runFleetWorker, type FleetWorkerOptions, type FleetWorkerStats } from './fleet-worker.ts';
export { scanAssets, describeWorker, type LocalAsset, type LocalInventory } from './capabilities.ts';
export { simulatedRunner } from './simulated-runner.ts';
export { engineRunner, type EngineRunnerOptions } from './engine-runner.ts';
export type { SampleRunner } from './runner.ts';
