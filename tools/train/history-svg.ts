/**
 * The learning curves of a training run as an SVG (history.svg next to history.csv, rewritten
 * after every epoch): loss per epoch and accuracy per epoch, train and validation, with the best
 * validation accuracy marked and labelled, and the learning rate in a small panel under the loss
 * with the same epoch axis. Meant to be looked at while a run is going, instead of reading the CSV.
 *
 * Every point has a tooltip with its values. Non-finite values (a diverged loss, an accuracy of an
 * empty split) are skipped and break their line; a one-epoch history plots single points. Plain
 * SVG 1.1 from tools/eval/svg.ts, no plotting library.
 */
import { axes, el, LabelPlacer, linearScale, niceStep, num, svgDocument, text, tooltip, type PlotArea, type Scale } from '../eval/svg.js';
import type { EpochRecord } from './checkpoint.js';
import type { TrainConfig } from './config.js';

const TRAIN_COLOUR = '#2c6fbb', VAL_COLOUR = '#d35400', LR_COLOUR = '#777', BEST_COLOUR = '#1e8449';

/** "S-Edge <config source>: 3 layers, P [32,16,8], H [8,32,64], N trainable parameters". */
export function historyTitle(config: Pick<TrainConfig, 'source' | 'model'>, trainableParameters?: number): string {
  const { stateSizes, outputSizes } = config.model;
  const size = `${stateSizes.length} layer${stateSizes.length === 1 ? '' : 's'}, P [${stateSizes.join(',')}], H [${outputSizes.join(',')}]`;
  const params = trainableParameters === undefined ? '' : `, ${trainableParameters.toLocaleString('en-US')} trainable parameters`;
  return `S-Edge ${config.source}: ${size}${params}`;
}

interface Series {
  key: string;
  label: string;
  colour: string;
  value: (h: EpochRecord) => number;
  format: (v: number) => string;
  width?: number;
}

const formatLoss = (v: number) => v.toFixed(4);
const formatPercent = (v: number) => `${v.toFixed(2)} %`;
const formatLr = (v: number) => v.toPrecision(4);

/**
 * Epoch axis: the first to the last epoch with half an epoch of room on either side (no marker on
 * the frame), integer ticks at a 1, 2 or 5 × 10^k step inside that range; one epoch sits in the middle.
 */
function epochScale(epochs: number[], r0: number, r1: number): Scale {
  const lo = epochs.length ? Math.min(...epochs) : 1, hi = epochs.length ? Math.max(...epochs) : 1;
  const pad = hi > lo ? Math.max(0.5, 0.03 * (hi - lo)) : 1;
  const d0 = lo - pad, d1 = hi + pad;
  const step = Math.max(1, niceStep(lo, hi, 6));
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi; v += step) ticks.push(v);
  if (ticks.length === 0) ticks.push(lo);
  return { map: (v) => r0 + ((v - d0) / (d1 - d0)) * (r1 - r0), ticks, format: (v) => String(v), domain: [d0, d1] };
}

/**
 * A linear scale over the finite values (and `include`), widened by 4 % on each side so that no
 * marker sits on the frame, but not past `bounds` (accuracy stays in [0, 100], the lr ≥ 0);
 * [0, 1] when there are no finite values.
 */
function valueScale(values: number[], r0: number, r1: number, count: number, bounds: [number, number], include: number[] = []): Scale {
  const finite = [...values.filter(Number.isFinite), ...include];
  if (finite.length === 0) return linearScale(0, 1, r0, r1, count);
  const min = Math.min(...finite), max = Math.max(...finite), pad = 0.04 * (max - min);
  let lo = Math.max(bounds[0], min - pad), hi = Math.min(bounds[1], max + pad);
  if (!(hi > lo)) [lo, hi] = [Math.max(bounds[0], lo - 1), Math.min(bounds[1], hi + 1)]; // one value: ±1 inside the bounds
  return linearScale(lo, hi, r0, r1, count);
}

/** A line through the finite points (a gap at each skipped one) and a marker with a tooltip on each. */
function drawSeries(history: readonly EpochRecord[], s: Series, x: Scale, y: Scale, radius = 2.5): string[] {
  let d = '', pen = false;
  const marks: string[] = [];
  for (const h of history) {
    const v = s.value(h);
    if (!Number.isFinite(v) || !Number.isFinite(h.epoch)) {
      pen = false;
      continue;
    }
    const px = x.map(h.epoch), py = y.map(v);
    d += `${pen ? 'L' : 'M'}${num(px)},${num(py)}`;
    pen = true;
    marks.push(el('circle', { class: `point ${s.key}`, cx: px, cy: py, r: radius, fill: s.colour }, tooltip(`epoch ${h.epoch}: ${s.label} ${s.format(v)}`)));
  }
  const line = d ? [el('path', { class: `series ${s.key}`, d, fill: 'none', stroke: s.colour, 'stroke-width': s.width ?? 1.5 })] : [];
  return [...line, ...marks];
}

/** The epoch of the best finite value: `better(v, best)` decides, so ties follow the trainer (≥ for accuracy, < for loss). */
function bestOf(history: readonly EpochRecord[], value: (h: EpochRecord) => number, better: (v: number, best: number) => boolean): EpochRecord | null {
  let best: EpochRecord | null = null;
  for (const h of history) {
    const v = value(h);
    if (Number.isFinite(v) && Number.isFinite(h.epoch) && (best === null || better(v, value(best)))) best = h;
  }
  return best;
}

export function historySvg(history: readonly EpochRecord[], title: string): string {
  const width = 880, height = 570;
  const loss: PlotArea = { left: 70, top: 48, width: 340, height: 280 };
  const acc: PlotArea = { left: 500, top: 48, width: 340, height: 280 };
  const lr: PlotArea = { left: 70, top: 408, width: 340, height: 100 };
  const epochs = history.map((h) => h.epoch).filter(Number.isFinite);
  const body: string[] = [];
  if (title) body.push(text(title, { x: loss.left, y: 26, 'font-size': 14, 'font-weight': 'bold' }));

  const trainLoss: Series = { key: 'train-loss', label: 'train loss', colour: TRAIN_COLOUR, value: (h) => h.trainLoss, format: formatLoss };
  const valLoss: Series = { key: 'val-loss', label: 'validation loss', colour: VAL_COLOUR, value: (h) => h.valLoss, format: formatLoss };
  const trainAcc: Series = { key: 'train-acc', label: 'train accuracy', colour: TRAIN_COLOUR, value: (h) => 100 * h.trainAcc, format: formatPercent };
  const valAcc: Series = { key: 'val-acc', label: 'validation accuracy', colour: VAL_COLOUR, value: (h) => 100 * h.valAcc, format: formatPercent };
  const rate: Series = { key: 'lr', label: 'learning rate', colour: LR_COLOUR, value: (h) => h.lr, format: formatLr, width: 1 };

  // Loss.
  let x = epochScale(epochs, loss.left, loss.left + loss.width);
  let y = valueScale(history.flatMap((h) => [h.trainLoss, h.valLoss]), loss.top + loss.height, loss.top, 6, [0, Infinity]);
  body.push(...axes(loss, x, y, 'epoch', 'cross-entropy loss'));
  body.push(...drawSeries(history, trainLoss, x, y), ...drawSeries(history, valLoss, x, y));

  // Learning rate (max lr of the SSM group at each epoch's last step), from 0.
  y = valueScale(history.map((h) => h.lr), lr.top + lr.height, lr.top, 3, [0, Infinity], [0]);
  body.push(...axes(lr, x, y, 'epoch', 'learning rate'));
  body.push(...drawSeries(history, rate, x, y, 2));

  // Accuracy, with the best validation accuracy marked.
  x = epochScale(epochs, acc.left, acc.left + acc.width);
  y = valueScale(history.flatMap((h) => [100 * h.trainAcc, 100 * h.valAcc]), acc.top + acc.height, acc.top, 6, [0, 100]);
  body.push(...axes(acc, x, y, 'epoch', 'accuracy %'));
  body.push(...drawSeries(history, trainAcc, x, y), ...drawSeries(history, valAcc, x, y));
  const bestAcc = bestOf(history, valAcc.value, (v, b) => v >= b);
  const bestLoss = bestOf(history, valLoss.value, (v, b) => v < b);
  if (bestAcc) {
    const v = valAcc.value(bestAcc), px = x.map(bestAcc.epoch), py = y.map(v);
    const label = `best ${formatPercent(v)} (epoch ${bestAcc.epoch})`;
    body.push(el('line', { class: 'best-line', x1: px, y1: acc.top, x2: px, y2: acc.top + acc.height, stroke: BEST_COLOUR, 'stroke-dasharray': '3,3' }));
    body.push(el('circle', { class: 'best-marker', cx: px, cy: py, r: 6, fill: 'none', stroke: BEST_COLOUR, 'stroke-width': 2 },
      tooltip(`best validation accuracy: ${formatPercent(v)} at epoch ${bestAcc.epoch}`)));
    const at = new LabelPlacer(acc).place(px, py - 4, label, 11) ?? { x: acc.left + 6, y: acc.top + 16, 'font-size': 11 };
    body.push(text(label, { class: 'best-label', fill: BEST_COLOUR, 'font-weight': 'bold', ...at }));
  }

  // Legend and summary, under the accuracy panel.
  const lx = acc.left;
  let ly = lr.top + 6;
  const legend = (colour: string, label: string, widthPx = 1.5) => {
    body.push(el('line', { x1: lx, y1: ly, x2: lx + 22, y2: ly, stroke: colour, 'stroke-width': widthPx }), el('circle', { cx: lx + 11, cy: ly, r: 2.5, fill: colour }));
    body.push(text(label, { x: lx + 30, y: ly + 4, 'font-size': 11 }));
    ly += 18;
  };
  legend(TRAIN_COLOUR, "train (mean over the epoch's batches)");
  legend(VAL_COLOUR, 'validation (exported model, end of epoch)');
  legend(LR_COLOUR, 'learning rate (SSM group; the rest 4×)', 1);
  body.push(el('circle', { cx: lx + 11, cy: ly, r: 6, fill: 'none', stroke: BEST_COLOUR, 'stroke-width': 2 }), text('best validation accuracy', { x: lx + 30, y: ly + 4, 'font-size': 11 }));
  ly += 28;
  const summary: string[] = [];
  if (bestAcc) summary.push(`best validation accuracy ${formatPercent(valAcc.value(bestAcc))} at epoch ${bestAcc.epoch}`);
  if (bestLoss) summary.push(`best validation loss ${formatLoss(bestLoss.valLoss)} at epoch ${bestLoss.epoch}`);
  const seconds = history.map((h) => h.seconds).filter(Number.isFinite).reduce((a, b) => a + b, 0);
  if (history.length) summary.push(`${history.length} epoch${history.length === 1 ? '' : 's'} in ${(seconds / 3600).toFixed(seconds < 36000 ? 2 : 1)} h of training`);
  for (const line of summary) {
    body.push(text(line, { class: 'summary', x: lx, y: ly, 'font-size': 11 }));
    ly += 16;
  }
  return svgDocument(width, height, body, title);
}
