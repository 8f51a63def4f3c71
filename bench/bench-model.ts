// The benchmark's model: random weights with the layer sizes of CLIP ViT-B/32 (what a user's first real
// model costs), generated once into bench/out and reused.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { makeRandomClip, type ClipPresetName } from '../models/tools/random-clip.js';

export interface BenchModel {
  dir: string;
  preset: ClipPresetName;
  /** Seconds spent generating it now (0 when it came from the cache). */
  generatedSeconds: number;
}

/** The model folder for `preset` under `outDir`, generating it if it is not complete there. */
export async function ensureBenchModel(outDir: string, preset: ClipPresetName): Promise<BenchModel> {
  const dir = resolve(outDir, 'models', preset);
  // makeRandomClip renames a finished folder into place, so a present text model means a complete folder.
  const complete = [
    'config.json',
    'tokenizer.json',
    join('onnx', 'vision_model.onnx'),
    join('onnx', 'text_model.onnx'),
  ].every((f) => existsSync(join(dir, f)));
  if (complete) return { dir, preset, generatedSeconds: 0 };
  const t0 = performance.now();
  await makeRandomClip({ preset, out: dir });
  return { dir, preset, generatedSeconds: (performance.now() - t0) / 1000 };
}
