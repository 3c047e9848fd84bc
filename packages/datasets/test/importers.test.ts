import { mkdtempSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readBenchmark, type Benchmark } from '../src/format.ts';
import { IMPORTERS, getImporter, parseTsv, runImport } from '../src/importers/index.ts';

const fixtures = (name: string): string => new URL(`../fixtures/importers/${name}`, import.meta.url).pathname;

async function importFixture(id: string, options: { limit?: number; split?: string } = {}, src = fixtures(id)): Promise<Benchmark> {
  const out = mkdtempSync(join(tmpdir(), `pb-import-${id}-`));
  await runImport(getImporter(id), src, out, options);
  return readBenchmark(out); // validates every line and checks every image exists
}

describe('importer registry', () => {
  it('registers every importer file under its id', () => {
    const helpers = new Set(['common.ts', 'run.ts', 'tsv.ts', 'index.ts']);
    const files = readdirSync(new URL('../src/importers/', import.meta.url)).filter((f) => f.endsWith('.ts') && !helpers.has(f));
    expect(Object.keys(IMPORTERS).sort()).toEqual(files.map((f) => f.replace(/\.ts$/, '')).sort());
    for (const [id, importer] of Object.entries(IMPORTERS)) expect(importer.id).toBe(id);
    expect(() => getImporter('coco')).toThrow('unknown importer "coco" (choose one of vqav2, gqa');
  });
});

describe('importers on hand-made fixtures in the public formats', () => {
  it('vqav2: questions + annotations, 10 answers, COCO image names', async () => {
    const b = await importFixture('vqav2');
    expect(b.header).toMatchObject({ name: 'vqav2-val2014', split: 'validation', metrics: ['vqa-accuracy'], samples: 3, maxNewTokens: 16 });
    expect(b.samples[0]).toMatchObject({
      id: '262148000',
      image: 'images/COCO_val2014_000000262148.jpg',
      question: 'Where is he looking?\nAnswer the question using a single word or phrase.',
      category: 'other',
    });
    expect(b.samples[2]!.answers).toEqual(['2', '2', '2', '2', '2', '2', '2', '2', '3', '2']);
    expect((await importFixture('vqav2', { limit: 1 })).samples).toHaveLength(1);
  });

  it('gqa: object keyed by question id, exact match, structural type as category', async () => {
    const b = await importFixture('gqa');
    expect(b.header).toMatchObject({ name: 'gqa-testdev_balanced', metrics: ['exact-match'], samples: 2 });
    expect(b.samples.map((s) => [s.id, s.answer, s.category, s.image])).toEqual([
      ['20968379', 'yes', 'verify', 'images/n161313.jpg'],
      ['201307251', 'chair', 'query', 'images/n235859.jpg'],
    ]);
  });

  it('textvqa: val JSON, 10 answers, image size kept', async () => {
    const b = await importFixture('textvqa');
    expect(b.header).toMatchObject({ name: 'textvqa-val', split: 'validation', samples: 2 });
    expect(b.samples[1]).toMatchObject({ id: '34603', image: 'images/003a8ae2ef43b901.jpg', meta: { imageWidth: 1024, imageHeight: 664 } });
    expect(b.samples[1]!.answers).toHaveLength(10);
  });

  it('pope: one JSON object per line per split file, split as category, limit per file', async () => {
    const b = await importFixture('pope');
    expect(b.samples.map((s) => [s.id, s.answer, s.category])).toEqual([
      ['adversarial-1', 'yes', 'adversarial'],
      ['adversarial-2', 'no', 'adversarial'],
      ['random-1', 'yes', 'random'],
      ['random-2', 'no', 'random'],
    ]);
    expect((await importFixture('pope', { limit: 1 })).samples.map((s) => s.id)).toEqual(['adversarial-1', 'random-1']);
  });

  it('mme: both folder layouts, CRLF lines, image as the acc+ pairing id, non-subtask folders ignored', async () => {
    const b = await importFixture('mme');
    expect(b.header.samples).toBe(6);
    expect(b.samples[0]).toMatchObject({
      id: 'existence/000000006040#0',
      question: 'Is there a train in this image? Please answer yes or no.',
      answer: 'Yes',
      category: 'existence',
      questionId: 'existence/000000006040.jpg',
    });
    expect(b.samples[3]).toMatchObject({ answer: 'Yes', questionId: 'existence/000000018150.png', image: 'images/existence/000000018150.png' });
    expect(b.samples[4]).toMatchObject({ category: 'artwork', image: 'images/artwork/10002.jpg', answer: 'Yes' });
  });

  it('scienceqa: test problems with an image only, LLaVA prompt, answer index as letter', async () => {
    const b = await importFixture('scienceqa');
    expect(b.samples.map((s) => s.id)).toEqual(['12', '15']);
    expect(b.samples[0]).toMatchObject({
      answer: 'A',
      choices: ['West Virginia', 'Louisiana', 'Arizona', 'Oklahoma'],
      category: 'social science',
      image: 'images/12/image.png',
    });
    expect(b.samples[0]!.question).toBe(
      "Which of these states is farthest north?\nA. West Virginia\nB. Louisiana\nC. Arizona\nD. Oklahoma\nAnswer with the option's letter from the given choices directly.",
    );
    expect(b.samples[1]!.question.startsWith('Context: The passage below describes an experiment.\n\nTom placed')).toBe(true);
    expect((await importFixture('scienceqa', { split: 'train' })).samples.map((s) => s.id)).toEqual(['20']);
    await expect(importFixture('scienceqa', { split: 'nope' })).rejects.toThrow('no split "nope"');
  });

  it('mmbench: TSV with base64 images, circular copies share questionId and image, quoted fields', async () => {
    const b = await importFixture('mmbench');
    expect(b.header).toMatchObject({ name: 'mmbench_dev_en', split: 'validation', samples: 4 });
    expect(b.samples.map((s) => [s.id, s.questionId, s.answer, s.choices!.length, s.image])).toEqual([
      ['241', '241', 'B', 3, 'images/241.png'],
      ['1000241', '241', 'A', 3, 'images/241.png'],
      ['2000241', '241', 'C', 3, 'images/241.png'],
      ['37', '37', 'A', 4, 'images/37.png'],
    ]);
    expect(b.samples[3]!.question.startsWith('What is the "main" color of this image?\tChoose one.\nA. red')).toBe(true);
    expect(b.samples[0]!.question.startsWith('People can use the engineering-design process')).toBe(true);
  });

  it('refcoco: one sample per sentence in the split, normalised box, pixel box and size in meta', async () => {
    const b = await importFixture('refcoco');
    expect(b.header).toMatchObject({ name: 'refcoco-val', metrics: ['grounding-iou'], samples: 2 });
    expect(b.samples[0]).toMatchObject({
      id: '0',
      image: 'images/COCO_train2014_000000581857.jpg',
      box: [4 / 64, 8 / 48, 36 / 64, 40 / 48],
      boxScale: 1,
      meta: { pixelBox: [4, 8, 36, 40], imageWidth: 64, imageHeight: 48, refId: 0 },
    });
    expect(b.samples[1]!.question.endsWith('describes: lady on left')).toBe(true);
    expect((await importFixture('refcoco', { split: 'testA' })).samples.map((s) => s.id)).toEqual(['2']);
  });

  it('fails with one line naming the file and field on bad public data', async () => {
    const src = mkdtempSync(join(tmpdir(), 'pb-bad-gqa-'));
    mkdirSync(join(src, 'images'));
    writeFileSync(join(src, 'x_questions.json'), JSON.stringify({ 7: { imageId: 'n1', question: 'q?' } }));
    await expect(importFixture('gqa', {}, src)).rejects.toThrow(/x_questions\.json: field "7\.answer"/);
    await expect(importFixture('vqav2', {}, src)).rejects.toThrow('no VQAv2 annotations JSON');
  });
});

describe('TSV as pandas writes it', () => {
  it('handles quoted tabs, newlines and doubled quotes', () => {
    expect(parseTsv('a\tb\n"x\ty"\t"say ""hi""\nthere"\n1\t\n')).toEqual([['a', 'b'], ['x\ty', 'say "hi"\nthere'], ['1', '']]);
  });
});
