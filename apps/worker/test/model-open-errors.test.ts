// Bad model folders found by tests/fleet fuzz-worker: each must fail at openModel (or at run) with one line that
// names the graph file or the model.json field, not with onnxruntime's or node's bare message.
import { copyFileSync, cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GraphRunError } from '../src/errors.ts';
import { openModel } from '../src/model/load.ts';
import { openGraph } from '../src/onnx/session.ts';
import { FIXTURES, tempDir } from './helpers.ts';

function modelCopy(): string {
  const dir = join(tempDir('open'), 'm');
  cpSync(FIXTURES.llava15, dir, { recursive: true });
  return dir;
}

/** Sets one model.json field, e.g. setField(dir, ['llm', 'pruneLayer'], 1). */
function setField(dir: string, path: readonly string[], value: unknown): void {
  const file = join(dir, 'model.json');
  const manifest = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  let node = manifest;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string, unknown>;
  node[path[path.length - 1]!] = value;
  writeFileSync(file, JSON.stringify(manifest));
}

async function openError(dir: string): Promise<string> {
  const error = await openModel(dir, { threads: 1 }).then(
    async (model) => {
      await model.close();
      return undefined;
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Error);
  const message = (error as Error).message;
  expect(message).not.toContain('\n');
  return message;
}

describe('a graph copied from another model is refused when the model opens', () => {
  // tiny-llava-next has the same graph names and layer split as tiny-random-llava15 but other sizes throughout.
  const cases: Array<[string, RegExp]> = [
    ['vision.onnx', /vision\.onnx: input pixel_values has shape \[V,3,32,32\]: dimension 2 is 32, model\.json preprocess\.size says 192/],
    ['projector.onnx', /projector\.onnx: input patch_features .* model\.json vision\.hiddenSize says 32/],
    ['embed_tokens.onnx', /embed_tokens\.onnx: output inputs_embeds .* model\.json llm\.hiddenSize says 64/],
    ['decoder_head.onnx', /decoder_head\.onnx: input inputs_embeds .* model\.json llm\.hiddenSize says 64/],
    ['decoder_tail.onnx', /decoder_tail\.onnx: input hidden_states .* model\.json llm\.hiddenSize says 64/],
    ['text_encoder.onnx', /text_encoder\.onnx: output text_embeds .* model\.json vision\.clipDim says 32/],
  ];
  for (const [graph, expected] of cases) {
    it(graph, async () => {
      const dir = modelCopy();
      copyFileSync(join(FIXTURES.next, graph), join(dir, graph));
      expect(await openError(dir)).toMatch(expected);
    });
  }

  it('a layer split that differs from llm.pruneLayer names the field', async () => {
    const dir = modelCopy();
    setField(dir, ['llm', 'pruneLayer'], 1);
    expect(await openError(dir)).toMatch(/decoder_head\.onnx: graph has inputs the layout does not define: past_key_values\.1\.key.*llm\.pruneLayer 1, llm\.numLayers 4/);
  });

  it('a vision input size that differs from preprocess.size names the field', async () => {
    const dir = modelCopy();
    setField(dir, ['preprocess', 'size'], 336);
    expect(await openError(dir)).toMatch(/vision\.onnx: input pixel_values .* preprocess\.size says 336/);
  });
});

describe('an error while running a graph names the graph file', () => {
  it('onnxruntime rejecting the fed shapes', async () => {
    const file = join(FIXTURES.llava15, 'projector.onnx');
    const session = await openGraph(file, { threads: 1 });
    try {
      const error = await session.run({ patch_features: { data: new Float32Array(10), dims: [1, 2, 5] } }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(GraphRunError);
      const message = (error as Error).message;
      expect(message.startsWith(`${file}: onnxruntime failed running the graph (fed patch_features [1,2,5]): `)).toBe(true);
      expect(message).toMatch(/invalid dimensions/i);
      expect(message).not.toContain('\n');
    } finally {
      await session.release();
    }
  });
});

describe('file-valued model.json fields name the field', () => {
  const cases: Array<[string[], string, RegExp]> = [
    [['tokenizer'], '', /model\.json field tokenizer: is empty/],
    [['graphs', 'embedTokens'], '', /model\.json field graphs\.embedTokens: is empty/],
    [['textEncoder', 'tokenizer'], '', /model\.json field textEncoder\.tokenizer: is empty/],
    [['tokenizer'], '.', /model\.json field tokenizer: \S+ is not a regular file$/],
    [['graphs', 'vision'], '../../etc/passwd', /model\.json field graphs\.vision: must be a path inside the model folder/],
    [['graphs', 'projector'], '/etc/passwd', /model\.json field graphs\.projector: must be a path inside the model folder/],
    [['imageNewline'], 'newline.bin', /model\.json field imageNewline: \S+newline\.bin does not exist$/],
  ];
  for (const [path, value, expected] of cases) {
    it(`${path.join('.')}: ${JSON.stringify(value)}`, async () => {
      const dir = modelCopy();
      setField(dir, path, value);
      expect(await openError(dir)).toMatch(expected);
    });
  }
});
