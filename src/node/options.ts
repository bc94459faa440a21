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
