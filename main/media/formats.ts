import { extname } from 'node:path';
import { MediaError } from './errors.js';
import { readHead } from './read-file.js';

/** The photo formats Lookbook reads. Content decides the format; the extension only decides whether to look. */
export type PhotoFormat = 'jpeg' | 'png' | 'webp' | 'avif' | 'gif' | 'tiff' | 'heic' | 'bmp' | 'pnm' | 'raw';

/** Which code turns the bytes into pixels. */
export type Decoder = 'sharp' | 'heic-decode' | 'bmp' | 'pnm' | 'raw-preview';

/**
 * How each format is decoded. HEIC goes through heic-decode (libheif + libde265 in wasm) because sharp's
 * prebuilt libheif has no HEVC decoder: it reads a HEIC header but fails on the pixels ("Support for this
 * compression format has not been built in: HEVC"). AV1-coded HEIF still goes to sharp (see decode.ts).
 */
export const DECODERS: Readonly<Record<PhotoFormat, Decoder>> = {
  jpeg: 'sharp',
  png: 'sharp',
  webp: 'sharp',
  avif: 'sharp',
  gif: 'sharp',
  tiff: 'sharp',
  heic: 'heic-decode',
  bmp: 'bmp',
  pnm: 'pnm',
  raw: 'raw-preview',
};

/** Camera RAW extensions: read through the JPEG preview every camera embeds (see raw-preview.ts). */
const RAW_EXTENSIONS = [
  'cr2',
  'cr3',
  'nef',
  'nrw',
  'arw',
  'srf',
  'sr2',
  'dng',
  'raf',
  'orf',
  'rw2',
  'pef',
  'srw',
];

const PHOTO_EXTENSIONS: Readonly<Record<string, PhotoFormat>> = {
  jpg: 'jpeg',
  jpeg: 'jpeg',
  jpe: 'jpeg',
  jfif: 'jpeg',
  png: 'png',
  webp: 'webp',
  avif: 'avif',
  gif: 'gif',
  tif: 'tiff',
  tiff: 'tiff',
  heic: 'heic',
  heif: 'heic',
  hif: 'heic',
  bmp: 'bmp',
  dib: 'bmp',
  pbm: 'pnm',
  pgm: 'pnm',
  ppm: 'pnm',
  pnm: 'pnm',
  pam: 'pnm',
  ...Object.fromEntries(RAW_EXTENSIONS.map((e) => [e, 'raw' as const])),
};

/**
 * The format a person means by a name or an extension, any case: 'jpeg', 'JPG', 'tif', 'cr2' (raw).
 * Undefined when it names none (search's format filter says so instead of matching nothing).
 */
export function photoFormatNamed(name: string): PhotoFormat | undefined {
  const key = name.trim().toLowerCase().replace(/^\./, '');
  if (key in DECODERS) return key as PhotoFormat;
  return PHOTO_EXTENSIONS[key];
}

/** Image formats people keep next to photos that Lookbook recognises but cannot decode, with the reason. */
const UNSUPPORTED_EXTENSIONS: Readonly<Record<string, string>> = {
  jp2: 'JPEG 2000',
  j2k: 'JPEG 2000',
  jpf: 'JPEG 2000',
  jpx: 'JPEG 2000',
  jxl: 'JPEG XL',
  psd: 'Photoshop (PSD)',
};

/** Lower-case extension without the dot ('' when none). */
function extensionOf(path: string): string {
  return extname(path).slice(1).toLowerCase();
}

/**
 * The format a path's extension suggests, without touching the disk: what a folder scan uses to decide
 * which files to look at. `undefined` for files that are not photos by name (.txt, .mp4, no extension).
 * Unsupported image extensions (.jp2, .jxl) return 'unsupported' so they can be reported rather than
 * silently skipped.
 */
export function formatFromExtension(path: string): PhotoFormat | 'unsupported' | undefined {
  const ext = extensionOf(path);
  return PHOTO_EXTENSIONS[ext] ?? (ext in UNSUPPORTED_EXTENSIONS ? 'unsupported' : undefined);
}

/**
 * The usual extension of each format (lower case, no dot), for a file Lookbook names itself (a copied
 * dataset image). RAW has none: each camera maker has its own.
 */
export const CANONICAL_EXTENSIONS: Readonly<Partial<Record<PhotoFormat, string>>> = {
  jpeg: 'jpg',
  png: 'png',
  webp: 'webp',
  avif: 'avif',
  gif: 'gif',
  tiff: 'tif',
  heic: 'heic',
  bmp: 'bmp',
  pnm: 'ppm',
};

/** The extensions Lookbook decodes (lower case, no dot): for a file picker that chooses a photo to read. */
export const READABLE_PHOTO_EXTENSIONS: readonly string[] = Object.keys(PHOTO_EXTENSIONS);

/** All extensions (lower case, no dot) worth classifying, the unsupported image types included. */
export const PHOTO_FILE_EXTENSIONS: readonly string[] = [
  ...READABLE_PHOTO_EXTENSIONS,
  ...Object.keys(UNSUPPORTED_EXTENSIONS),
];

/** The formats a browser displays as they are, with their Content-Type. */
const BROWSER_IMAGE_TYPES: Readonly<Partial<Record<PhotoFormat, string>>> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  avif: 'image/avif',
  gif: 'image/gif',
  bmp: 'image/bmp',
};

/**
 * The Content-Type to serve a photo with, by its extension; undefined for the formats a browser cannot
 * show (HEIC, TIFF, Netpbm, RAW), which the UI shows through their thumbnails instead.
 */
export function browserImageType(path: string): string | undefined {
  const format = PHOTO_EXTENSIONS[extensionOf(path)];
  return format && BROWSER_IMAGE_TYPES[format];
}

/** What the first bytes of a file say it is. */
export type Sniffed =
  | { kind: 'format'; format: PhotoFormat }
  | { kind: 'unsupported'; name: string }
  | { kind: 'unknown'; looksLikeText: boolean };

const HEIC_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'hevm', 'hevs', 'mif1', 'msf1']);
const AVIF_BRANDS = new Set(['avif', 'avis']);

function ascii(b: Buffer, start: number, end: number): string {
  return b.toString('latin1', start, Math.min(end, b.length));
}

function startsWith(b: Buffer, bytes: readonly number[], at = 0): boolean {
  if (b.length < at + bytes.length) return false;
  return bytes.every((v, i) => b[at + i] === v);
}

/** Bytes a sniff needs: enough for an ISO-BMFF ftyp box with its compatible brands. */
export const SNIFF_BYTES = 64;

/** Identifies an image by its magic bytes. Needs the first SNIFF_BYTES bytes of the file. */
export function sniffFormat(head: Buffer): Sniffed {
  if (startsWith(head, [0xff, 0xd8, 0xff])) return { kind: 'format', format: 'jpeg' };
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
    return { kind: 'format', format: 'png' };
  if (ascii(head, 0, 6) === 'GIF87a' || ascii(head, 0, 6) === 'GIF89a')
    return { kind: 'format', format: 'gif' };
  if (ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 12) === 'WEBP')
    return { kind: 'format', format: 'webp' };
  if (ascii(head, 0, 15) === 'FUJIFILMCCD-RAW') return { kind: 'format', format: 'raw' };
  const tiffLike = ascii(head, 0, 4);
  // ORF ('IIRO', 'IIRS', 'MMOR') and RW2 ('IIU\0') are TIFF variants that only RAW extensions may claim.
  if (['IIRO', 'IIRS', 'MMOR', 'IIU\0'].includes(tiffLike)) return { kind: 'format', format: 'raw' };
  if (tiffLike === 'II*\0' || tiffLike === 'MM\0*' || tiffLike === 'II+\0' || tiffLike === 'MM\0+') {
    return { kind: 'format', format: 'tiff' };
  }
  if (ascii(head, 4, 8) === 'ftyp') {
    const major = ascii(head, 8, 12);
    const boxSize = Math.min(head.readUInt32BE(0), head.length);
    const compatible: string[] = [];
    for (let at = 16; at + 4 <= boxSize; at += 4) compatible.push(ascii(head, at, at + 4));
    if (major === 'crx ') return { kind: 'format', format: 'raw' };
    if (AVIF_BRANDS.has(major)) return { kind: 'format', format: 'avif' };
    if (HEIC_BRANDS.has(major)) {
      // A 'mif1' file may hold AV1 (AVIF written by older tools); decode.ts routes by the real codec anyway.
      const isAvif =
        compatible.some((c) => AVIF_BRANDS.has(c)) && !compatible.some((c) => c.startsWith('he'));
      return { kind: 'format', format: isAvif ? 'avif' : 'heic' };
    }
    if (major === 'jp2 ' || major === 'jpx ') return { kind: 'unsupported', name: 'JPEG 2000' };
  }
  if (ascii(head, 0, 2) === 'BM') return { kind: 'format', format: 'bmp' };
  if (head.length >= 3 && head[0] === 0x50 && head[1]! >= 0x31 && head[1]! <= 0x37 && isSpace(head[2]!)) {
    return { kind: 'format', format: 'pnm' };
  }
  if (startsWith(head, [0x00, 0x00, 0x00, 0x0c, 0x6a, 0x50, 0x20, 0x20, 0x0d, 0x0a, 0x87, 0x0a])) {
    return { kind: 'unsupported', name: 'JPEG 2000' };
  }
  if (startsWith(head, [0xff, 0x4f, 0xff, 0x51])) return { kind: 'unsupported', name: 'JPEG 2000' };
  if (startsWith(head, [0xff, 0x0a])) return { kind: 'unsupported', name: 'JPEG XL' };
  if (startsWith(head, [0x00, 0x00, 0x00, 0x0c, 0x4a, 0x58, 0x4c, 0x20, 0x0d, 0x0a, 0x87, 0x0a])) {
    return { kind: 'unsupported', name: 'JPEG XL' };
  }
  if (ascii(head, 0, 4) === '8BPS') return { kind: 'unsupported', name: 'Photoshop (PSD)' };
  return { kind: 'unknown', looksLikeText: looksLikeText(head) };
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x0b || c === 0x0c;
}

function looksLikeText(head: Buffer): boolean {
  if (head.length === 0) return false;
  // Printable ASCII, whitespace, or bytes of multi-byte UTF-8: good enough to say "this is text".
  return head.every((c) => c >= 0x20 || c === 0x09 || c === 0x0a || c === 0x0d);
}

/** The outcome of looking at one path. */
export type Classification =
  | { kind: 'photo'; format: PhotoFormat; decoder: Decoder; sizeBytes: number }
  | {
      kind: 'not-photo';
      reason: string;
      /**
       * Present when the file was meant to be a photo (a photo extension) but cannot be read: the indexer
       * reports it to the person. Absent for files that are simply something else (.txt), to skip quietly.
       */
      error?: MediaError;
    };

/**
 * Decides whether a path is a photo Lookbook can read: by extension first (no disk access for other
 * files), then by the first bytes, which win over the extension among supported formats (a JPEG named
 * .jp2 is read as JPEG; a text file named .jpg is refused with a clear reason). Never throws for per-file
 * problems (missing, unreadable, empty): they come back as `error`.
 */
export async function classifyPath(path: string, bytes?: Buffer): Promise<Classification> {
  const byName = formatFromExtension(path);
  if (byName === undefined) {
    return { kind: 'not-photo', reason: `${path}: not a photo file extension` };
  }
  let head: Buffer;
  let size: number;
  try {
    // `bytes`: the whole file, already read (indexing hashes it first), so the disk is not read again.
    ({ head, size } = bytes ? headOf(path, bytes) : await readHead(path, SNIFF_BYTES));
  } catch (e) {
    const error = e as MediaError;
    return { kind: 'not-photo', reason: error.message, error };
  }
  const sniffed = sniffFormat(head);
  const ext = extensionOf(path);
  if (sniffed.kind === 'format') {
    // A RAW container looks like a TIFF; a .tif that says RAW in its bytes is still read as TIFF first.
    const format =
      byName === 'raw' && (sniffed.format === 'tiff' || sniffed.format === 'raw') ? 'raw' : sniffed.format;
    if (format === 'raw' && byName !== 'raw') {
      return notPhoto(
        path,
        `has a .${ext} extension but holds camera RAW data under an unknown name`,
        'unsupported-format',
      );
    }
    return { kind: 'photo', format, decoder: DECODERS[format], sizeBytes: size };
  }
  if (sniffed.kind === 'unsupported') {
    return notPhoto(
      path,
      `${sniffed.name} images are not supported; convert it to JPEG or PNG`,
      'unsupported-format',
    );
  }
  if (byName === 'unsupported') {
    return notPhoto(
      path,
      `.${ext} images are not supported; convert it to JPEG or PNG`,
      'unsupported-format',
    );
  }
  return notPhoto(
    path,
    sniffed.looksLikeText
      ? `has a .${ext} extension but contains text, not an image`
      : `has a .${ext} extension but its content is not a recognised image (damaged or mislabelled)`,
    'corrupt',
  );
}

function headOf(path: string, bytes: Buffer): { head: Buffer; size: number } {
  if (bytes.length === 0) throw new MediaError(`${path}: the file is empty (0 bytes)`, 'empty', path);
  return { head: bytes.subarray(0, SNIFF_BYTES), size: bytes.length };
}

function notPhoto(path: string, what: string, code: 'unsupported-format' | 'corrupt'): Classification {
  const error = new MediaError(`${path}: ${what}`, code, path);
  return { kind: 'not-photo', reason: error.message, error };
}
