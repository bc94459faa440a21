/**
 * A small SVG writer for the evaluation plots: elements as strings, linear and log scales with
 * "nice" ticks, and axes with tick labels and a title. No plotting library; the output is plain
 * SVG 1.1 that browsers, Inkscape and GitHub render.
 *
 * Every number that goes into an attribute passes through `num`, which refuses NaN and ±Infinity:
 * a broken scale fails loudly here instead of drawing an empty or invisible plot.
 */

export type Attrs = Record<string, string | number | undefined>;

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A finite number, rounded to 0.01 for compact output. */
export function num(value: number): string {
  if (!Number.isFinite(value)) throw new RangeError(`svg: non-finite coordinate ${value}`);
  const rounded = Math.round(value * 100) / 100;
  return String(Object.is(rounded, -0) ? 0 : rounded);
}

/** `<name a="…">children</name>` (self-closing without children). Numbers go through `num`. */
export function el(name: string, attrs: Attrs = {}, children: string | readonly string[] = ''): string {
  const body = typeof children === 'string' ? children : children.join('');
  const list = Object.entries(attrs)
    .filter((entry): entry is [string, string | number] => entry[1] !== undefined)
    .map(([key, value]) => ` ${key}="${typeof value === 'number' ? num(value) : escapeXml(value)}"`)
    .join('');
  return body === '' ? `<${name}${list}/>` : `<${name}${list}>${body}</${name}>`;
}

/** A text element; `content` is escaped. */
export const text = (content: string, attrs: Attrs): string => el('text', attrs, escapeXml(content));

/** A tooltip child (shown on hover by browsers). */
export const tooltip = (content: string): string => el('title', {}, escapeXml(content));

export function svgDocument(width: number, height: number, body: readonly string[], title?: string): string {
  return el('svg', {
    xmlns: 'http://www.w3.org/2000/svg', width, height, viewBox: `0 0 ${num(width)} ${num(height)}`,
    'font-family': 'Helvetica, Arial, sans-serif', 'font-size': 11,
  }, [title ? tooltip(title) : '', el('rect', { width, height, fill: 'white' }), ...body]) + '\n';
}

export interface Scale {
  /** Data value → pixel. */
  map(value: number): number;
  ticks: number[];
  format(value: number): string;
  domain: [number, number];
}

/** Tick step 1, 2 or 5 × 10^k giving about `count` ticks over [min, max]. */
export function niceStep(min: number, max: number, count = 6): number {
  const raw = (max - min) / Math.max(1, count);
  if (!(raw > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  return (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * power;
}

/** Linear scale over the nice-rounded domain around [min, max], mapped to [r0, r1]. */
export function linearScale(min: number, max: number, r0: number, r1: number, count = 6): Scale {
  if (!(max > min)) [min, max] = [min - 1, max + 1];
  const step = niceStep(min, max, count);
  const lo = Math.floor(min / step + 1e-9) * step, hi = Math.ceil(max / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let v = lo; v <= hi + step / 2; v += step) ticks.push(Math.round(v / step) * step);
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  return {
    map: (v) => r0 + ((v - lo) / (hi - lo)) * (r1 - r0),
    ticks,
    format: (v) => v.toFixed(decimals),
    domain: [lo, hi],
  };
}

/**
 * Log10 scale from the decade-ish bounds around [min, max] (both > 0); ticks at 1, 2, 5 × 10^k, or
 * only at powers of 10 when the range spans more than 3 decades.
 */
export function logScale(min: number, max: number, r0: number, r1: number): Scale {
  if (!(min > 0 && max > 0)) throw new RangeError(`logScale: bounds must be positive, got [${min}, ${max}]`);
  if (max <= min) [min, max] = [min / 2, max * 2];
  const mantissas = Math.log10(max / min) > 3 ? [1] : [1, 2, 5];
  const lo = niceBelow(min, mantissas), hi = niceAbove(max, mantissas);
  const ticks: number[] = [];
  for (let k = Math.floor(Math.log10(lo)); k <= Math.ceil(Math.log10(hi)); k++) {
    for (const m of mantissas) {
      const v = m * 10 ** k;
      if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) ticks.push(Number(v.toPrecision(6)));
    }
  }
  const [logLo, logHi] = [Math.log10(lo), Math.log10(hi)];
  return {
    map: (v) => r0 + ((Math.log10(v) - logLo) / (logHi - logLo)) * (r1 - r0),
    ticks,
    format: (v) => (v >= 1 ? String(Number(v.toPrecision(6))) : v.toPrecision(1)),
    domain: [lo, hi],
  };
}

function niceBelow(v: number, mantissas: number[]): number {
  const power = 10 ** Math.floor(Math.log10(v));
  return Math.max(...mantissas.map((m) => m * power).filter((c) => c <= v * (1 + 1e-9)));
}

function niceAbove(v: number, mantissas: number[]): number {
  const power = 10 ** Math.floor(Math.log10(v));
  return Math.min(...[...mantissas, 10].map((m) => m * power).filter((c) => c >= v * (1 - 1e-9)));
}

export interface PlotArea {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** Frame, grid lines, ticks, tick labels and axis titles for a plot area with an x and a y scale. */
export function axes(area: PlotArea, x: Scale, y: Scale, xTitle: string, yTitle: string): string[] {
  const { left, top, width, height } = area;
  const bottom = top + height, right = left + width;
  const out: string[] = [];
  for (const v of x.ticks) {
    const px = x.map(v);
    out.push(el('line', { x1: px, y1: top, x2: px, y2: bottom, stroke: '#e4e4e4' }));
    out.push(el('line', { x1: px, y1: bottom, x2: px, y2: bottom + 5, stroke: '#333' }));
    out.push(text(x.format(v), { x: px, y: bottom + 17, 'text-anchor': 'middle', class: 'tick' }));
  }
  for (const v of y.ticks) {
    const py = y.map(v);
    out.push(el('line', { x1: left, y1: py, x2: right, y2: py, stroke: '#e4e4e4' }));
    out.push(el('line', { x1: left - 5, y1: py, x2: left, y2: py, stroke: '#333' }));
    out.push(text(y.format(v), { x: left - 8, y: py + 4, 'text-anchor': 'end', class: 'tick' }));
  }
  out.push(el('rect', { x: left, y: top, width, height, fill: 'none', stroke: '#333' }));
  out.push(text(xTitle, { x: left + width / 2, y: bottom + 38, 'text-anchor': 'middle', 'font-size': 12 }));
  const yx = left - 48, yy = top + height / 2;
  out.push(text(yTitle, { x: yx, y: yy, 'text-anchor': 'middle', 'font-size': 12, transform: `rotate(-90 ${num(yx)} ${num(yy)})` }));
  return out;
}

interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/**
 * Greedy placement of point labels without overlaps: tries right-above, right-below, left-above,
 * left-below of the point and gives up (returns null) if all four collide with a placed label or
 * leave the plot area. Text width is estimated as 0.6 × font size per character.
 */
export class LabelPlacer {
  private readonly boxes: Box[] = [];
  constructor(private readonly area: PlotArea) {}

  place(px: number, py: number, label: string, fontSize: number): Attrs | null {
    const w = 0.6 * fontSize * label.length, h = fontSize;
    const candidates: [number, number, 'start' | 'end'][] = [[px + 5, py - 5, 'start'], [px + 5, py + h + 3, 'start'], [px - 5, py - 5, 'end'], [px - 5, py + h + 3, 'end']];
    const { left, top, width, height } = this.area;
    for (const [x, y, anchor] of candidates) {
      const box = anchor === 'start' ? { x0: x, y0: y - h, x1: x + w, y1: y } : { x0: x - w, y0: y - h, x1: x, y1: y };
      if (box.x0 < left || box.x1 > left + width || box.y0 < top || box.y1 > top + height) continue;
      if (this.boxes.some((b) => box.x0 < b.x1 && b.x0 < box.x1 && box.y0 < b.y1 && b.y0 < box.y1)) continue;
      this.boxes.push(box);
      return { x, y, 'text-anchor': anchor, 'font-size': fontSize };
    }
    return null;
  }
}
