/**
 * A progress bar on stderr: `label [#####.....] done/total  rate/s  ETA`. On a terminal it redraws
 * one line (at most 10 times a second); otherwise (CI logs, files) it prints a line every 15 s, so
 * logs stay short. Work skipped on resume counts as done but not towards the rate.
 */
import type { Writable } from 'node:stream';

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export class Progress {
  private done = 0;
  private skipped = 0;
  private readonly started = performance.now();
  private lastDraw = 0;
  private readonly tty: boolean;

  constructor(
    private readonly total: number,
    private readonly label: string,
    private readonly unit = 'clips',
    private readonly stream: Writable & { isTTY?: boolean } | null = process.stderr,
  ) {
    this.tty = !!stream?.isTTY;
  }

  skip(n = 1): void {
    this.skipped += n;
    this.done += n;
  }

  tick(n = 1): void {
    this.done += n;
    const now = performance.now();
    if (now - this.lastDraw >= (this.tty ? 100 : 15_000) || this.done === this.total) this.draw(now);
  }

  /** Items per second over the work done in this run. */
  rate(now = performance.now()): number {
    const seconds = (now - this.started) / 1000;
    return seconds > 0 ? (this.done - this.skipped) / seconds : 0;
  }

  elapsedSeconds(): number {
    return (performance.now() - this.started) / 1000;
  }

  private draw(now: number): void {
    this.lastDraw = now;
    if (!this.stream) return;
    const width = 28, fraction = this.total > 0 ? this.done / this.total : 1;
    const filled = Math.round(width * fraction);
    const rate = this.rate(now);
    const eta = rate > 0 ? (this.total - this.done) / rate : Infinity;
    const line = `${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${this.done}/${this.total}  ${rate.toFixed(1)} ${this.unit}/s  ETA ${formatDuration(eta)}`;
    this.stream.write(this.tty ? `\r${line}\x1b[K` : `${line}\n`);
  }

  finish(): void {
    this.draw(performance.now());
    if (this.tty && this.stream) this.stream.write('\n');
  }
}
