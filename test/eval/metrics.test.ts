// Accuracy, per-class accuracy and the confusion matrix against a hand computation.
import { describe, expect, it } from 'vitest';
import { confusionMatrix, scores } from '../../tools/eval/metrics.js';

describe('scores', () => {
  it('matches a hand count', () => {
    // truth:     a a a b b c c c c   (3 labels; 'd' has no clips)
    // predicted: a b a b b c a c d
    const labels = ['a', 'b', 'c', 'd'];
    const truth = [0, 0, 0, 1, 1, 2, 2, 2, 2], predicted = [0, 1, 0, 1, 1, 2, 0, 2, 3];
    const s = scores(labels, truth, predicted);
    expect(s.confusion).toEqual([[2, 1, 0, 0], [0, 2, 0, 0], [1, 0, 2, 1], [0, 0, 0, 0]]);
    expect(s.clips).toBe(9);
    expect(s.correct).toBe(6);
    expect(s.accuracy).toBeCloseTo(6 / 9, 15);
    expect(s.perClass).toEqual({
      a: { clips: 3, correct: 2, accuracy: 2 / 3 },
      b: { clips: 2, correct: 2, accuracy: 1 },
      c: { clips: 4, correct: 2, accuracy: 0.5 },
      d: { clips: 0, correct: 0, accuracy: null },
    });
  });

  it('refuses mismatched lengths and out-of-range classes', () => {
    expect(() => confusionMatrix(2, [0, 1], [0])).toThrow(/2 labels but 1 predictions/);
    expect(() => confusionMatrix(2, [0, 2], [0, 1])).toThrow(/clip 1 has class 2/);
  });

  it('empty input: accuracy 0, no NaN', () => {
    expect(scores(['a'], [], []).accuracy).toBe(0);
  });
});
