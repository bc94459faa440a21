/**
 * `sedge export-cpp <model> --out DIR`: writes the model as a self-contained C++17 package for
 * microcontrollers (tools/export-cpp), and/or prints its Cortex-M4 report (--report).
 * The emitter is offline tooling, so it is imported lazily: the runtime never loads it.
 *
 * Wire it with `registerExportCpp(program)`, or call `exportCppCommand(path, options)` yourself.
 */
import type { Command } from 'commander';
import { Option } from 'commander';
import { UsageError } from '../errors.js';
import type { Model } from '../model/model.js';
import { withStepScales } from '../model/rescale.js';
import { loadModel } from './load-model.js';
import { numberList } from './options.js';

export interface ExportCppOptions {
  /** Folder to write (refused if it exists and is not empty, unless `force`). Required unless `report`. */
  out?: string;
  /** Run the model at these step scales (one per layer, each dividing the next). */
  stepScales?: number[];
  /** C identifier for namespace, files and C prefix (default: sedge_<model file stem>). */
  name?: string;
  /** Per-row int8 weights for B, C, skip and decoder. */
  int8?: boolean;
  /** Kahan-compensated pooled sum (4·H_last more RAM than Cpp-NN; not needed for 1e-5 agreement). */
  kahan?: boolean;
  force?: boolean;
  /** Print the Cortex-M4 report (flash, RAM, FLOPs, real-time factor vs Cpp-NN). */
  report?: boolean;
  /** MFLOP/s for the real-time estimate (default 42 and 52, the authors' Cortex-M4F range). */
  mflops?: number[];
  json?: boolean;
}

export interface ExportCppResult {
  /** Absolute path of the written package, or null with --report alone. */
  outDir: string | null;
  files: string[];
  name: string;
  report: import('../../tools/export-cpp/report.js').TargetReport | null;
}

/** Does the work and prints (text, or only JSON on stdout with `json`); throws SedgeError on bad input. */
export async function exportCppCommand(modelPath: string, options: ExportCppOptions = {}, log: (line: string) => void = console.log): Promise<ExportCppResult> {
  if (!options.out && !options.report) throw new UsageError('export-cpp: give --out DIR (the folder to write) and/or --report');
  const emitter = await import('../../tools/export-cpp/index.js');
  let model: Model = await loadModel(modelPath);
  if (options.stepScales) {
    emitter.checkNesting(options.stepScales);
    model = withStepScales(model, options.stepScales);
  }
  const name = options.name ?? emitter.defaultPackageName(modelPath);
  const pkg = emitter.emitCppPackage(model, { name, int8: options.int8, poolKahan: options.kahan, source: sourceLabel(modelPath, model) });
  const outDir = options.out ? await emitter.writePackageFolder(options.out, pkg.files, { force: options.force }) : null;
  const report = options.report ? await emitter.targetReport(pkg, model, { mflops: options.mflops }) : null;
  const result: ExportCppResult = { outDir, files: [...pkg.files.keys()], name, report };
  if (options.json) {
    log(JSON.stringify(result));
  } else {
    if (outDir) log(`wrote ${outDir}: ${result.files.join(', ')} (RAM ${pkg.plan.arenaBytes} B, weights ${pkg.weights.weightBytes} B)`);
    if (report) log(emitter.formatTargetReport(report));
  }
  return result;
}

/** Adds the `export-cpp` command to a commander program (errors propagate to the program's handler). */
export function registerExportCpp(program: Command): Command {
  return program.command('export-cpp')
    .description('write the model as a self-contained C++17 package for microcontrollers (no heap, no STL), and/or report its Cortex-M4 cost')
    .argument('<model>', 'model_dict.npy or .safetensors')
    .option('--out <dir>', 'folder to write (must not exist or be empty, unless --force)')
    .option('--step-scales <list>', 'comma-separated step scale per layer, each dividing the next (e.g. 1,9,54)', numberList)
    .option('--name <identifier>', 'C identifier for the namespace, file names and C prefix (default: sedge_<model file stem>)')
    .option('--int8', 'per-row int8 weights for B, C, skip and decoder (A, biases and state stay float)')
    .option('--kahan', 'Kahan-compensated pooled sum (costs 4·H_last bytes more RAM)')
    .option('--force', 'replace an existing non-empty --out folder')
    .option('--report', 'print flash, RAM, FLOPs and real-time factor on a Cortex-M4 next to the Cpp-NN README numbers')
    .addOption(new Option('--mflops <list>', 'MFLOP/s for the real-time estimate').argParser(numberList).default([42, 52], '42,52'))
    .option('--json', 'print JSON only')
    .action(async (modelPath: string, opts: ExportCppOptions) => {
      await exportCppCommand(modelPath, opts);
    });
}

function sourceLabel(modelPath: string, model: Model): string {
  const file = modelPath.replace(/^.*[\\/]/, '');
  const scales = model.layers.map((l) => l.stepScale).join(', ');
  return `${file} (step scales [${scales}])`;
}
