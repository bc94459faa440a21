/**
 * The confusion matrix as an SVG heat map: rows = true label, columns = predicted label, one
 * `<rect class="cell">` per pair (K² of them), coloured by the share of the row (so every class
 * reads the same however many clips it has), counts written in the cells, per-class accuracy at
 * the right end of each row, a tooltip on every cell.
 */
import { el, num, svgDocument, text, tooltip } from './svg.js';

export interface ConfusionPlot {
  labels: readonly string[];
  /** K × K counts, rows = true label, columns = predicted. */
  confusion: readonly (readonly number[])[];
  title?: string;
}

const LIGHT = [247, 251, 255], DARK = [8, 48, 107]; // ColorBrewer Blues, ends

/** Colour for a share in [0, 1]; √ so that a 5 % confusion is already visible next to a 90 % diagonal. */
export function shareColour(share: number): string {
  const t = Math.sqrt(Math.min(1, Math.max(0, share)));
  const channel = (k: number) => Math.round(LIGHT[k] + (DARK[k] - LIGHT[k]) * t);
  return `rgb(${channel(0)},${channel(1)},${channel(2)})`;
}

export function confusionSvg({ labels, confusion, title }: ConfusionPlot): string {
  const K = labels.length;
  if (confusion.length !== K || confusion.some((row) => row.length !== K)) {
    throw new RangeError(`confusionSvg: expected a ${K}×${K} matrix for ${K} labels`);
  }
  const cell = K <= 40 ? 16 : Math.max(5, Math.floor(640 / K));
  const labelWidth = 12 + 6.5 * Math.max(1, ...labels.map((l) => l.length));
  const left = 24 + labelWidth, top = title ? 44 : 20;
  const size = cell * K;
  const width = Math.max(left + size + 70, left + 8 * (title?.length ?? 0)), height = top + size + labelWidth + 34;
  const body: string[] = [];
  if (title) body.push(text(title, { x: left, y: 24, 'font-size': 14, 'font-weight': 'bold' }));

  const rowTotals = confusion.map((row) => row.reduce((a, b) => a + b, 0));
  const cells: string[] = [];
  for (let i = 0; i < K; i++) {
    for (let j = 0; j < K; j++) {
      const count = confusion[i][j];
      const share = rowTotals[i] > 0 ? count / rowTotals[i] : 0;
      const x = left + j * cell, y = top + i * cell;
      const tip = `${labels[i]} → ${labels[j]}: ${count} of ${rowTotals[i]} (${(100 * share).toFixed(1)} %)`;
      cells.push(el('rect', { class: 'cell', x, y, width: cell, height: cell, fill: shareColour(share) }, tooltip(tip)));
      if (count > 0 && cell >= 14) {
        cells.push(text(String(count), {
          x: x + cell / 2, y: y + cell / 2 + 2.5, 'text-anchor': 'middle', 'font-size': count >= 1000 ? 5 : 7,
          fill: share > 0.35 ? 'white' : '#222', 'pointer-events': 'none',
        }));
      }
    }
  }
  body.push(el('g', {}, cells));
  body.push(el('rect', { x: left, y: top, width: size, height: size, fill: 'none', stroke: '#333' }));
  // Diagonal guide: where the correct predictions sit.
  body.push(el('line', { x1: left, y1: top, x2: left + size, y2: top + size, stroke: '#c33', 'stroke-width': 0.5, 'stroke-dasharray': '2 2', opacity: 0.6 }));

  const font = Math.min(11, cell - 2);
  for (let k = 0; k < K; k++) {
    const cy = top + k * cell + cell / 2 + font / 3;
    body.push(text(labels[k], { x: left - 5, y: cy, 'text-anchor': 'end', 'font-size': font, class: 'row-label' }));
    const cx = left + k * cell + cell / 2 + font / 3, ly = top + size + 6;
    body.push(text(labels[k], { x: cx, y: ly, 'text-anchor': 'end', 'font-size': font, class: 'col-label', transform: `rotate(-90 ${num(cx)} ${num(ly)})` }));
    const accuracy = rowTotals[k] > 0 ? `${((100 * confusion[k][k]) / rowTotals[k]).toFixed(0)} %` : '–';
    body.push(text(accuracy, { x: left + size + 6, y: cy, 'font-size': Math.min(9, font), fill: '#555' }));
  }
  body.push(text('true label', { x: 12, y: top + size / 2, 'text-anchor': 'middle', 'font-size': 12, transform: `rotate(-90 12 ${num(top + size / 2)})` }));
  body.push(text('predicted label', { x: left + size / 2, y: height - 8, 'text-anchor': 'middle', 'font-size': 12 }));
  body.push(text('acc.', { x: left + size + 6, y: top - 5, 'font-size': 9, fill: '#555' }));
  return svgDocument(width, height, body, title);
}
