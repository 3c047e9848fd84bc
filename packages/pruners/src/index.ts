export { prune, pruneAsync, getMethod, requiredSignals } from './prune.ts';
export { methods, METHOD_IDS, type MethodId } from './registry.ts';
export { PruneInputError } from './errors.ts';
export { SIGNALS, SIGNAL_NAMES, type SignalInfo, type SignalShape } from './signals.ts';
export { tsLinalg, type LinalgBackend, type AsyncLinalgBackend, type LinalgRequest } from './linalg/backend.ts';
export type {
  InfoValue,
  Layout,
  MethodContext,
  MethodOutput,
  MethodRun,
  MethodSpec,
  PositionPolicy,
  PruneInput,
  PruneOptions,
  PruneResult,
  ResolvedView,
  SignalName,
  Signals,
  Stage,
  View,
} from './types.ts';
