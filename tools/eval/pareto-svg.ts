/**
 * Accuracy vs cost of step-scale lists (spec §5.4) as an SVG scatter plot: x = Cpp-NN MFLOP per
 * second of audio (log axis, spec §8.3), y = accuracy %. The Pareto front (no other list is both
 * cheaper and at least as accurate) is drawn as a staircase and its points are labelled with their
 * list; optionally the Cpp-NN README rows of the same shape are drawn for reference (spec §6.2).
 */
import { axes, el, type Attrs, LabelPlacer, linearScale, logScale, num, svgDocument, text, tooltip, type PlotArea } from './svg.js';

export interface ParetoPoint {
  stepScales: readonly number[];
  mflopsPerSecond: number;
  /** In [0, 1]. */
  accuracy: number;
}

export interface ReferencePoint extends ParetoPoint {
  /** e.g. 'RZOH', 'no RZOH'. */
  variant: string;
}

export interface ParetoPlot {
  points: readonly ParetoPoint[];
  reference?: readonly ReferencePoint[];
  title?: string;
  /** Label the other points too, where there is room (default true); every point has a tooltip regardless. */
  labelAll?: boolean;
}

export const formatList = (stepScales: readonly number[]): string => `[${stepScales.join(',')}]`;

/**
 * The non-dominated points, cheapest first: each is strictly more accurate than every cheaper or
 * equally cheap point. Ties in cost keep the most accurate one.
 */
export function paretoFront<T extends ParetoPoint>(points: readonly T[]): T[] {
  const sorted = [...points].sort((a, b) => a.mflopsPerSecond - b.mflopsPerSecond || b.accuracy - a.accuracy);
  const front: T[] = [];
  let best = -Infinity;
  for (const p of sorted) {
    if (p.accuracy > best) {
      front.push(p);
      best = p.accuracy;
    }
  }
  return front;
}

const FRONT_COLOUR = '#c0392b', POINT_COLOUR = '#2c6fbb', REFERENCE_COLOUR = '#e67e22';

export function paretoSvg({ points, reference = [], title, labelAll }: ParetoPlot): string {
  const all = [...points, ...reference];
  if (all.length === 0) throw new RangeError('paretoSvg: nothing to plot');
  const width = 860, height = 560;
  const area: PlotArea = { left: 76, top: title ? 48 : 24, width: 560, height: 0 };
  area.height = height - area.top - 60;
  const costs = all.map((p) => p.mflopsPerSecond), accuracies = all.map((p) => 100 * p.accuracy);
  const x = logScale(Math.min(...costs) / 1.15, Math.max(...costs) * 1.15, area.left, area.left + area.width);
  const y = linearScale(Math.min(...accuracies), Math.max(...accuracies), area.top + area.height, area.top);
  const px = (p: ParetoPoint) => x.map(p.mflopsPerSecond), py = (p: ParetoPoint) => y.map(100 * p.accuracy);

  const body: string[] = [];
  if (title) body.push(text(title, { x: area.left, y: 26, 'font-size': 14, 'font-weight': 'bold' }));
  body.push(...axes(area, x, y, 'MFLOP per second of audio (Cpp-NN count, log scale)', 'accuracy %'));

  const front = paretoFront(points);
  if (front.length > 1) {
    // Staircase: the best accuracy reachable at each cost.
    const d = front.map((p, i) => (i === 0 ? `M${num(px(p))},${num(py(p))}` : `H${num(px(p))}V${num(py(p))}`)).join('');
    body.push(el('path', { class: 'front', d, fill: 'none', stroke: FRONT_COLOUR, 'stroke-width': 1.5 }));
  }
  const onFront = new Set<ParetoPoint>(front);
  const labelled = labelAll ?? true;
  const tip = (p: ParetoPoint, prefix = '') =>
    tooltip(`${prefix}${formatList(p.stepScales)}: ${(100 * p.accuracy).toFixed(2)} %, ${p.mflopsPerSecond.toFixed(2)} MFLOP/s`);

  // Points first, then labels by priority (front, reference, the rest), each placed where it overlaps no other.
  const labels: { p: ParetoPoint; label: string; size: number; attrs: Attrs }[] = [];
  for (const p of points) {
    const isFront = onFront.has(p);
    body.push(el('circle', {
      class: isFront ? 'point front-point' : 'point', cx: px(p), cy: py(p), r: isFront ? 4 : 3,
      fill: isFront ? FRONT_COLOUR : POINT_COLOUR, 'fill-opacity': isFront ? 1 : 0.55,
    }, tip(p)));
  }
  for (const p of reference) {
    const cx = px(p), cy = py(p), r = 5;
    body.push(el('polygon', {
      class: 'reference', points: `${num(cx)},${num(cy - r)} ${num(cx + r)},${num(cy)} ${num(cx)},${num(cy + r)} ${num(cx - r)},${num(cy)}`,
      fill: 'none', stroke: REFERENCE_COLOUR, 'stroke-width': 1.5,
    }, tip(p, `Cpp-NN README ${p.variant} `)));
  }
  for (const p of front) labels.push({ p, label: formatList(p.stepScales), size: 10, attrs: { class: 'point-label', fill: FRONT_COLOUR } });
  for (const p of reference) labels.push({ p, label: `${formatList(p.stepScales)} ${p.variant}`, size: 8, attrs: { class: 'reference-label', fill: REFERENCE_COLOUR } });
  if (labelled) {
    for (const p of points) if (!onFront.has(p)) labels.push({ p, label: formatList(p.stepScales), size: 8, attrs: { class: 'point-label', fill: '#555' } });
  }
  const placer = new LabelPlacer(area);
  for (const { p, label, size, attrs } of labels) {
    const at = placer.place(px(p), py(p), label, size);
    if (at) body.push(text(label, { ...attrs, ...at }));
  }

  // Legend, right of the plot.
  const lx = area.left + area.width + 20;
  let ly = area.top + 10;
  const legend = (mark: string, label: string) => {
    body.push(mark, text(label, { x: lx + 14, y: ly + 4, 'font-size': 10 }));
    ly += 18;
  };
  legend(el('circle', { cx: lx + 4, cy: ly, r: 3, fill: POINT_COLOUR, 'fill-opacity': 0.55 }), `step-scale list (${points.length})`);
  legend(el('circle', { cx: lx + 4, cy: ly, r: 4, fill: FRONT_COLOUR }), `Pareto front (${front.length})`);
  if (reference.length > 0) {
    legend(el('polygon', { points: `${lx + 4},${ly - 5} ${lx + 9},${ly} ${lx + 4},${ly + 5} ${lx - 1},${ly}`, fill: 'none', stroke: REFERENCE_COLOUR, 'stroke-width': 1.5 }),
      'Cpp-NN README (their data)');
  }
  ly += 8;
  body.push(text('front, cheapest first:', { x: lx, y: ly, 'font-size': 10, 'font-weight': 'bold' }));
  const room = Math.max(1, Math.floor((height - ly - 12) / 13));
  if (front.length > room) {
    ly += 13;
    body.push(text(`… ${front.length - room + 1} cheaper ones`, { x: lx, y: ly, 'font-size': 9, fill: '#555' }));
  }
  for (const p of front.length > room ? front.slice(front.length - room + 1) : front) {
    ly += 13;
    body.push(text(`${formatList(p.stepScales)} ${(100 * p.accuracy).toFixed(1)} % ${p.mflopsPerSecond.toFixed(1)}`, { x: lx, y: ly, 'font-size': 9 }));
  }
  return svgDocument(width, height, body, title);
}
