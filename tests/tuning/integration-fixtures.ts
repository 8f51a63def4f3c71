import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { DEMO_COLOURS, type DemoColour } from '../../main/models/demo-model.js';

// Generated material for the fine-tuning integration tests: photos of the demo model's colours, and
// invented words tied to them (words the demo model has never seen, so zero-shot it cannot place them).

export const RGB: Record<DemoColour, [number, number, number]> = {
  red: [215, 30, 35],
  orange: [245, 140, 20],
  yellow: [235, 215, 40],
  green: [40, 170, 50],
  blue: [30, 60, 210],
  purple: [128, 20, 128],
  pink: [255, 150, 190],
  brown: [139, 69, 19],
  black: [15, 15, 15],
  white: [245, 245, 245],
  gray: [128, 128, 128],
};

/** One made-up word per demo colour. */
export const INVENTED: Record<DemoColour, string> = {
  red: 'blorf',
  orange: 'zintak',
  yellow: 'quopple',
  green: 'dravix',
  blue: 'mirlow',
  purple: 'snegg',
  pink: 'fibbet',
  brown: 'wuzzle',
  black: 'krantho',
  white: 'plimsy',
  gray: 'torvel',
};

export const COLOURS: readonly DemoColour[] = DEMO_COLOURS;

/** A small JPEG of a colour with seeded noise and shade, so every seed gives different bytes. */
export async function colourPhoto(
  colour: DemoColour,
  seed: number,
  format: 'jpeg' | 'png' = 'jpeg',
): Promise<Buffer> {
  const size = 20;
  const [r, g, b] = RGB[colour];
  const pixels = Buffer.alloc(size * size * 3);
  let x = (seed * 2654435761 + 977) >>> 0;
  const rand = () => {
    x = (x * 1664525 + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
  const shade = ((seed % 5) - 2) * 4;
  for (let i = 0; i < size * size; i++) {
    const n = Math.round((rand() - 0.5) * 12) + shade;
    pixels[i * 3] = Math.max(0, Math.min(255, r + n));
    pixels[i * 3 + 1] = Math.max(0, Math.min(255, g + n));
    pixels[i * 3 + 2] = Math.max(0, Math.min(255, b + n));
  }
  const img = sharp(pixels, { raw: { width: size, height: size, channels: 3 } });
  return format === 'png' ? img.png().toBuffer() : img.jpeg({ quality: 92 }).toBuffer();
}

export function tsvLine(text: string, image: Buffer, alphabet: 'standard' | 'url' = 'standard'): string {
  const b64 = alphabet === 'url' ? image.toString('base64url') : image.toString('base64');
  return `${text}\t${b64}`;
}

export async function tempDir(prefix: string): Promise<{ path: string; cleanup(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), `lookbook-${prefix}-`));
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
}
