// Option parsers shared by the CLI commands.
import { InvalidArgumentError } from 'commander';

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a positive integer, got '${value}'`);
  return n;
}

/** "1,9,54" → [1, 9, 54] (positive numbers). */
export function numberList(value: string): number[] {
  const list = value.split(',').map((s) => Number(s.trim()));
  if (list.length === 0 || list.some((n) => !Number.isFinite(n) || n <= 0)) throw new InvalidArgumentError(`expected comma-separated positive numbers, got '${value}'`);
  return list;
}

export const labelList = (value: string): string[] => value.split(',').map((s) => s.trim()).filter(Boolean);

export function probability(value: string): number {
  const p = Number(value);
  if (value.trim() === '' || !(p >= 0 && p <= 1)) throw new InvalidArgumentError(`expected a probability in [0, 1], got '${value}'`);
  return p;
}

export function finiteNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`expected a number, got '${value}'`);
  return n;
}

export function nonNegativeNumber(value: string): number {
  const n = finiteNumber(value);
  if (n < 0) throw new InvalidArgumentError(`expected a number ≥ 0, got '${value}'`);
  return n;
}

/** "yes=0.9,stop=0.8" → { yes: 0.9, stop: 0.8 } (the words are checked against the model later). */
export function wordThresholds(value: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of value.split(',').map((s) => s.trim()).filter(Boolean)) {
    const [word, p, ...rest] = item.split('=');
    if (!word || p === undefined || rest.length) throw new InvalidArgumentError(`expected WORD=P pairs separated by commas, got '${item}'`);
    out[word.trim()] = probability(p);
  }
  return out;
}
