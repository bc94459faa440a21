/**
 * The training progress bar on stderr. tools/data/progress.ts draws done/total, rate and ETA but no
 * loss or accuracy, so this one draws train events (train.ts) with the same conventions: on a terminal
 * one line redrawn at most 10 times a second; otherwise (nohup logs, CI) a line every 30 s, so a
 * log of a ten-hour run stays readable.
 *
 *   epoch 3/30 [#########...................] 450/1400  loss 1.2345  acc 61.2 %  lr 1.9e-3  41.3 clips/s  ETA 6m12s / run 3h10m
 */
import type { Writable } from 'node:stream';
import { formatDuration } from '../data/progress.js';
import type { TrainEvent } from './train.js';

export class TrainProgress {
  private lastDraw = 0;
  private lastStep: Extract<TrainEvent, { type: 'step' }> | null = null;
  private readonly tty: boolean;

  constructor(private readonly stream: (Writable & { isTTY?: boolean }) | null = process.stderr, private readonly intervalMs = 30_000) {
    this.tty = !!stream?.isTTY;
  }

  private write(line: string, transient: boolean): void {
    if (!this.stream) return;
    if (this.tty) this.stream.write(transient ? `\r${line}\x1b[K` : `\r${line}\x1b[K\n`);
    else this.stream.write(`${line}\n`);
  }

  /** Use as TrainOptions.onEvent. */
  readonly onEvent = (e: TrainEvent): void => {
    const now = performance.now();
    switch (e.type) {
      case 'load':
        if (e.done === e.total || now - this.lastDraw >= (this.tty ? 100 : this.intervalMs)) {
          this.lastDraw = now;
          this.write(`reading ${e.split} ${e.done}/${e.total} clips`, e.done !== e.total);
        }
        break;
      case 'start':
        this.write(`${e.resumedFrom ? `resuming ${e.resumedFrom} at step ${e.globalStep}` : 'training'}: ${e.epochs} epochs × ${e.stepsPerEpoch} steps, ${e.workers} worker${e.workers > 1 ? 's' : ''}`, false);
        break;
      case 'step':
        this.lastStep = e;
        if (e.stepInEpoch === e.stepsPerEpoch || now - this.lastDraw >= (this.tty ? 100 : this.intervalMs)) {
          this.lastDraw = now;
          this.write(stepLine(e), e.stepInEpoch !== e.stepsPerEpoch);
        }
        break;
      case 'validation':
        if (this.tty) this.write(`epoch ${e.epoch + 1}: validating…`, true);
        break;
      case 'epoch': {
        const r = e.record;
        this.write(`epoch ${r.epoch}: train loss ${r.trainLoss.toFixed(4)} acc ${pct(r.trainAcc)}  val loss ${r.valLoss.toFixed(4)} acc ${pct(r.valAcc)}  ` +
          `(best loss ${e.best.valLoss.toFixed(4)} @${e.best.valLossEpoch}, best acc ${pct(e.best.valAcc)} @${e.best.valAccEpoch})  ${r.clipsPerSecond.toFixed(1)} clips/s, ${formatDuration(r.seconds)}`, false);
        break;
      }
      case 'checkpoint':
        break;
    }
  };
}

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;

export function stepLine(e: Extract<TrainEvent, { type: 'step' }>): string {
  const width = 28, filled = Math.round((width * e.stepInEpoch) / e.stepsPerEpoch);
  const epochEta = ((e.stepsPerEpoch - e.stepInEpoch) / Math.max(1, e.totalSteps - e.globalStep)) * e.etaSeconds;
  return `epoch ${e.epoch + 1}/${e.epochs} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${e.stepInEpoch}/${e.stepsPerEpoch}  ` +
    `loss ${e.loss.toFixed(4)}  acc ${pct(e.accuracy)}  lr ${e.lr.toExponential(1)}  ${e.clipsPerSecond.toFixed(1)} clips/s  ` +
    `ETA ${formatDuration(e.totalSteps === e.globalStep ? 0 : epochEta)} / run ${formatDuration(e.etaSeconds)}`;
}
