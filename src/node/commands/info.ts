import type { Model } from '../../model/model.js';
import { flopsPerSecond, memoryBytes, parameterCount } from '../../model/stats.js';

export interface ModelInfo {
  params: number;
  stepScales: number[];
  layers: { in: number; state: number; out: number; stepScale: number; skip: 'matrix' | 'identity' | 'broadcast' }[];
  /** Spec §8.3 op count (its lower bound) for one second of audio. */
  flopsPerSecond: number;
  flopsPerSecondUpper: number;
  memory: { permanentBytes: number; bufferBytes: number };
  classes: number;
  labels: string[];
  sampleRateHz: number;
  clipSamples: number;
  inputStandardisation: { mean: number; std: number } | null;
}

export function modelInfo(model: Model): ModelInfo {
  const flops = flopsPerSecond(model);
  return {
    params: parameterCount(model),
    stepScales: model.layers.map((l) => l.stepScale),
    layers: model.layers.map((l) => ({
      in: l.inputSize,
      state: l.stateSize,
      out: l.outputSize,
      stepScale: l.stepScale,
      skip: l.skip ? 'matrix' : l.inputSize === 1 ? 'broadcast' : 'identity',
    })),
    flopsPerSecond: flops.lower,
    flopsPerSecondUpper: flops.upper,
    memory: memoryBytes(model),
    classes: model.labels.length,
    labels: model.labels,
    sampleRateHz: model.sampleRateHz,
    clipSamples: model.clipSamples,
    inputStandardisation: model.inputMean !== null && model.inputStd !== null ? { mean: model.inputMean, std: model.inputStd } : null,
  };
}

export function formatInfo(info: ModelInfo): string {
  const rows = info.layers.map((l, j) => `  ${j}  ${String(l.in).padStart(4)} → P ${String(l.state).padStart(3)} → ${String(l.out).padStart(4)}  step ${String(l.stepScale).padStart(3)}  skip ${l.skip}`);
  return [
    `parameters       ${info.params}`,
    `step scales      [${info.stepScales.join(', ')}]`,
    `layers (in → state → out):`,
    ...rows,
    `MFLOP per second ${(info.flopsPerSecond / 1e6).toFixed(2)} (…${(info.flopsPerSecondUpper / 1e6).toFixed(2)} counting LeakyReLU multiplies)`,
    `memory           ${info.memory.permanentBytes} B permanent + ${info.memory.bufferBytes} B buffer (Cpp-NN layout)`,
    `classes          ${info.classes}: ${info.labels.join(' ')}`,
    `input            ${info.clipSamples} samples at ${info.sampleRateHz} Hz, ${info.inputStandardisation ? `standardised (mean ${info.inputStandardisation.mean}, std ${info.inputStandardisation.std})` : 'not standardised'}`,
  ].join('\n');
}
