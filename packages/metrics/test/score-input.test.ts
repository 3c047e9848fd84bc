import { describe, expect, it } from 'vitest';
import { formatScoreReport, parseScoreInput, scoreRecords, scoreReportJson } from '../src/score-input.ts';

const lines = [
  { id: 'a', prediction: 'Two', answers: ['2', '2', '2', 'two', '3', '2', '2', '2', '2', '2'] },
  { id: 'b', prediction: 'cat', answers: ['dog', 'dog', 'dog', 'dog', 'dog', 'dog', 'dog', 'dog', 'dog', 'dog'] },
]
  .map((l) => JSON.stringify(l))
  .join('\n');

describe('prunebench score input', () => {
  it('scores each line and aggregates, in the documented --json shape', () => {
    const report = scoreRecords('vqa-accuracy', parseScoreInput(lines, 'p.jsonl'), 'p.jsonl');
    // "Two" -> "2"; 8 annotators say "2": every leave-one-out subset has >= 3 matches
    expect(scoreReportJson(report)).toEqual({ scores: [{ id: 'a', score: 1 }, { id: 'b', score: 0 }], aggregate: { score: 0.5, samples: 2 } });
    expect(formatScoreReport(report)).toContain('vqa-accuracy (official), 2 predictions');
  });

  it('maps the MME and grounding field spellings', () => {
    const [mme] = parseScoreInput('{"id":1,"prediction":"Yes","answer":"Yes","question_id":"img.jpg","category":"OCR"}', 'f');
    expect(mme!.sample).toEqual({ id: '1', answer: 'Yes', questionId: 'img.jpg', category: 'OCR' });
    const [box] = parseScoreInput('{"id":"r","prediction":"[0,0,1,1]","box":[0,0,10,10],"scale":"pixels","image_width":10,"image_height":10}', 'f');
    expect(box!.sample).toMatchObject({ boxScale: 'pixels', meta: { imageWidth: 10, imageHeight: 10 } });
    expect(scoreRecords('grounding-iou', [box!], 'f', 'normalised').aggregate.score).toBe(1);
  });

  it('names file, line and field for bad input', () => {
    expect(() => parseScoreInput('{"id":"a","prediction":"x"}\n{"id":"b"}', 'p.jsonl')).toThrow('p.jsonl:2: field "prediction"');
    expect(() => parseScoreInput('{"id":"a","prediction":"x"}\nnope', 'p.jsonl')).toThrow('p.jsonl:2: not valid JSON');
    expect(() => parseScoreInput('\n', 'p.jsonl')).toThrow('p.jsonl: no predictions');
    const records = parseScoreInput('{"id":"a","prediction":"x"}', 'p.jsonl');
    expect(() => scoreRecords('pope', records, 'p.jsonl')).toThrow('p.jsonl:1: sample "a": field "answer" is required for metric pope');
  });
});
