import { mkdir, mkdtemp, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import sharp from 'sharp';

// Generated test photos: solid colours with a little noise (the demo model knows colours), in a few
// formats, with chosen file dates or EXIF dates.

export const COLOURS = {
  red: [215, 30, 35],
  green: [40, 170, 50],
  blue: [30, 60, 210],
  yellow: [235, 215, 40],
} as const satisfies Record<string, readonly [number, number, number]>;
export type Colour = keyof typeof COLOURS;

export interface PhotoSpec {
  path: string;
  colour: Colour;
  format?: 'jpeg' | 'png' | 'webp';
  /** File modification time (the date taken without EXIF). */
  mtime?: Date;
  /** EXIF DateTimeOriginal, 'YYYY:MM:DD HH:MM:SS'. */
  exifDate?: string;
  /** Varies the shade and the noise so every photo has different bytes. */
  seed?: number;
  size?: number;
}

export async function writePhoto(spec: PhotoSpec): Promise<string> {
  const size = spec.size ?? 24;
  const [r, g, b] = COLOURS[spec.colour];
  const seed = spec.seed ?? 0;
  const pixels = Buffer.alloc(size * size * 3);
  let x = (seed * 2654435761 + 12345) >>> 0;
  const rand = () => {
    x = (x * 1664525 + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
  const shade = ((seed % 7) - 3) * 4;
  for (let i = 0; i < size * size; i++) {
    const n = Math.round((rand() - 0.5) * 16) + shade;
    pixels[i * 3] = Math.max(0, Math.min(255, r + n));
    pixels[i * 3 + 1] = Math.max(0, Math.min(255, g + n));
    pixels[i * 3 + 2] = Math.max(0, Math.min(255, b + n));
  }
  let img = sharp(pixels, { raw: { width: size, height: size, channels: 3 } });
  if (spec.exifDate) img = img.withExif({ IFD2: { DateTimeOriginal: spec.exifDate } });
  const format = spec.format ?? 'jpeg';
  img = format === 'png' ? img.png() : format === 'webp' ? img.webp() : img.jpeg({ quality: 90 });
  await mkdir(dirname(spec.path), { recursive: true });
  await img.toFile(spec.path);
  if (spec.mtime) await utimes(spec.path, spec.mtime, spec.mtime);
  return spec.path;
}

export async function tempDir(prefix: string): Promise<{ path: string; cleanup(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), `lookbook-${prefix}-`));
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
}
