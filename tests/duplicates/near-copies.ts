import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { COLOUR_RGB, type ColourName } from '../tagging/colour-photos.js';

// Generated photos and their near copies, for the duplicate finder: an original (a PNG of one colour with
// a pattern of lighter and darker shapes, different per seed) and the copies people end up with.
// Distinct photos of one colour share the colour and differ in the pattern: the demo model (colour only)
// cannot tell them apart, the picture hash can.

export const ORIGINAL_SIZE = { width: 800, height: 600 };

/** The near copies of an original, by what was done to it. */
export const COPY_KINDS = ['half', 'jpeg60', 'webp', 'crop5', 'rotated', 'brighter'] as const;
export type CopyKind = (typeof COPY_KINDS)[number];

function rng(seed: number): () => number {
  let x = (seed * 2654435761 + 12345) >>> 0;
  return () => {
    x = (x * 1664525 + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}

/** An original: `colour` with a pattern of shapes placed by `seed`, as PNG. */
export async function originalPng(colour: ColourName, seed: number): Promise<Buffer> {
  const { width, height } = ORIGINAL_SIZE;
  const [r, g, b] = COLOUR_RGB[colour];
  const rand = rng(seed);
  const shade = (k: number) =>
    `rgb(${[r, g, b].map((c) => Math.max(0, Math.min(255, Math.round(c * k)))).join(',')})`;
  const shapes: string[] = [];
  for (let i = 0; i < 6; i++) {
    const fill = shade(i % 2 === 0 ? 0.55 : 1.35);
    const x = Math.round(rand() * width * 0.8);
    const y = Math.round(rand() * height * 0.8);
    const s = Math.round(60 + rand() * 160);
    shapes.push(
      rand() < 0.5
        ? `<rect x="${x}" y="${y}" width="${s}" height="${Math.round(s * 0.7)}" fill="${fill}"/>`
        : `<circle cx="${x}" cy="${y}" r="${Math.round(s / 2)}" fill="${fill}"/>`,
    );
  }
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="${shade(1)}"/>${shapes.join('')}</svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

/** Writes one near copy of `original` (PNG bytes) to `dir`; returns its path. */
export async function writeCopy(
  original: Buffer,
  kind: CopyKind,
  dir: string,
  name: string,
): Promise<string> {
  await mkdir(dir, { recursive: true });
  const { width, height } = ORIGINAL_SIZE;
  const img = sharp(original);
  switch (kind) {
    case 'half':
      return save(img.resize(width / 2, height / 2).jpeg({ quality: 90 }), dir, `${name}-half.jpg`);
    case 'jpeg60':
      return save(img.jpeg({ quality: 60 }), dir, `${name}-q60.jpg`);
    case 'webp':
      return save(img.webp({ quality: 75 }), dir, `${name}.webp`);
    case 'crop5': {
      const dx = Math.round(width * 0.05);
      const dy = Math.round(height * 0.05);
      const crop = { left: dx, top: dy, width: width - 2 * dx, height: height - 2 * dy };
      return save(img.extract(crop).jpeg({ quality: 90 }), dir, `${name}-crop.jpg`);
    }
    case 'rotated':
      // Pixels stored turned a quarter anticlockwise, with EXIF orientation 6 ("turn 90° clockwise to
      // show"): a camera held sideways. Upright, it is the original.
      return save(
        sharp(await img.rotate(270).toBuffer())
          .jpeg({ quality: 90 })
          .withMetadata({ orientation: 6 }),
        dir,
        `${name}-rotated.jpg`,
      );
    case 'brighter':
      return save(img.modulate({ brightness: 1.1 }).jpeg({ quality: 90 }), dir, `${name}-bright.jpg`);
  }
}

async function save(img: Sharp, dir: string, file: string): Promise<string> {
  const path = join(dir, file);
  await img.toFile(path);
  return path;
}
