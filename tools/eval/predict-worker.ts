/**
 * Worker thread of tools/eval/predict.ts: holds one Network and classifies the clip ranges it is
 * sent, reading the clips from the shared buffer. Messages are handled strictly in order (the
 * Network is created asynchronously, so each message waits for the previous one).
 */
import { parentPort } from 'node:worker_threads';
import { Network, type EngineChoice } from '../../src/engine/index.js';
import { SedgeError } from '../../src/errors.js';
import type { Model } from '../../src/model/model.js';

export type ToWorker =
  | { type: 'init'; x: Float32Array; clipSamples: number; engine?: EngineChoice }
  | { type: 'model'; task: number; model: Model }
  | { type: 'chunk'; task: number; from: number; to: number };

export type FromWorker =
  | { type: 'chunk'; task: number; from: number; predictions: Int32Array }
  | { type: 'error'; task: number; code?: string; message: string };

if (parentPort) {
  const port = parentPort;
  let x: Float32Array = new Float32Array(0), clipSamples = 0, engine: EngineChoice | undefined;
  let net: Network | null = null;
  let failedTask = -1;
  const handle = async (message: ToWorker): Promise<void> => {
    if (message.type === 'init') {
      ({ x, clipSamples, engine } = message);
      return;
    }
    if (message.task === failedTask) return; // the rest of a failed task
    try {
      if (message.type === 'model') {
        net?.dispose();
        net = null;
        net = await Network.create(message.model, { engine });
        return;
      }
      if (!net) throw new Error('evaluation worker: a chunk before its model');
      const predictions = new Int32Array(message.to - message.from);
      for (let i = message.from; i < message.to; i++) {
        const logits = net.logits(x.subarray(i * clipSamples, (i + 1) * clipSamples));
        let best = 0;
        for (let k = 1; k < logits.length; k++) if (logits[k] > logits[best]) best = k;
        predictions[i - message.from] = best;
      }
      port.postMessage({ type: 'chunk', task: message.task, from: message.from, predictions } satisfies FromWorker);
    } catch (error) {
      failedTask = message.task;
      const code = error instanceof SedgeError ? error.code : undefined;
      port.postMessage({ type: 'error', task: message.task, code, message: error instanceof Error ? error.message : String(error) } satisfies FromWorker);
    }
  };
  let queue = Promise.resolve();
  port.on('message', (message: ToWorker) => { queue = queue.then(() => handle(message)); });
}
