import { basename, join } from 'node:path';
import { z } from 'zod';
import type { BenchmarkSample } from '../format.ts';
import { type ImageSource, type Importer, ImportError, applyLimit, findFile, firstExisting, parseWith, readJson } from './common.ts';

const Instances = z.object({
  images: z.array(z.object({ id: z.number(), file_name: z.string(), width: z.number().positive(), height: z.number().positive() })),
  annotations: z.array(z.object({ id: z.number(), image_id: z.number(), bbox: z.tuple([z.number(), z.number(), z.number(), z.number()]) })),
});
const Refs = z.array(
  z.object({
    ref_id: z.number(),
    ann_id: z.number(),
    image_id: z.number(),
    split: z.string(),
    sentences: z.array(z.object({ sent_id: z.number(), sent: z.string() })).min(1),
  }),
);

/** lmms-eval's RefCOCO box prompt: the answer is expected normalised to [0,1]. */
const PROMPT =
  'Bounding box coordinates are specified in the format (top-left x, top-left y, bottom-right x, bottom-right y). ' +
  'All values are normalized to numbers between 0 and 1. Please provide the bounding box coordinate of the region this sentence describes: ';

/**
 * RefCOCO / RefCOCO+ / RefCOCOg (the `refer` release): `instances.json` (COCO format) and the refs file
 * `refs(<splitBy>).p` converted to JSON, saved as `refs(<splitBy>).json` or `refs.json` (a list of refs with ref_id,
 * ann_id, image_id, split, sentences). COCO train2014 images in `train2014/` or `images/`. One sample per sentence of
 * each ref in the split (default `val`); the box is the annotation's, normalised to [0,1] (boxScale 1, as the prompt
 * asks), with the pixel box and image size in `meta`. The folder name (refcoco, refcoco+, refcocog) names it.
 */
export const refcocoImporter: Importer = {
  id: 'refcoco',
  description: 'RefCOCO/+/g referring expressions (refs JSON + COCO instances), grounding IoU >= 0.5',
  expects: 'instances.json, refs(<splitBy>).json or refs.json (refer pickle as JSON), train2014/COCO_train2014_<id>.jpg',
  async plan(src, options) {
    const split = options.split ?? 'val';
    const instancesPath = await findFile(src, /^instances\.json$/, 'COCO instances.json');
    const refsPath = await findFile(src, /^refs(\(.+\))?\.json$/, 'refs JSON (refs(<splitBy>).json)');
    const instances = parseWith(Instances, await readJson(instancesPath), instancesPath);
    const refs = parseWith(Refs, await readJson(refsPath), refsPath);
    const imagesById = new Map(instances.images.map((i) => [i.id, i]));
    const annsById = new Map(instances.annotations.map((a) => [a.id, a]));
    const inSplit = refs.filter((r) => r.split === split);
    if (inSplit.length === 0) {
      throw new ImportError(`${refsPath}: no refs in split "${split}" (has ${[...new Set(refs.map((r) => r.split))].join(', ')})`);
    }
    const sentences = inSplit.flatMap((ref) => ref.sentences.map((s) => ({ ref, s })));
    const samples: BenchmarkSample[] = [];
    const images: ImageSource[] = [];
    for (const { ref, s } of applyLimit(sentences, options.limit)) {
      const ann = annsById.get(ref.ann_id);
      const image = imagesById.get(ref.image_id);
      if (!ann) throw new ImportError(`${refsPath}: ref ${ref.ref_id}: field "ann_id": ${ref.ann_id} is not in ${basename(instancesPath)}`);
      if (!image) throw new ImportError(`${refsPath}: ref ${ref.ref_id}: field "image_id": ${ref.image_id} is not in ${basename(instancesPath)}`);
      const [x, y, w, h] = ann.bbox;
      const rel = `images/${image.file_name}`;
      images.push({ rel, from: firstExisting(['train2014', 'images', '.'].map((d) => join(src, d, image.file_name)), `image ${image.file_name}`) });
      samples.push({
        id: String(s.sent_id),
        image: rel,
        question: `${PROMPT}${s.sent}`,
        metric: 'grounding-iou',
        box: [x / image.width, y / image.height, (x + w) / image.width, (y + h) / image.height],
        boxScale: 1,
        meta: { refId: ref.ref_id, annId: ref.ann_id, pixelBox: [x, y, x + w, y + h], imageWidth: image.width, imageHeight: image.height },
      });
    }
    const dataset = /refcoco/i.test(basename(src)) ? basename(src).toLowerCase() : 'refcoco';
    return {
      header: {
        name: `${dataset.replace('+', 'plus').replace(/[^a-z0-9._-]/g, '-')}-${split}`,
        version: '1',
        description: `${dataset} ${split} referring expressions, one sample per sentence, normalised boxes, IoU >= 0.5`,
        split: split === 'train' ? 'train' : split === 'val' ? 'validation' : 'test',
        metrics: ['grounding-iou'],
        maxNewTokens: 64,
        source: `import refcoco: ${basename(refsPath)} + ${basename(instancesPath)} (${split})`,
      },
      samples,
      images,
    };
  },
};
