/**
 * Evaluation tools: accuracy and confusion on a Speech Commands-style split (`sedge eval`), the
 * step-scale sweep (`sedge sweep`, spec §5.4) and their SVG plots. Offline tooling: the runtime
 * (src/) never imports it; src/node/eval-command.ts loads it lazily.
 */
export { stepScaleChains, checkChain, unreachableReason } from './chains.js';
export { loadEvalSet, checkLabelSet, wordFolders, spreadIndices, loudestWindow, type EvalSet, type LoadEvalSetOptions } from './eval-set.js';
export { confusionMatrix, scoresFromConfusion, scores, type ClassScore, type Scores } from './metrics.js';
export { createPredictor, argmax, type ClipRange, type Predictor, type PredictorOptions } from './predict.js';
export { readCheckpoint, writeCheckpoint, type CheckpointIdentity } from './checkpoint.js';
export { evaluateModel, predictSet, formatEvalReport, checkModelFitsSet, type EvalReport, type EvaluateOptions } from './evaluate.js';
export {
  runSweep, prepareSweepOutput, writeSweepFiles, formatSweep, shapeOf, referencePoints, SWEEP_JSON, PARETO_SVG,
  type SweepEntry, type SweepFile, type SweepIdentity, type SweepOptions,
} from './sweep.js';
export { confusionSvg, shareColour, type ConfusionPlot } from './confusion-svg.js';
export { paretoSvg, paretoFront, formatList, type ParetoPlot, type ParetoPoint, type ReferencePoint } from './pareto-svg.js';
export { el, escapeXml, num, svgDocument, linearScale, logScale, niceStep, axes, type Scale, type PlotArea } from './svg.js';
