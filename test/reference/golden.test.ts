/**
 * The float64 reference against the authors' golden vectors (golden README §5, §7): logits against
 * their float64 numpy reference, taps against their torch model in float64. The taps matter because
 * these barely trained models' logits hardly depend on the input (README surprise 2).
 */
import { describe, expect, it } from 'vitest';
import type { Model } from '../../src/model/model.js';
import { referenceForward } from '../../src/reference/forward.js';
import {
  GOLDEN_EXPORTS, GOLDEN_NUMPY2, goldenExport, loadGoldenInputs, loadGoldenLogits, loadGoldenModel, loadGoldenTaps,
  type GoldenExport, type GoldenLayerTaps,
} from '../helpers/golden.js';

const LOGITS_TOL = 1e-9; // absolute, float64 vs float64 (README §7; observed ≤ 2e-15 elsewhere)
const TAPS_TOL = 1e-5; // absolute, vs torch float64; bounded by the complex64 rounding of the dict (README §7)
const BUG_REL_TOL = 1e-9; // relative to max |logit| ≈ 1.3e10 for the skip-as-ones reading

const inputs = loadGoldenInputs();

interface Run {
  logits: Float64Array[]; // per input
  taps: Float64Array[][]; // [input][layer]: (t.length, H) rows at the tapped indices
  means: Float64Array[][]; // [input][layer]: (H)
}

/** Runs all 3 inputs, keeping only the tapped rows (Full's full outputs are 74 MB per clip). */
function runReference(model: Model, taps: GoldenLayerTaps[]): Run {
  const run: Run = { logits: [], taps: [], means: [] };
  for (const clip of inputs) {
    const r = referenceForward(model, clip, { taps: true });
    run.logits.push(r.logits);
    run.means.push(r.layerMeans);
    run.taps.push(taps.map(({ t, H }, i) => {
      const o = r.layerOutputs![i];
      expect(o.length).toBe(taps[i].T * H);
      return Float64Array.from({ length: t.length * H }, (_, k) => o[t[Math.floor(k / H)] * H + (k % H)]);
    }));
  }
  return run;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let k = 0; k < a.length; k++) max = Math.max(max, Math.abs(a[k] - b[k]));
  return max;
}

const maxAbs = (rows: ArrayLike<number>[]) => Math.max(...rows.flatMap((r) => Array.from(r, Math.abs)));

const cases: { label: string; exp: GoldenExport; file: string }[] = [
  ...GOLDEN_EXPORTS.map((exp) => ({ label: exp.name, exp, file: exp.dictFile })),
  { label: `${GOLDEN_NUMPY2.sameAs} via ${GOLDEN_NUMPY2.file}`, exp: goldenExport(GOLDEN_NUMPY2.sameAs), file: GOLDEN_NUMPY2.file },
];

const runs = new Map<string, Run>(); // by dict file; the Full test below reuses the identity runs
const runOf = (model: Model, file: string, taps: GoldenLayerTaps[]): Run => {
  if (!runs.has(file)) runs.set(file, runReference(model, taps));
  return runs.get(file)!;
};

describe.each(cases)('golden $label', ({ exp, file }) => {
  const model = loadGoldenModel(exp.name, file);
  const taps = loadGoldenTaps(exp.name);
  const run = () => runOf(model, file, taps);

  it('has the manifest shape, with a null (identity/broadcast) skip exactly when it is not trainable', () => {
    expect(model.layers.map((l) => l.stepScale)).toEqual(exp.stepScales);
    expect(model.layers.map((l) => l.stateSize)).toEqual(exp.P);
    expect(model.layers.map((l) => l.outputSize)).toEqual(exp.H);
    expect(model.layers.map((l) => l.skip === null)).toEqual(exp.H.map(() => !exp.trainableSkip));
  });

  it(`logits within ${LOGITS_TOL} of ${exp.logitsFile}`, () => {
    const expected = loadGoldenLogits(exp.name);
    run().logits.forEach((logits, n) => expect(maxAbsDiff(logits, expected[n])).toBeLessThanOrEqual(LOGITS_TOL));
  });

  it(`layer outputs at the tapped indices and layer means within ${TAPS_TOL} of ${exp.tapsFile}`, () => {
    const { taps: ours, means } = run();
    taps.forEach(({ t, H, values, mean }, i) => {
      const rows = t.length * H;
      inputs.forEach((_, n) => {
        expect(maxAbsDiff(ours[n][i], values.subarray(n * rows, (n + 1) * rows))).toBeLessThanOrEqual(TAPS_TOL);
        expect(maxAbsDiff(means[n][i], mean.subarray(n * H, (n + 1) * H))).toBeLessThanOrEqual(TAPS_TOL);
      });
    });
  });
});

describe('Full: the non-trainable skip is identity, not the exported matrix of ones (golden README §6)', () => {
  const fullExports = GOLDEN_EXPORTS.filter((e) => !e.trainableSkip);

  it('covers both Full exports', () => expect(fullExports.map((e) => e.name)).toHaveLength(2));

  it.each(fullExports)('$name: identity matches logits_identity_skip_f64; ones reproduces the authors\' buggy logits_numpy_f64', (exp) => {
    const identity = loadGoldenModel(exp.name);
    const identityRun = runOf(identity, exp.dictFile, loadGoldenTaps(exp.name));
    const ones: Model = {
      ...identity,
      layers: identity.layers.map((l) => ({ ...l, skip: new Float32Array(l.outputSize * l.inputSize).fill(1) })),
    };
    const identityRef = loadGoldenLogits(exp.name);
    const buggyRef = loadGoldenLogits(exp.name, exp.numpyF64LogitsFile);
    const bugScale = maxAbs(buggyRef);
    expect(bugScale).toBeGreaterThan(1e9); // the two references really are different models
    inputs.forEach((clip, n) => {
      expect(maxAbsDiff(identityRun.logits[n], identityRef[n])).toBeLessThanOrEqual(LOGITS_TOL);
      expect(maxAbsDiff(referenceForward(ones, clip).logits, buggyRef[n])).toBeLessThanOrEqual(BUG_REL_TOL * bugScale);
    });
  });
});
