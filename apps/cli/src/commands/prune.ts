import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { z } from 'zod';
import { METHOD_IDS, pruneAsync, tsLinalg, type PruneInput, type PruneResult, type Signals } from '@prunebench/pruners';

const INPUT_HELP = `
Input (JSON file, or - for stdin); arrays are flat, row-major numbers:
  {
    "tokens": [...],            n*d visual tokens as the method's stage sees them
    "n": 576, "d": 4096,
    "layout": { "views": [{ "offset": 0, "rows": 24, "cols": 24, "rowStride": 24 }],
                "alwaysKeep": [] },          e.g. LLaVA-NeXT newline tokens (always kept, counted in --keep)
    "signals": {                             only those the method needs
      "clsAttention": [n], "patchFeatures": [n*dPatch], "dPatch": 1024,
      "clipImageEmbeds": [n*dClip], "clipTextEmbed": [dClip], "dClip": 768,
      "textInputEmbeds": [nText*d], "lastTokenAttention": [n], "attentionPrior": [n],
      "hiddenStates": [n*d], "textHiddenStates": [nText*d], "nText": 12, "keyNorms": [n+nText] }
  }
Output: {"keep":[sorted kept indices],"info":{...}} plus "tokens" (keep*d) for merging methods.
Methods: ${METHOD_IDS.join(', ')}.
`;

const numbers = z.array(z.number());
const inputSchema = z.object({
  tokens: numbers,
  n: z.number(),
  d: z.number(),
  layout: z.object({
    views: z.array(z.object({ offset: z.number(), rows: z.number(), cols: z.number(), rowStride: z.number().optional() })),
    alwaysKeep: numbers.optional(),
  }),
  signals: z.record(z.string(), z.union([numbers, z.number()])).optional(),
});

function integer(name: string): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed)) throw new InvalidArgumentError(`${name} must be an integer, got '${value}'`);
    return parsed;
  };
}

function readInput(path: string): PruneInput {
  let text: string;
  try {
    text = readFileSync(path === '-' ? 0 : path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read --input ${path}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`--input ${path} is not JSON: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const parsed = inputSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`--input ${path}: ${issue?.path.join('.') || 'input'}: ${issue?.message ?? 'invalid'}`);
  }
  const { tokens, signals, ...rest } = parsed.data;
  const converted: Record<string, Float32Array | number> = {};
  for (const [name, value] of Object.entries(signals ?? {})) {
    converted[name] = Array.isArray(value) ? Float32Array.from(value) : value;
  }
  return { ...rest, tokens: Float32Array.from(tokens), signals: converted as Signals };
}

function parseParams(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object');
    return value as Record<string, unknown>;
  } catch (error) {
    throw new Error(`--params must be a JSON object: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

/** Large inputs go to onnxruntime (loaded only then); small ones stay on the pure-TS backend. */
async function runWithBackend(
  backend: string, method: string, input: PruneInput, opts: { keep: number; params?: Record<string, unknown>; seed: number },
): Promise<PruneResult> {
  if (!['ts', 'onnx', 'auto'].includes(backend)) throw new Error(`--backend must be ts, onnx or auto, got '${backend}'`);
  const large = input.n * input.n * input.d >= 256 * 256 * 1024;
  if (backend === 'ts' || (backend === 'auto' && !large)) return pruneAsync(method, input, opts, tsLinalg);
  const { createOnnxLinalg } = await import('@prunebench/linalg-onnx');
  const linalg = await createOnnxLinalg();
  try {
    return await pruneAsync(method, input, opts, linalg);
  } finally {
    await linalg.dispose();
  }
}

export function pruneCommand(): Command {
  return new Command('prune')
    .description('Run one pruning method on one input and print the kept token indices as JSON.')
    .requiredOption('--method <id>', `pruning method (${METHOD_IDS.join(', ')})`)
    .requiredOption('--keep <k>', 'tokens to keep in total, alwaysKeep included', integer('--keep'))
    .requiredOption('--input <file>', 'input JSON file, or - for stdin')
    .option('--params <json>', "method params as a JSON object, e.g. '{\"zoneSize\":3}'")
    .option('--seed <s>', 'seed (used by random)', integer('--seed'), 0)
    .option('--backend <name>', 'similarity products: ts, onnx (onnxruntime, CPU) or auto (onnx from 256x256x1024)', 'auto')
    .addHelpText('after', INPUT_HELP)
    .action(async (options: { method: string; keep: number; input: string; params?: string; seed: number; backend: string }) => {
      const input = readInput(options.input);
      const opts = { keep: options.keep, params: parseParams(options.params), seed: options.seed };
      const result = await runWithBackend(options.backend, options.method, input, opts);
      const out: Record<string, unknown> = { keep: Array.from(result.keep), info: result.info };
      if (result.tokens) out.tokens = Array.from(result.tokens);
      process.stdout.write(`${JSON.stringify(out)}\n`);
    });
}
