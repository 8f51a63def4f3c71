// Paths to the shared, read-only test material (/work/shared, next to the repository).
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SHARED = resolve(REPO, '..', 'shared');
export const TINY = join(SHARED, 'fixtures', 'clip-tiny-a');
export const PHOTOS = join(SHARED, 'photos', 'rclip-e2e', 'images');

export function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

export function readF32(path: string): Float32Array {
  const buf = readFileSync(path);
  return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
}

export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return dot / Math.sqrt(na * nb);
}

export function meanAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i]! - b[i]!);
  return s / a.length;
}

export const CLIP_PREPROCESS = {
  size: 224,
  mean: [0.48145466, 0.4578275, 0.40821073] as [number, number, number],
  std: [0.26862954, 0.26130258, 0.27577711] as [number, number, number],
  resizeMode: 'shortest' as const,
  interpolation: 'bicubic' as const,
};

export interface TinyReference {
  texts: string[];
  input_ids: number[][];
  attention_mask: number[][];
  pixel_values_shape: [number, number, number, number];
  hf_text_embeds: number[][];
  hf_image_embeds: number[][];
  immich_text_embedding: number[][];
  immich_image_embedding: number[][];
}

/**
 * A 12-megapixel JPEG with fine grain, made from a real photo: large enough that libjpeg may decode it
 * at 1/8 scale, noisy enough that doing so shows in the tensor.
 */
export async function grainy12MpJpeg(): Promise<Buffer> {
  const W = 4032;
  const H = 3024;
  const base = await sharp(join(PHOTOS, 'cat.jpg'))
    .resize(W, H, { fit: 'cover' })
    .removeAlpha()
    .raw()
    .toBuffer();
  for (let k = 0; k < base.length; k++)
    base[k] = Math.max(0, Math.min(255, base[k]! + ((k * 2654435761) % 41) - 20));
  return sharp(base, { raw: { width: W, height: H, channels: 3 } })
    .jpeg({ quality: 90 })
    .toBuffer();
}
