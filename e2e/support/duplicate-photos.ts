// A small library with copies in it, for the Duplicates e2e: four distinct photos (one colour each, which
// the demo model tells apart), near copies of two of them (half size re-encoded as JPEG quality 60, a
// WebP) and an exact copy of a third in a sub-folder. Each photo is a shaded pattern, not a flat colour,
// so re-encoding really changes its bytes (a near copy is a different content, not the same file).
import { copyFile, mkdir, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';

const WIDTH = 640;
const HEIGHT = 480;

function pattern(rgb: [number, number, number]): Buffer {
  const pixels = Buffer.alloc(WIDTH * HEIGHT * 3);
  for (let y = 0; y < HEIGHT; y++) {
    for (let x = 0; x < WIDTH; x++) {
      // A gentle diagonal shading and a lighter square: detail that compression and resizing alter.
      const shade = Math.round(((x + y) / (WIDTH + HEIGHT) - 0.5) * 30);
      const square = x > 200 && x < 360 && y > 140 && y < 300 ? 18 : 0;
      for (let c = 0; c < 3; c++) {
        pixels[(y * WIDTH + x) * 3 + c] = Math.max(0, Math.min(255, rgb[c]! + shade + square));
      }
    }
  }
  return pixels;
}

const image = (rgb: [number, number, number]) =>
  sharp(pattern(rgb), { raw: { width: WIDTH, height: HEIGHT, channels: 3 } });

export interface DuplicateLibrary {
  /** Every file written (absolute paths). */
  files: string[];
  /** The groups expected: the keeper's path first, then the copies that should go to the trash. */
  groups: Array<{ keeper: string; others: string[]; kind: 'exact' | 'similar' }>;
  /** Photos with no copy. */
  alone: string[];
}

export async function makeDuplicateLibrary(dir: string): Promise<DuplicateLibrary> {
  await mkdir(join(dir, 'Copies'), { recursive: true });
  const at = (name: string) => join(dir, name);

  // Red: the PNG original, a half-size JPEG at quality 60 and a full-size WebP.
  await image([205, 30, 35]).png().toFile(at('red.png'));
  await image([205, 30, 35])
    .resize(WIDTH / 2, HEIGHT / 2)
    .jpeg({ quality: 60 })
    .toFile(at('red-small.jpg'));
  await image([205, 30, 35]).webp({ quality: 70 }).toFile(at('red.webp'));
  // Blue: a good JPEG and a half-size re-encode of it.
  await image([35, 70, 210]).jpeg({ quality: 95 }).toFile(at('blue.jpg'));
  await sharp(at('blue.jpg'))
    .resize(WIDTH / 2, HEIGHT / 2)
    .jpeg({ quality: 60 })
    .toFile(at('blue-small.jpg'));
  // Green: the same file twice (one photo, two paths).
  await image([40, 165, 55]).jpeg({ quality: 90 }).toFile(at('green.jpg'));
  await copyFile(at('green.jpg'), join(dir, 'Copies', 'green.jpg'));
  // The original is a day older than its copy, as it would be: the rules keep the oldest file.
  const dayAgo = new Date(Date.now() - 86_400_000);
  await utimes(at('green.jpg'), dayAgo, dayAgo);
  // Yellow: alone.
  await image([240, 215, 40]).jpeg({ quality: 90 }).toFile(at('yellow.jpg'));

  return {
    files: [
      at('red.png'),
      at('red-small.jpg'),
      at('red.webp'),
      at('blue.jpg'),
      at('blue-small.jpg'),
      at('green.jpg'),
      join(dir, 'Copies', 'green.jpg'),
      at('yellow.jpg'),
    ],
    groups: [
      { keeper: at('red.png'), others: [at('red-small.jpg'), at('red.webp')], kind: 'similar' },
      { keeper: at('blue.jpg'), others: [at('blue-small.jpg')], kind: 'similar' },
      // Identical files: the rules fall through to the oldest file, which is the one written first.
      { keeper: at('green.jpg'), others: [join(dir, 'Copies', 'green.jpg')], kind: 'exact' },
    ],
    alone: [at('yellow.jpg')],
  };
}
