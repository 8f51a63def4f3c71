// Generated photos for the end-to-end tests: solid colours the demo model knows, made with sharp.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';

export const PHOTO_COLOURS: Record<string, [number, number, number]> = {
  red: [214, 32, 38],
  blue: [36, 70, 214],
  green: [40, 168, 60],
  yellow: [242, 214, 36],
};

/**
 * `perColour` JPEGs per colour, named `<colour>-<n>.jpg`, slightly varied so each has its own content,
 * and broken.jpg, which is not an image.
 */
export async function makeColourPhotos(dir: string, perColour: number): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const out: string[] = [];
  for (const [name, [r, g, b]] of Object.entries(PHOTO_COLOURS)) {
    for (let i = 0; i < perColour; i++) {
      const file = join(dir, `${name}-${i}.jpg`);
      await sharp({
        create: { width: 160, height: 120, channels: 3, background: { r, g: Math.min(255, g + i * 4), b } },
      })
        .jpeg({ quality: 90 })
        .toFile(file);
      out.push(file);
    }
  }
  // One file that only looks like a photo: the library must say it could not be read, and why.
  await writeFile(join(dir, 'broken.jpg'), 'this is not a JPEG');
  return out;
}
