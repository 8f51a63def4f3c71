// Synthetic CLIP-like embeddings with a known structure, for training tests and the benchmark.
// "Invented" concepts: a made-up word (a shop's product name) whose text embedding points in a random
// direction unrelated to its photos' direction, so the zero-shot model cannot find them and a good
// adapter must learn the mapping. "General" concepts: text and photos share a direction, as for words
// CLIP already knows; fine-tuning must not break them.
import { createRng } from '../../main/adapters/linalg.js';
import type { TrainingPairs } from '../../main/tuning/train.js';

export interface SyntheticWorld {
  dim: number;
  /** Pairs of concept `k` with fresh noise: `count` per concept. */
  invented(count: number, concepts?: number[]): TrainingPairs;
  general(count: number): TrainingPairs;
}

export function createSyntheticWorld(options: {
  dim: number;
  invented?: number;
  general?: number;
  imageNoise?: number;
  textNoise?: number;
  seed?: number;
}): SyntheticWorld {
  const { dim, invented = 20, general = 20, imageNoise = 0.5, textNoise = 0.3, seed = 1 } = options;
  const rng = createRng(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(rng() + 1e-12)) * Math.cos(2 * Math.PI * rng());
  const unit = (v: Float32Array) => {
    let s = 0;
    for (const x of v) s += x * x;
    const inv = 1 / Math.sqrt(s);
    for (let i = 0; i < v.length; i++) v[i]! *= inv;
    return v;
  };
  const direction = () => unit(Float32Array.from({ length: dim }, gauss));
  const noisy = (base: Float32Array, sigma: number) =>
    unit(Float32Array.from(base, (x) => x + (sigma * gauss()) / Math.sqrt(dim)));
  const photoDirs = Array.from({ length: invented }, direction);
  const wordDirs = Array.from({ length: invented }, direction);
  const generalDirs = Array.from({ length: general }, direction);
  const make = (
    count: number,
    concepts: number[],
    img: Float32Array[],
    txt: Float32Array[],
  ): TrainingPairs => {
    const out: TrainingPairs = { image: [], text: [] };
    for (let r = 0; r < count; r++) {
      for (const k of concepts) {
        out.image.push(noisy(img[k]!, imageNoise));
        out.text.push(noisy(txt[k]!, textNoise));
      }
    }
    return out;
  };
  const all = (n: number) => Array.from({ length: n }, (_, i) => i);
  return {
    dim,
    invented: (count, concepts = all(invented)) => make(count, concepts, photoDirs, wordDirs),
    general: (count) => make(count, all(general), generalDirs, generalDirs),
  };
}
