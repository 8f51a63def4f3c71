import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import sharp from 'sharp';

// Generated photos for tagging tests: a colour with a little noise, since the demo model knows colours.
// Shades sit clearly inside each colour's family (not on the demo model's prototypes).
export const COLOUR_RGB = {
  red: [205, 25, 30],
  orange: [245, 135, 20],
  yellow: [240, 220, 35],
  green: [35, 165, 50],
  blue: [30, 70, 215],
  purple: [120, 30, 140],
  pink: [250, 160, 195],
  brown: [125, 75, 30],
  black: [12, 12, 14],
  white: [248, 248, 245],
  gray: [125, 125, 128],
} as const satisfies Record<string, readonly [number, number, number]>;
export type ColourName = keyof typeof COLOUR_RGB;
export const COLOUR_NAMES = Object.keys(COLOUR_RGB) as ColourName[];

export async function writeColourPhoto(
  path: string,
  colour: ColourName,
  options: { seed?: number; format?: 'jpeg' | 'png'; width?: number; height?: number } = {},
): Promise<string> {
  const width = options.width ?? 32;
  const height = options.height ?? 24;
  const [r, g, b] = COLOUR_RGB[colour];
  let x = ((options.seed ?? 1) * 2654435761 + 12345) >>> 0;
  const rand = () => {
    x = (x * 1664525 + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
  const pixels = Buffer.alloc(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    const n = Math.round((rand() - 0.5) * 12);
    pixels[i * 3] = Math.max(0, Math.min(255, r + n));
    pixels[i * 3 + 1] = Math.max(0, Math.min(255, g + n));
    pixels[i * 3 + 2] = Math.max(0, Math.min(255, b + n));
  }
  const img = sharp(pixels, { raw: { width, height, channels: 3 } });
  await mkdir(dirname(path), { recursive: true });
  await (options.format === 'png' ? img.png() : img.jpeg({ quality: 92 })).toFile(path);
  return path;
}

export async function tempDir(prefix: string): Promise<{ path: string; cleanup(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), `lookbook-${prefix}-`));
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
}
