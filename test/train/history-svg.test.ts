// The learning-curve plot of a training run (tools/train/history-svg.ts): well-formed XML (parsed by
// test/eval/xml.ts), both series of loss and accuracy, the best validation accuracy marked and
// labelled, a one-epoch history, non-finite values skipped.
import { describe, expect, it } from 'vitest';
import type { EpochRecord } from '../../tools/train/checkpoint.js';
import { presetConfig } from '../../tools/train/config.js';
import { historySvg, historyTitle } from '../../tools/train/history-svg.js';
import { parseXml, type XmlElement } from '../eval/xml.js';

const record = (epoch: number, trainLoss: number, valLoss: number, trainAcc: number, valAcc: number, lr = 0.002): EpochRecord =>
  ({ epoch, trainLoss, trainAcc, valLoss, valAcc, lr, seconds: 600, clipsPerSecond: 40 });

const HISTORY: EpochRecord[] = [
  record(1, 3.37, 3.14, 0.07, 0.134),
  record(2, 2.65, 2.53, 0.24, 0.283, 0.00195),
  record(3, 2.22, 2.25, 0.354, 0.4914, 0.0019),
  record(4, 2.03, 2.13, 0.409, 0.403, 0.0018),
  record(5, 1.89, 2.11, 0.444, 0.4914, 0.0017), // ties epoch 3: the trainer's ≥ keeps the later one
  record(6, 1.80, 2.12, 0.471, 0.45, 0.0016),
];

const noNaN = (svg: string) => expect(svg).not.toMatch(/NaN|Infinity|undefined/);
const byClass = (elements: XmlElement[], cls: string) => elements.filter((e) => (e.attrs.class ?? '').split(' ').includes(cls));
/** The y coordinates of a path's points, in order. */
const pathYs = (d: string) => [...d.matchAll(/[ML][\d.-]+,([\d.-]+)/g)].map((m) => Number(m[1]));

describe('historySvg', () => {
  it('draws train and validation loss and accuracy, one point per epoch, in well-formed SVG', () => {
    const svg = historySvg(HISTORY, 'S-Edge tiny & co');
    const elements = parseXml(svg);
    noNaN(svg);
    expect(elements[0].name).toBe('svg');
    expect(svg).toContain('S-Edge tiny &amp; co');
    for (const key of ['train-loss', 'val-loss', 'train-acc', 'val-acc', 'lr']) {
      const lines = byClass(elements, key).filter((e) => e.name === 'path');
      expect(lines, key).toHaveLength(1);
      expect(pathYs(lines[0].attrs.d), key).toHaveLength(6);
      expect(byClass(elements, key).filter((e) => e.name === 'circle'), key).toHaveLength(6);
    }
    // y grows downwards: falling loss → rising y, rising train accuracy → falling y.
    const ys = (key: string) => pathYs(byClass(elements, key).find((e) => e.name === 'path')!.attrs.d);
    expect(ys('train-loss')).toEqual([...ys('train-loss')].sort((a, b) => a - b));
    expect(ys('train-acc')).toEqual([...ys('train-acc')].sort((a, b) => b - a));
    // Tooltips with the exact values, and a legend naming both series.
    expect(svg).toContain('<title>epoch 2: validation loss 2.5300</title>');
    expect(svg).toContain('<title>epoch 6: train accuracy 47.10 %</title>');
    expect(svg).toContain('<title>epoch 4: learning rate 0.001800</title>');
    expect(svg).toMatch(/>train \(/);
    expect(svg).toMatch(/>validation \(/);
  });

  it('marks the best validation accuracy with its value and epoch (ties: the later epoch, like the trainer)', () => {
    const svg = historySvg(HISTORY, 'run');
    const elements = parseXml(svg);
    const markers = byClass(elements, 'best-marker');
    expect(markers).toHaveLength(1);
    const best = byClass(elements, 'val-acc').filter((e) => e.name === 'circle')[4]; // epoch 5
    expect([markers[0].attrs.cx, markers[0].attrs.cy]).toEqual([best.attrs.cx, best.attrs.cy]);
    expect(svg).toMatch(/<text class="best-label"[^>]*>best 49\.14 % \(epoch 5\)<\/text>/);
    expect(svg).toContain('best validation loss 2.1100 at epoch 5');
  });

  it('plots a one-epoch history as single points', () => {
    const svg = historySvg([record(1, 3.3, 3.1, 0.07, 0.13)], 'one');
    const elements = parseXml(svg);
    noNaN(svg);
    for (const key of ['train-loss', 'val-loss', 'train-acc', 'val-acc', 'lr']) {
      expect(byClass(elements, key).filter((e) => e.name === 'circle'), key).toHaveLength(1);
    }
    expect(svg).toMatch(/>best 13\.00 % \(epoch 1\)</);
    expect(svg).toContain('1 epoch in');
    // The epoch sits inside the plot, not on an edge of a zero-width axis.
    const [point] = byClass(elements, 'train-acc').filter((e) => e.name === 'circle');
    const frame = elements.find((e) => e.name === 'rect' && Number(e.attrs.x) > 400)!;
    expect(Number(point.attrs.cx)).toBeCloseTo(Number(frame.attrs.x) + Number(frame.attrs.width) / 2, 1);
  });

  it('skips NaN and ±Infinity, breaking the line there', () => {
    const history = HISTORY.map((h) => ({ ...h }));
    history[2].valLoss = NaN; // epoch 3
    history[3].trainLoss = Infinity;
    history[4].valAcc = NaN; // epoch 5 was the best; now epoch 3 is
    history[5].lr = -Infinity;
    const svg = historySvg(history, 'diverged');
    const elements = parseXml(svg);
    noNaN(svg);
    const circles = (key: string) => byClass(elements, key).filter((e) => e.name === 'circle');
    expect(circles('val-loss')).toHaveLength(5);
    expect(circles('train-loss')).toHaveLength(5);
    expect(circles('val-acc')).toHaveLength(5);
    expect(circles('lr')).toHaveLength(5);
    const d = byClass(elements, 'val-loss').find((e) => e.name === 'path')!.attrs.d;
    expect(d.match(/M/g)).toHaveLength(2); // epochs 1–2, then 4–6
    expect(svg).toMatch(/>best 49\.14 % \(epoch 3\)</);
    expect(() => historySvg([record(1, NaN, NaN, NaN, NaN, NaN)], 'all NaN')).not.toThrow();
    expect(historySvg([], 'empty')).not.toMatch(/best-marker/);
  });

  it('titles a run with its config source and model size', () => {
    expect(historyTitle(presetConfig('tiny')!, 8549)).toBe('S-Edge tiny: 3 layers, P [32,16,8], H [8,32,64], 8,549 trainable parameters');
  });
});
