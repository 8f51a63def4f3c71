// Photo-like 12-megapixel JPEGs for the indexing benchmark, generated once and cached. Flat synthetic
// images compress to a few hundred kilobytes and decode unrealistically fast; these carry what a phone
// photo carries (smooth gradients, shapes with soft edges, texture at several scales, sensor noise, EXIF),
// so that their size (~3–6 MB) and their decode cost are those of real photos.
import { existsSync } from 'node:fs';
import { mkdir, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';

export interface SyntheticPhotoOptions {
  dir: string;
  count: number;
  width?: number;
  height?: number;
  /** JPEG quality: phones write 85–95. */
  quality?: number;
}

export interface SyntheticPhotoSet {
  dir: string;
  files: string[];
  /** Bytes of all files together. */
  bytes: number;
  width: number;
  height: number;
  /** Seconds spent generating (0 when everything came from the cache). */
  generatedSeconds: number;
}

/** A small deterministic generator (mulberry32), so the same set is generated on every machine. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** RGB pixels of one photo-like image. Separable waves keep it fast (~0.3 s for 12 MP). */
export function photoPixels(index: number, width: number, height: number): Buffer {
  const r = rng(0x9e3779b9 ^ (index * 7919));
  const base = [0, 1, 2].map(() => [40 + r() * 170, 40 + r() * 170]); // top and bottom colour per channel
  const waves = (len: number) => {
    // Texture at several scales: a few long waves (shading) and short ones (foliage, fabric).
    const out = new Float32Array(len);
    for (let k = 0; k < 6; k++) {
      const period = k < 2 ? 300 + r() * 1500 : 6 + r() * 40;
      const amp = k < 2 ? 18 + r() * 20 : 3 + r() * 6;
      const phase = r() * Math.PI * 2;
      for (let i = 0; i < len; i++) out[i]! += amp * Math.sin((i / period) * Math.PI * 2 + phase);
    }
    return out;
  };
  const col = [waves(width), waves(width), waves(width)];
  const row = [waves(height), waves(height), waves(height)];
  // Soft-edged discs: subjects in front of the background.
  const discs = Array.from({ length: 6 }, () => ({
    x: r() * width,
    y: r() * height,
    radius: (0.05 + r() * 0.2) * Math.min(width, height),
    colour: [r() * 255, r() * 255, r() * 255],
  }));
  const noise = rng(index + 1);
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    const t = y / (height - 1);
    const inDisc = discs.filter((d) => Math.abs(y - d.y) < d.radius);
    for (let x = 0; x < width; x++) {
      let disc: (typeof discs)[number] | undefined;
      let edge = 0;
      for (const d of inDisc) {
        const dist = Math.hypot(x - d.x, y - d.y);
        if (dist < d.radius) {
          disc = d;
          edge = Math.min(1, (d.radius - dist) / 40);
        }
      }
      // Sensor noise: roughly Gaussian (sum of two uniforms), a few levels of 255.
      const grain = (noise() + noise() - 1) * 14;
      const o = (y * width + x) * 3;
      for (let c = 0; c < 3; c++) {
        let v = base[c]![0]! * (1 - t) + base[c]![1]! * t + col[c]![x]! + row[c]![y]!;
        if (disc) v = v * (1 - edge) + (disc.colour[c]! + col[c]![x]! * 0.5) * edge;
        v += grain;
        data[o + c] = v < 0 ? 0 : v > 255 ? 255 : v;
      }
    }
  }
  return data;
}

/** Writes one photo (with camera EXIF, as a phone would) to `file`, atomically. */
export async function writeSyntheticPhoto(
  file: string,
  index: number,
  width: number,
  height: number,
  quality: number,
): Promise<void> {
  const pixels = photoPixels(index, width, height);
  const taken = new Date(Date.UTC(2024, 0, 1) + index * 3_600_000);
  const exifDate = taken.toISOString().slice(0, 19).replace('T', ' ').replace(/-/g, ':');
  const tmp = `${file}.tmp`;
  await sharp(pixels, { raw: { width, height, channels: 3 } })
    .withExif({
      IFD0: { Make: 'Lookbook', Model: 'Bench Camera 12MP', DateTime: exifDate },
      IFD2: { DateTimeOriginal: exifDate },
    })
    .jpeg({ quality, chromaSubsampling: '4:2:0' })
    .toFile(tmp);
  await rename(tmp, file);
}

/** The cached set in `dir`, generating the photos that are missing. */
export async function ensureSyntheticPhotos(options: SyntheticPhotoOptions): Promise<SyntheticPhotoSet> {
  const width = options.width ?? 4000;
  const height = options.height ?? 3000;
  const quality = options.quality ?? 92;
  // The size is part of the folder's name, so a different size never reuses stale files.
  const dir = join(options.dir, `${width}x${height}-q${quality}`);
  await mkdir(dir, { recursive: true });
  const started = performance.now();
  let generated = 0;
  const files: string[] = [];
  for (let i = 0; i < options.count; i++) {
    const file = join(dir, `photo-${String(i).padStart(4, '0')}.jpg`);
    if (!existsSync(file)) {
      await writeSyntheticPhoto(file, i, width, height, quality);
      generated++;
    }
    files.push(file);
  }
  let bytes = 0;
  for (const f of files) bytes += (await stat(f)).size;
  return {
    dir,
    files,
    bytes,
    width,
    height,
    generatedSeconds: generated ? (performance.now() - started) / 1000 : 0,
  };
}
