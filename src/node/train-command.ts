/**
 * `sedge train`: the authors' training recipe on a Speech Commands-layout folder (tools/train).
 *
 *   sedge train --config tiny|s|m|l|full|FILE.yaml --data DIR --out DIR [--epochs N] [--resume [--reschedule]] [--force]
 *               [--workers N] [--checkpoint-every N] [--init-state STATE_DICT.npz|MODEL.safetensors] [--json]
 *
 * Progress (epoch, step, loss, accuracy, lr, clips/s, ETA) goes to stderr; checkpoints to
 * DIR/last.ckpt every --checkpoint-every steps and every epoch. After a kill, the same command with
 * --resume (and --config may be left out) continues from the last checkpoint and ends with the same
 * weights as an uninterrupted run. Ctrl-C (SIGINT) or SIGTERM saves a checkpoint after the current
 * step and exits with code 130; a second Ctrl-C exits at once.
 *
 * The trainer is offline tooling, imported lazily so that the runtime never loads it.
 * Errors are SedgeErrors (→ exit 2), raised before any work: unknown config keys, a missing or
 * non-Speech-Commands data folder, a corrupt WAV (named), a label list that does not match the data
 * or the --init-state model, a non-empty --out without --resume/--force, a checkpoint of another run.
 */
import type { Command } from 'commander';
import type { TrainResult } from '../../tools/train/train.js';
import { positiveInt } from './options.js';

export interface TrainCommandOptions {
  /** Preset (tiny, s, m, l, full) or a .yaml file; optional with resume. */
  config?: string;
  data: string;
  out: string;
  epochs?: number;
  resume?: boolean;
  reschedule?: boolean;
  force?: boolean;
  workers?: number;
  checkpointEvery?: number;
  initState?: string;
  json?: boolean;
  /** false: no progress bar (tests). */
  progress?: boolean;
}

type Log = (line: string) => void;

export async function trainCommand(options: TrainCommandOptions, log: Log = console.log): Promise<TrainResult> {
  const { resolveConfig } = await import('../../tools/train/config.js');
  const { train } = await import('../../tools/train/train.js');
  const { TrainProgress } = await import('../../tools/train/progress.js');
  const config = options.config ? resolveConfig(options.config) : undefined;
  const progress = options.progress === false ? null : new TrainProgress();
  const controller = new AbortController();
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (++signals > 1) process.exit(130);
    process.stderr.write(`\n${signal}: saving a checkpoint after this step (again to quit at once)\n`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let result: TrainResult;
  try {
    result = await train({
      config, dataDir: options.data, outDir: options.out, epochs: options.epochs, resume: options.resume, reschedule: options.reschedule, force: options.force,
      workers: options.workers, checkpointEverySteps: options.checkpointEvery, initStateDict: options.initState,
      signal: controller.signal, onEvent: progress?.onEvent, log: (line) => process.stderr.write(`${line}\n`),
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (options.json) log(JSON.stringify(result));
  else if (result.status === 'done') {
    const tests = result.test?.map((t) => `${t.model} (epoch ${t.epoch}): test accuracy ${(100 * t.testAcc).toFixed(2)} %`).join('; ');
    log(`trained ${result.epochsDone} epochs in ${result.outDir}: best val loss ${result.best.valLoss.toFixed(4)} (epoch ${result.best.valLossEpoch}), ` +
      `best val acc ${(100 * result.best.valAcc).toFixed(2)} % (epoch ${result.best.valAccEpoch})${tests ? `; ${tests}` : ''}`);
  } else {
    log(`stopped at step ${result.globalStep} (epoch ${result.epochsDone + 1}); continue with: sedge train --data ${options.data} --out ${options.out} --resume`);
  }
  if (result.status === 'aborted') process.exitCode = 130;
  return result;
}

/** Adds `train` to the CLI. */
export function registerTrain(program: Command): Command {
  program.command('train')
    .description("train an S-Edge model with the authors' recipe (AdamW, warm-up + cosine, RZOH, best-val checkpoints)")
    .option('--config <preset|file>', 'tiny, s, m, l, full, or a .yaml with the authors\' keys (optional with --resume)')
    .requiredOption('--data <dir>', 'Speech Commands-style folder (word folders, validation_list.txt, testing_list.txt)')
    .requiredOption('--out <dir>', 'run folder: checkpoints, best models, history')
    .option('--epochs <n>', 'epochs (default: the config\'s; fixes the cosine schedule)', positiveInt)
    .option('--resume', 'continue the run in --out from last.ckpt')
    .option('--reschedule', 'with --resume and a new --epochs: lengthen or shorten the run (the cosine follows the new length from the current step on)')
    .option('--force', 'start over in a non-empty --out (deletes the files train writes there)')
    .option('--workers <n>', 'worker threads (default: min(2, cores); on resume: the run\'s)', positiveInt)
    .option('--checkpoint-every <steps>', 'also write last.ckpt every this many steps', positiveInt, 100)
    .option('--init-state <file>', "start from a PyTorch state dict (.npz of model.state_dict()) or a sedge model (.safetensors; config needs norm: false)")
    .option('--json', 'print the result as JSON on stdout')
    .action(async (opts: TrainCommandOptions) => { await trainCommand(opts); });
  return program;
}
