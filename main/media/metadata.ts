import exifr from 'exifr';
import { asMediaError, probeImage } from './decode.js';
import type { ImageProbe, OpenOptions } from './decode.js';
import type { PhotoFormat } from './formats.js';
import { statFile } from './read-file.js';

export interface PhotoMetadata {
  /** Displayed size, after EXIF orientation: the size `openImage` yields. */
  width: number;
  height: number;
  /** When the photo was taken: EXIF DateTimeOriginal, else CreateDate, else the file's modification time. */
  takenAt: Date;
  takenAtSource: 'exif' | 'file';
  cameraMake: string | null;
  cameraModel: string | null;
  gps: { lat: number; lon: number } | null;
  format: PhotoFormat;
  sizeBytes: number;
}

interface ExifTags {
  DateTimeOriginal?: unknown;
  CreateDate?: unknown;
  OffsetTimeOriginal?: unknown;
  OffsetTime?: unknown;
  Make?: unknown;
  Model?: unknown;
  latitude?: unknown;
  longitude?: unknown;
}

const EXIF_OPTIONS = {
  tiff: true,
  exif: true,
  gps: true,
  ifd1: false,
  xmp: false,
  icc: false,
  iptc: false,
  jfif: false,
  ihdr: false,
  // Dates as the camera wrote them ("2021:07:04 18:30:00"): exifr's own parsing loses the time zone.
  reviveValues: false,
  pick: [
    'DateTimeOriginal',
    'CreateDate',
    'OffsetTimeOriginal',
    'OffsetTime',
    'Make',
    'Model',
    'GPSLatitude',
    'GPSLatitudeRef',
    'GPSLongitude',
    'GPSLongitudeRef',
  ],
};

/**
 * EXIF dates have no zone: they are the camera's wall clock. With an OffsetTime tag the instant is exact;
 * without one it is read in the computer's zone, as photo apps do. Impossible dates (the
 * "0000:00:00 00:00:00" some cameras write) give undefined.
 */
export function parseExifDate(value: unknown, offset?: unknown): Date | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value;
  if (typeof value !== 'string') return undefined;
  const m = /^(\d{4})[:-](\d{2})[:-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?/.exec(value.trim());
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const ms = m[7] ? Math.round(Number(`0.${m[7]}`) * 1000) : 0;
  if (y < 1800 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return undefined;
  const off = typeof offset === 'string' ? /^([+-])(\d{2}):?(\d{2})$/.exec(offset.trim()) : null;
  if (off) {
    const minutes = (off[1] === '-' ? -1 : 1) * (Number(off[2]) * 60 + Number(off[3]));
    return new Date(Date.UTC(y, mo - 1, d, h, mi, s, ms) - minutes * 60_000);
  }
  return new Date(y, mo - 1, d, h, mi, s, ms);
}

function text(v: unknown): string | null {
  if (typeof v !== 'string') return null;
  const t = v.replace(/\0/g, '').trim();
  return t || null;
}

function gpsOf(tags: ExifTags): PhotoMetadata['gps'] {
  const { latitude: lat, longitude: lon } = tags;
  if (typeof lat !== 'number' || typeof lon !== 'number' || !Number.isFinite(lat) || !Number.isFinite(lon))
    return null;
  // 0,0 is what cameras write when they had no fix.
  if (Math.abs(lat) > 90 || Math.abs(lon) > 180 || (lat === 0 && lon === 0)) return null;
  return { lat, lon };
}

/** Size, capture time, camera and location of a photo. Throws a MediaError when it is not a readable photo. */
export async function readMetadata(path: string, opts: OpenOptions = {}): Promise<PhotoMetadata> {
  return metadataOfProbed(await probeImage(path, opts));
}

/**
 * `readMetadata` for an image already probed (or loaded): reads the EXIF block, not the headers again;
 * from `bytes` when the whole file is already in memory.
 */
export async function metadataOfProbed(image: ImageProbe, bytes?: Buffer): Promise<PhotoMetadata> {
  const { path } = image;
  const file = await statFile(path);
  // Formats without EXIF (BMP, PNM, GIF) or broken EXIF blocks still have a size and a file date.
  let tags: ExifTags = {};
  if (image.format !== 'bmp' && image.format !== 'pnm' && image.format !== 'gif') {
    try {
      tags = ((await exifr.parse(bytes ?? path, EXIF_OPTIONS)) as ExifTags | undefined) ?? {};
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code) throw asMediaError(e, path);
    }
  }
  const exifDate =
    parseExifDate(tags.DateTimeOriginal, tags.OffsetTimeOriginal) ??
    parseExifDate(tags.CreateDate, tags.OffsetTime);
  return {
    width: image.width,
    height: image.height,
    takenAt: exifDate ?? file.mtime,
    takenAtSource: exifDate ? 'exif' : 'file',
    cameraMake: text(tags.Make),
    cameraModel: text(tags.Model),
    gps: gpsOf(tags),
    format: image.format,
    sizeBytes: file.size,
  };
}
