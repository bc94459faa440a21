/**
 * The authors' training loss ([SE] `src/utils/train_test.py::train_one_epoch`, spec §5.7):
 *   loss = CE(logits, labels) + 0.1 · √(mean((W Wᵀ ⊙ (1 − I))²))
 * CE is averaged over the batch; the penalty is on the decoder weight W (K × H), its mean over all
 * K² entries (zeros on the diagonal included).
 */
import { add, matmul, mean, mul, scale, sqrt, transpose } from './ops.js';
import { record, Tensor } from './tensor.js';

/**
 * log softmax(z[from … from+K) / temperature) into out[from …), f64, via the row's maximum (no
 * overflow). The one log-sum-exp of the losses here and of the training loop's evaluation.
 */
export function logSoftmaxRow(z: ArrayLike<number>, from: number, K: number, out: Float64Array, temperature = 1): Float64Array {
  let max = -Infinity;
  for (let k = 0; k < K; k++) max = Math.max(max, z[from + k] / temperature);
  let s = 0;
  for (let k = 0; k < K; k++) s += Math.exp(z[from + k] / temperature - max);
  const logSum = max + Math.log(s);
  for (let k = 0; k < K; k++) out[from + k] = z[from + k] / temperature - logSum;
  return out;
}

/** Mean over the batch of −log softmax(logits)[label]; logits [B, K], labels B integers in [0, K). */
export function crossEntropy(logits: Tensor, labels: ArrayLike<number>): Tensor {
  if (logits.shape.length !== 2) throw new RangeError(`crossEntropy: logits must be [batch, classes], got [${logits.shape}]`);
  const [B, K] = logits.shape;
  if (labels.length !== B) throw new RangeError(`crossEntropy: ${labels.length} labels for a batch of ${B}`);
  const prob = new Float64Array(B * K);
  let total = 0;
  for (let b = 0; b < B; b++) {
    const label = labels[b];
    if (!Number.isInteger(label) || label < 0 || label >= K) throw new RangeError(`crossEntropy: label ${b} is ${label}, expected an integer in [0, ${K})`);
    logSoftmaxRow(logits.data, b * K, K, prob);
    total -= prob[b * K + label];
    for (let k = 0; k < K; k++) prob[b * K + k] = Math.exp(prob[b * K + k]);
  }
  const out = Tensor.zeros([], logits.dtype);
  out.data[0] = total / B;
  return record(out, [logits], (o) => {
    const g = o.grad![0] / B, d = logits.gradBuffer();
    for (let b = 0; b < B; b++) {
      for (let k = 0; k < K; k++) d[b * K + k] += g * (prob[b * K + k] - (k === labels[b] ? 1 : 0));
    }
  });
}

/**
 * Knowledge distillation (Hinton et al. 2015, "Distilling the knowledge in a neural network"): the
 * batch mean of T² · KL(softmax(teacher/T) ‖ softmax(logits/T)); logits [B, K], teacherLogits B·K
 * numbers (a constant: no gradient flows to the teacher). T² keeps the gradient's size independent
 * of T, so the term can be weighed against the cross-entropy. Zero when the two agree.
 */
export function distillation(logits: Tensor, teacherLogits: ArrayLike<number>, temperature: number): Tensor {
  if (logits.shape.length !== 2) throw new RangeError(`distillation: logits must be [batch, classes], got [${logits.shape}]`);
  const [B, K] = logits.shape;
  if (teacherLogits.length !== B * K) throw new RangeError(`distillation: ${teacherLogits.length} teacher logits for [${B}, ${K}]`);
  if (!(temperature > 0 && Number.isFinite(temperature))) throw new RangeError(`distillation: temperature must be a positive number, got ${temperature}`);
  const logP = new Float64Array(B * K), logQ = new Float64Array(B * K);
  let total = 0;
  for (let b = 0; b < B; b++) {
    logSoftmaxRow(teacherLogits, b * K, K, logP, temperature);
    logSoftmaxRow(logits.data, b * K, K, logQ, temperature);
    for (let k = 0; k < K; k++) total += Math.exp(logP[b * K + k]) * (logP[b * K + k] - logQ[b * K + k]);
  }
  const out = Tensor.zeros([], logits.dtype);
  out.data[0] = (temperature * temperature * total) / B;
  return record(out, [logits], (o) => {
    // d/dz of T² · KL = T · (softmax(z/T) − softmax(t/T)).
    const g = (o.grad![0] * temperature) / B, d = logits.gradBuffer();
    for (let i = 0; i < B * K; i++) d[i] += g * (Math.exp(logQ[i]) - Math.exp(logP[i]));
  });
}

/** coefficient · √(mean((W Wᵀ ⊙ (1 − I))²)), built from the primitives. */
export function decoderOrthogonality(weight: Tensor, coefficient = 0.1): Tensor {
  if (weight.shape.length !== 2) throw new RangeError(`decoderOrthogonality: expected a [K, H] matrix, got [${weight.shape}]`);
  const K = weight.shape[0];
  const offDiagonal = Tensor.from(Array.from({ length: K * K }, (_, k) => (Math.floor(k / K) === k % K ? 0 : 1)), [K, K], weight.dtype);
  const gram = mul(matmul(weight, transpose(weight)), offDiagonal);
  return scale(sqrt(mean(mul(gram, gram))), coefficient);
}

export interface SedgeLoss {
  loss: Tensor; // ce + penalty, the one to call backward() on
  crossEntropy: Tensor;
  penalty: Tensor;
}

/** The authors' loss with `regularize=True`: mean CE plus the decoder orthogonality penalty. */
export function sedgeLoss(logits: Tensor, labels: ArrayLike<number>, decoderWeight: Tensor, coefficient = 0.1): SedgeLoss {
  const ce = crossEntropy(logits, labels);
  const penalty = decoderOrthogonality(decoderWeight, coefficient);
  return { loss: add(ce, penalty), crossEntropy: ce, penalty };
}
