/** Bad input to `prune`: the message names the field (e.g. `signals.clsAttention`, `params.alpha`, `keep`). */
export class PruneInputError extends Error {
  readonly field: string;

  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = 'PruneInputError';
    this.field = field;
  }
}
