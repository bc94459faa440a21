/** Accuracy, per-class accuracy and the confusion matrix of a set of predictions. */

export interface ClassScore {
  clips: number;
  correct: number;
  /** correct / clips, or null for a class without clips. */
  accuracy: number | null;
}

export interface Scores {
  clips: number;
  correct: number;
  /** In [0, 1] (0 for no clips). */
  accuracy: number;
  perClass: Record<string, ClassScore>;
  /** K × K, rows = true label, columns = predicted label, in the order of `labels`. */
  confusion: number[][];
}

/** Counts (true, predicted) pairs; both are class indices in [0, classCount). */
export function confusionMatrix(classCount: number, truth: ArrayLike<number>, predicted: ArrayLike<number>): number[][] {
  if (truth.length !== predicted.length) throw new RangeError(`confusionMatrix: ${truth.length} labels but ${predicted.length} predictions`);
  const matrix = Array.from({ length: classCount }, () => new Array<number>(classCount).fill(0));
  for (let i = 0; i < truth.length; i++) {
    const t = truth[i], p = predicted[i];
    if (!(t >= 0 && t < classCount && p >= 0 && p < classCount)) throw new RangeError(`confusionMatrix: clip ${i} has class ${t} → ${p}, outside [0, ${classCount})`);
    matrix[t][p]++;
  }
  return matrix;
}

export function scoresFromConfusion(labels: readonly string[], confusion: number[][]): Scores {
  const perClass: Record<string, ClassScore> = {};
  let clips = 0, correct = 0;
  labels.forEach((label, k) => {
    const row = confusion[k];
    const n = row.reduce((a, b) => a + b, 0);
    perClass[label] = { clips: n, correct: row[k], accuracy: n > 0 ? row[k] / n : null };
    clips += n;
    correct += row[k];
  });
  return { clips, correct, accuracy: clips > 0 ? correct / clips : 0, perClass, confusion };
}

export const scores = (labels: readonly string[], truth: ArrayLike<number>, predicted: ArrayLike<number>): Scores =>
  scoresFromConfusion(labels, confusionMatrix(labels.length, truth, predicted));
