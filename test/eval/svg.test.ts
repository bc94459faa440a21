// The SVG writer and the two plots: well-formed XML (parsed by test/eval/xml.ts), one cell per
// confusion pair, one marker per point, the Pareto front right, no NaN anywhere.
import { describe, expect, it } from 'vitest';
import { SPEECH_COMMANDS_LABELS } from '../../src/model/model.js';
import { confusionSvg, shareColour } from '../../tools/eval/confusion-svg.js';
import { paretoFront, paretoSvg } from '../../tools/eval/pareto-svg.js';
import { referencePoints } from '../../tools/eval/sweep.js';
import { el, escapeXml, linearScale, logScale, num } from '../../tools/eval/svg.js';
import { parseXml } from './xml.js';

const noNaN = (svg: string) => expect(svg).not.toMatch(/NaN|Infinity|undefined/);

describe('the test XML checker', () => {
  it('rejects what a parser would', () => {
    expect(parseXml('<svg><g a="1"/></svg>')).toHaveLength(2);
    for (const bad of ['<svg><g></svg>', '<svg a=1/>', '<svg a="1" a="2"/>', '<svg>&</svg>', '<svg/><svg/>', '<svg><g>', 'x<svg/>']) {
      expect(() => parseXml(bad), bad).toThrow();
    }
  });
});

describe('svg writer', () => {
  it('escapes text and attributes and refuses non-finite numbers', () => {
    expect(escapeXml('a<b & "c">')).toBe('a&lt;b &amp; &quot;c&quot;&gt;');
    expect(el('text', { x: 1.234, label: 'x"y' }, escapeXml('<&>'))).toBe('<text x="1.23" label="x&quot;y">&lt;&amp;&gt;</text>');
    expect(el('rect', { width: 2 })).toBe('<rect width="2"/>');
    expect(num(-0.001)).toBe('0');
    expect(() => num(NaN)).toThrow(/non-finite/);
    expect(() => el('circle', { cx: Infinity })).toThrow(RangeError);
  });

  it('linear scales get nice ticks covering the data', () => {
    const s = linearScale(71.3, 92.8, 400, 0);
    expect(s.ticks).toEqual([70, 75, 80, 85, 90, 95]);
    expect(s.map(70)).toBe(400);
    expect(s.map(95)).toBe(0);
    expect(linearScale(5, 5, 0, 1).ticks.length).toBeGreaterThan(1); // degenerate range still plots
  });

  it('log scales tick at 1, 2, 5 × 10^k', () => {
    const s = logScale(6.5, 210, 0, 300);
    expect(s.ticks).toEqual([5, 10, 20, 50, 100, 200, 500]);
    expect(s.map(5)).toBeCloseTo(0, 9);
    expect(s.map(500)).toBeCloseTo(300, 9);
    expect(() => logScale(0, 10, 0, 1)).toThrow(/positive/);
  });
});

describe('confusionSvg', () => {
  it('35 classes: well-formed, 35² cells, every label on both axes', () => {
    const K = SPEECH_COMMANDS_LABELS.length;
    const confusion = Array.from({ length: K }, (_, i) => Array.from({ length: K }, (_, j) => (i === j ? 70 + i : (i * j) % 7 === 1 ? 3 : 0)));
    confusion[4] = new Array(K).fill(0); // a class without clips: no division by zero
    const svg = confusionSvg({ labels: SPEECH_COMMANDS_LABELS, confusion, title: 'tiny & friends <test>' });
    expect(svg.startsWith('<svg ')).toBe(true);
    const elements = parseXml(svg);
    expect(elements.filter((e) => e.name === 'rect' && e.attrs.class === 'cell')).toHaveLength(K * K);
    expect(elements.filter((e) => e.attrs.class === 'row-label')).toHaveLength(K);
    expect(elements.filter((e) => e.attrs.class === 'col-label')).toHaveLength(K);
    expect(svg).toContain('tiny &amp; friends &lt;test&gt;');
    noNaN(svg);
  });

  it('colours by the share of the row', () => {
    expect(shareColour(0)).toBe('rgb(247,251,255)');
    expect(shareColour(1)).toBe('rgb(8,48,107)');
    const svg = confusionSvg({ labels: ['a', 'b'], confusion: [[3, 1], [0, 0]] });
    const cells = parseXml(svg).filter((e) => e.attrs.class === 'cell');
    expect(cells.map((c) => c.attrs.fill)).toEqual([shareColour(0.75), shareColour(0.25), shareColour(0), shareColour(0)]);
    expect(() => confusionSvg({ labels: ['a'], confusion: [[1, 2]] })).toThrow(/1×1/);
  });
});

describe('paretoFront and paretoSvg', () => {
  const p = (stepScales: number[], mflopsPerSecond: number, accuracy: number) => ({ stepScales, mflopsPerSecond, accuracy });
  const points = [
    p([1, 1, 1], 193.6, 0.90), p([1, 2, 6], 46.4, 0.91), p([1, 5, 20], 19.6, 0.89), p([1, 9, 27], 12.2, 0.85),
    p([2, 8, 32], 9.0, 0.80), p([3, 12, 24], 7.7, 0.70), p([1, 3, 3], 60, 0.88), p([2, 2, 2], 97, 0.86), p([3, 3, 3], 65, 0.86),
  ];

  it('keeps the points no other beats on both cost and accuracy, cheapest first', () => {
    expect(paretoFront(points).map((q) => q.stepScales)).toEqual([[3, 12, 24], [2, 8, 32], [1, 9, 27], [1, 5, 20], [1, 2, 6]]);
    // equal cost: only the more accurate; equal accuracy: only the cheaper
    expect(paretoFront([p([1], 10, 0.5), p([2], 10, 0.6), p([3], 20, 0.6)]).map((q) => q.stepScales)).toEqual([[2]]);
  });

  it('one marker per point and per README row, the front as a path, labels as text; well-formed, no NaN', () => {
    const reference = referencePoints('tiny');
    expect(reference).toHaveLength(11);
    const svg = paretoSvg({ points, reference, title: 'tiny: accuracy vs MFLOP/s' });
    expect(svg.startsWith('<svg ')).toBe(true);
    const elements = parseXml(svg);
    expect(elements.filter((e) => e.name === 'circle' && e.attrs.class?.startsWith('point'))).toHaveLength(points.length);
    expect(elements.filter((e) => e.attrs.class === 'point front-point')).toHaveLength(5);
    expect(elements.filter((e) => e.name === 'polygon' && e.attrs.class === 'reference')).toHaveLength(reference.length);
    expect(elements.filter((e) => e.name === 'path' && e.attrs.class === 'front')).toHaveLength(1);
    expect(svg).toContain('>[1,2,6]</text>');
    expect(svg).toContain('<title>[1,9,27]: 85.00 %, 12.20 MFLOP/s</title>');
    noNaN(svg);
  });

  it('a single point still plots (degenerate ranges)', () => {
    const svg = paretoSvg({ points: [p([1, 1], 0.62, 0.75)] });
    expect(parseXml(svg).filter((e) => e.name === 'circle' && e.attrs.class?.startsWith('point'))).toHaveLength(1);
    noNaN(svg);
    expect(() => paretoSvg({ points: [] })).toThrow(/nothing to plot/);
  });
});
