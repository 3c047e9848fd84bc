import { type Box, type ImageSize, iou, parseFirstBox, toNormalised } from '../parsers/box.ts';
import { type BoxScale, type Metric, type MetricSample, MetricInputError, checkVariant, mean, requireField } from '../types.ts';

const CORRECT_IOU = 0.5;

/** Which coordinate scale the model answers in, per variant; `sample-scale` = the sample's own `boxScale`. */
const MODEL_SCALE: Readonly<Record<string, BoxScale | null>> = {
  'sample-scale': null,
  normalised: 1,
  'internvl-1000': 1000,
  pixels: 'pixels',
};

function imageSize(sample: MetricSample): ImageSize | null {
  const width = sample.meta?.imageWidth;
  const height = sample.meta?.imageHeight;
  return typeof width === 'number' && typeof height === 'number' && width > 0 && height > 0 ? { width, height } : null;
}

/**
 * Referring-expression grounding (RefCOCO/+/g): the first [a,b,c,d] in the output is the box, read in the model's
 * coordinate scale (the variant) and compared with the sample's `box` in its `boxScale`. Correct when IoU >= 0.5;
 * `score` is that accuracy, `meanIou` the mean IoU (0 for outputs without a box). Pixel boxes compared with another
 * scale need `meta.imageWidth`/`meta.imageHeight`.
 */
export const groundingIouMetric: Metric = {
  id: 'grounding-iou',
  higherIsBetter: true,
  variants: Object.keys(MODEL_SCALE),
  describe: {
    'sample-scale': "the model answers in the sample's boxScale",
    normalised: 'the model answers in [0,1] (lmms-eval, LLaVA)',
    'internvl-1000': "the model answers on InternVL's 0-1000 grid",
    pixels: 'the model answers in image pixels',
  },
  scoreSample(prediction, sample, variant) {
    const chosen = checkVariant(this, variant);
    const truth = requireField(sample, 'box', this.id);
    const truthScale = requireField(sample, 'boxScale', this.id);
    const modelScale = MODEL_SCALE[chosen] ?? truthScale;
    const box = parseFirstBox(prediction);
    if (!box) return { score: 0, parsed: { box: null, iou: 0 } };
    let overlap: number;
    if (modelScale === truthScale) {
      overlap = iou(box, truth);
    } else {
      const size = imageSize(sample);
      const a = toNormalised(box, modelScale, size);
      const b = toNormalised(truth, truthScale, size);
      if (!a || !b) {
        throw new MetricInputError(
          `sample "${sample.id}": field "meta.imageWidth"/"meta.imageHeight" is required to compare pixel and ${chosen} boxes`,
        );
      }
      overlap = iou(a, b);
    }
    return { score: overlap >= CORRECT_IOU ? 1 : 0, parsed: { box: [...box] as Box, iou: overlap } };
  },
  aggregate(scored) {
    const ious = scored.map((s) => (typeof s.parsed?.iou === 'number' ? s.parsed.iou : 0));
    return {
      score: mean(scored.map((s) => s.score)),
      meanIou: mean(ious),
      unparsed: mean(scored.map((s) => (s.parsed?.box === null ? 1 : 0))),
      samples: scored.length,
    };
  },
};
