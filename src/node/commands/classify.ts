import { Network } from '../../engine/index.js';
import type { Model } from '../../model/model.js';
import { readClips } from '../read-clips.js';

export interface ClassifiedFile {
  file: string;
  label: string;
  probability: number;
  top: { label: string; probability: number }[];
}

/** The label of each audio file (one clip each: a .wav, or a [16000] .npy). */
export async function classifyFiles(model: Model, files: string[], top = 3): Promise<ClassifiedFile[]> {
  const net = await Network.create(model);
  try {
    return files.map((file) => {
      const [clip] = readClips(file, model);
      const { probabilities } = net.classify(clip);
      const ranked = Array.from(probabilities, (p, k) => ({ label: model.labels[k], probability: p }))
        .sort((a, b) => b.probability - a.probability);
      return { file, label: ranked[0].label, probability: ranked[0].probability, top: ranked.slice(0, top) };
    });
  } finally {
    net.dispose();
  }
}

export const formatClassified = (r: ClassifiedFile): string =>
  `${r.file}: ${r.label} (${(100 * r.probability).toFixed(1)} %)  ` +
  r.top.slice(1).map((t) => `${t.label} ${(100 * t.probability).toFixed(1)} %`).join(', ');
