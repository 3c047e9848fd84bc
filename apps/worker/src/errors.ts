/**
 * Bad input to the worker (a model folder, a benchmark, a sample, a setting). The message is one line that names the
 * file or field at fault, so the CLI can print it as is.
 */
export class WorkerInputError extends Error {
  /** The file path or field name at fault. */
  readonly where: string;

  constructor(where: string, message: string) {
    super(`${where}: ${message}`);
    this.name = 'WorkerInputError';
    this.where = where;
  }
}

/** The requested execution provider (e.g. CUDA) is not installed or cannot start on this machine. */
export class ProviderUnavailableError extends Error {
  readonly provider: string;

  constructor(provider: string, message: string) {
    super(message);
    this.name = 'ProviderUnavailableError';
    this.provider = provider;
  }
}

/** A method needs a signal that the model cannot provide. */
export class SignalUnavailableError extends Error {
  readonly signal: string;
  readonly model: string;

  constructor(signal: string, model: string, message: string) {
    super(message);
    this.name = 'SignalUnavailableError';
    this.signal = signal;
    this.model = model;
  }
}

/**
 * onnxruntime failed while running a graph (bad shapes from a mismatched graph, out of memory, a kernel error). Not
 * necessarily bad input, so not a WorkerInputError, but the message still names the graph file on its one line.
 */
export class GraphRunError extends Error {
  readonly file: string;

  constructor(file: string, message: string, options?: ErrorOptions) {
    super(`${file}: ${message}`, options);
    this.name = 'GraphRunError';
    this.file = file;
  }
}
