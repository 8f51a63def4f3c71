// Photos with an EXIF date taken (DateTimeOriginal, written with sharp's withExif), for the tests of the
// Photos view: the library must read the date from the file, as it does for a camera's photos.
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import sharp from 'sharp';

export interface DatedPhoto {
  file: string;
  rgb: [number, number, number];
  width: number;
  height: number;
  /** The camera's wall clock: local time, as EXIF has no time zone. */
  takenAt: Date;
}

function exifDate(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}:${p(d.getMonth() + 1)}:${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

export async function makeDatedPhoto(photo: DatedPhoto, variant = 0): Promise<void> {
  const [r, g, b] = photo.rgb;
  await mkdir(dirname(photo.file), { recursive: true });
  await sharp({
    create: {
      width: photo.width,
      height: photo.height,
      channels: 3,
      // A slightly different shade per photo, so that each has its own content.
      background: { r, g: Math.min(255, g + (variant % 40)), b: Math.min(255, b + Math.floor(variant / 40)) },
    },
  })
    .withExif({ IFD2: { DateTimeOriginal: exifDate(photo.takenAt) } })
    .jpeg({ quality: 85 })
    .toFile(photo.file);
}
