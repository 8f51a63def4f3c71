import sharp from 'sharp';
import type { Metadata, Sharp, SharpOptions } from 'sharp';
import exifr from 'exifr';
import { decodeBmp, readBmpSize } from './bmp.js';
import { MediaError, fsErrorToMediaError } from './errors.js';
import { classifyPath } from './formats.js';
import type { Decoder, PhotoFormat } from './formats.js';
import { applyOrientation, swapsDimensions } from './orientation.js';
import { decodePnm, readPnmHeader } from './pnm.js';
import type { RawImage } from './pnm.js';
import { findLargestJpeg } from './raw-preview.js';
import { readHead, readWhole } from './read-file.js';
import { decodeHeic } from './heic-decoder.js';
import { findHeifThumbnail } from './heif-thumbnail.js';

/**
 * The one way Lookbook opens a photo, whatever its format. Contract:
 *
 * - `probeImage(path)` reads headers only: format, decoder, displayed size (after EXIF orientation).
 * - `loadImage(path)` also decodes what sharp cannot (HEIC, BMP, PNM) to pixels and extracts RAW previews.
 * - `toSharp(loaded)` gives a sharp pipeline that is already upright; thumbnails and CLIP preprocessing
 *   start from it, so every format behaves the same downstream.
 * - `openImageInput(path)` is for code that takes "a file path or an encoded Buffer" (the engine's
 *   preprocess): the path itself for sharp's formats, otherwise a lossless PNG of the upright pixels.
 *
 * Every failure is a MediaError; `asMediaError` maps the errors a sharp pipeline throws later (a truncated
 * JPEG only fails when its pixels are read) to the same codes.
 */

/** sharp's own default (0x3FFF²): ~268 MP, above the 200 MP of today's largest phone sensors. */
export const DEFAULT_MAX_PIXELS = 268_402_689;

export interface OpenOptions {
  /** Refuse images with more pixels than this before decoding anything (decompression bombs). */
  maxPixels?: number;
}

export interface ReadOptions extends OpenOptions {
  /**
   * The whole file, already read: indexing hashes a photo's bytes first, and then probes and decodes
   * those same bytes instead of reading the file again (and cannot see a file that changed in between).
   */
  bytes?: Buffer;
}

export interface LoadOptions extends ReadOptions {
  /**
   * Decode a HEIC's embedded thumbnail instead of its full image when the thumbnail's short side is at
   * least this (indexing: the model's input size). The loaded image keeps the full image's size.
   */
  heicPreviewMinSide?: number;
}

export interface ImageProbe {
  path: string;
  format: PhotoFormat;
  /** The decoder actually used: AV1-coded HEIF goes to sharp even when named .heic. */
  decoder: Decoder;
  /** Size as displayed, after EXIF orientation. */
  width: number;
  height: number;
  sizeBytes: number;
}

export interface LoadedImage extends ImageProbe {
  /** What sharp reads: the file path, an encoded Buffer (a RAW preview) or decoded pixels (`raw` set). */
  input: string | Buffer;
  raw?: { width: number; height: number; channels: 1 | 2 | 3 | 4 };
  /** 'auto': sharp applies the EXIF orientation in `input`; a number: apply this one (RAW previews). */
  orientation: 'auto' | number;
  /** The pixels are the HEIC's embedded thumbnail (`raw` smaller than width×height), not its full image. */
  fromPreview?: boolean;
}

function sharpOptions(maxPixels: number): SharpOptions {
  // failOn 'error': a truncated or broken file fails, yet the harmless warnings that many cameras'
  // JPEGs trigger ("extraneous bytes before marker") do not make a photo unreadable.
  return { limitInputPixels: maxPixels, failOn: 'error' };
}

function tooLarge(path: string, width: number, height: number, maxPixels: number): MediaError {
  const mp = (n: number): string => `${Math.round(n / 1e5) / 10} MP`;
  return new MediaError(
    `${path}: the image is ${width}×${height} (${mp(width * height)}), above the ${mp(maxPixels)} limit; ` +
      'it was not decoded, to protect memory',
    'too-large',
    path,
  );
}

function checkPixels(path: string, width: number, height: number, maxPixels: number): void {
  if (width * height > maxPixels) throw tooLarge(path, width, height, maxPixels);
}

function corrupt(path: string, what: string, cause?: unknown): MediaError {
  return new MediaError(`${path}: ${what}`, 'corrupt', path, { cause });
}

/** Maps any error from reading `path` (fs, sharp, the JS decoders) to a MediaError with a clear reason. */
export function asMediaError(e: unknown, path: string): MediaError {
  if (e instanceof MediaError) return e;
  if ((e as NodeJS.ErrnoException | undefined)?.code) return fsErrorToMediaError(e, path);
  const message = e instanceof Error ? e.message : String(e);
  if (/pixel limit/i.test(message)) {
    return new MediaError(
      `${path}: the image is above the pixel limit; it was not decoded`,
      'too-large',
      path,
      {
        cause: e,
      },
    );
  }
  if (/unsupported image format/i.test(message)) {
    return new MediaError(
      `${path}: the content is not an image format Lookbook can read`,
      'unsupported-format',
      path,
      {
        cause: e,
      },
    );
  }
  const detail = message
    .replace(/^.*?: /, '')
    .split('\n')[0]!
    .slice(0, 200);
  return corrupt(path, `the image data is damaged or truncated (${detail})`, e);
}

const PNM_HEAD_BYTES = 64 * 1024;

async function sharpHeader(path: string, input: string | Buffer): Promise<Metadata> {
  try {
    return await sharp(input, { limitInputPixels: false }).metadata();
  } catch (e) {
    throw asMediaError(e, path);
  }
}

interface Probed extends ImageProbe {
  orientation: 'auto' | number;
  preview?: Buffer;
  whole?: Buffer;
}

async function probe(path: string, maxPixels: number, bytes?: Buffer): Promise<Probed> {
  const c = await classifyPath(path, bytes);
  if (c.kind === 'not-photo') {
    throw (
      c.error ??
      new MediaError(
        `${path} is not an image format Lookbook can read (JPEG, PNG, WebP, AVIF, GIF, TIFF, HEIC, BMP, PNM or camera RAW)`,
        'unsupported-format',
        path,
      )
    );
  }
  const base = { path, format: c.format, sizeBytes: c.sizeBytes };
  switch (c.decoder) {
    case 'sharp':
    case 'heic-decode': {
      const meta = await sharpHeader(path, bytes ?? path);
      const width = meta.autoOrient?.width ?? meta.width;
      const height = meta.autoOrient?.height ?? meta.height;
      if (!width || !height) throw corrupt(path, 'the image header has no size');
      checkPixels(path, width, height, maxPixels);
      // sharp reads every HEIF header but decodes only AV1 ones; HEVC goes to heic-decode.
      const decoder: Decoder = c.format === 'heic' && meta.compression !== 'av1' ? 'heic-decode' : 'sharp';
      return { ...base, decoder, width, height, orientation: decoder === 'sharp' ? 'auto' : 1 };
    }
    case 'bmp': {
      const head = bytes ?? (await readHead(path, 64)).head;
      let size;
      try {
        size = readBmpSize(head);
      } catch (e) {
        throw corrupt(path, 'the BMP header is damaged', e);
      }
      if (!size.width || !size.height) throw corrupt(path, 'the BMP header has no size');
      checkPixels(path, size.width, size.height, maxPixels);
      return { ...base, decoder: 'bmp', ...size, orientation: 1 };
    }
    case 'pnm': {
      const head = bytes ?? (await readHead(path, PNM_HEAD_BYTES)).head;
      let header;
      try {
        header = readPnmHeader(head);
      } catch (e) {
        throw corrupt(path, `the Netpbm header is damaged (${(e as Error).message})`, e);
      }
      checkPixels(path, header.width, header.height, maxPixels);
      return { ...base, decoder: 'pnm', width: header.width, height: header.height, orientation: 1 };
    }
    case 'raw-preview': {
      const whole = bytes ?? (await readWhole(path));
      const stream = findLargestJpeg(whole);
      if (!stream) {
        throw new MediaError(
          `${path}: this RAW file has no embedded JPEG preview, and Lookbook does not develop RAW sensor data`,
          'unsupported-format',
          path,
        );
      }
      const preview = whole.subarray(stream.start, stream.end);
      const meta = await sharpHeader(path, preview);
      let orientation: 'auto' | number = 'auto';
      if (!meta.orientation || meta.orientation === 1) {
        // The preview has no orientation of its own: the RAW file's IFD0 one applies to it.
        const tags = (await exifr
          .parse(whole, { pick: ['Orientation'], translateValues: false })
          .catch(() => undefined)) as { Orientation?: number } | undefined;
        orientation = tags?.Orientation ?? 1;
      }
      const w = meta.autoOrient?.width ?? meta.width ?? 0;
      const h = meta.autoOrient?.height ?? meta.height ?? 0;
      const swap = typeof orientation === 'number' && swapsDimensions(orientation);
      const width = swap ? h : w;
      const height = swap ? w : h;
      checkPixels(path, width, height, maxPixels);
      return { ...base, decoder: 'raw-preview', width, height, orientation, preview, whole };
    }
  }
}

/** Headers only: format, decoder and displayed size. Cheap for every format except RAW (reads the file). */
export async function probeImage(path: string, opts: OpenOptions = {}): Promise<ImageProbe> {
  const {
    path: p,
    format,
    decoder,
    width,
    height,
    sizeBytes,
  } = await probe(path, opts.maxPixels ?? DEFAULT_MAX_PIXELS);
  return { path: p, format, decoder, width, height, sizeBytes };
}

function fromRaw(p: Probed, image: RawImage): LoadedImage {
  const { preview: _p, whole: _w, ...rest } = p;
  return {
    ...rest,
    width: image.width,
    height: image.height,
    input: image.data,
    raw: { width: image.width, height: image.height, channels: image.channels },
  };
}

/**
 * The HEIC's thumbnail as the loaded image (keeping the full image's size), or undefined when it has none
 * large enough, or the decoded thumbnail's upright shape is not the full image's (a thumbnail stored
 * without the primary's rotation): then the full image is decoded.
 */
async function heicPreview(buf: Buffer, p: Probed, minShortSide: number): Promise<LoadedImage | undefined> {
  const item = findHeifThumbnail(buf, minShortSide);
  if (!item) return undefined;
  const img = await decodeHeic(buf, item.itemId);
  if (Math.abs((img.width * p.height) / (img.height * p.width) - 1) >= 0.02) return undefined;
  const { preview: _p, whole: _w, ...rest } = p;
  return {
    ...rest,
    input: img.data,
    raw: { width: img.width, height: img.height, channels: 4 },
    fromPreview: true,
  };
}

/** Probes and, for formats sharp cannot read, decodes. The pixel limit is checked before decoding. */
export async function loadImage(path: string, opts: LoadOptions = {}): Promise<LoadedImage> {
  const maxPixels = opts.maxPixels ?? DEFAULT_MAX_PIXELS;
  const p = await probe(path, maxPixels, opts.bytes);
  const { preview, whole: _w, ...info } = p;
  const whole = async () => opts.bytes ?? readWhole(path);
  switch (p.decoder) {
    case 'sharp':
      return { ...info, input: opts.bytes ?? path };
    case 'raw-preview':
      return { ...info, input: preview! };
    case 'heic-decode': {
      const buf = await whole();
      try {
        if (opts.heicPreviewMinSide !== undefined) {
          const preview = await heicPreview(buf, p, opts.heicPreviewMinSide);
          if (preview) return preview;
        }
        const img = await decodeHeic(buf);
        checkPixels(path, img.width, img.height, maxPixels);
        return fromRaw(p, { data: img.data, width: img.width, height: img.height, channels: 4 });
      } catch (e) {
        if (e instanceof MediaError) throw e;
        throw corrupt(path, `the HEIC image could not be decoded (${(e as Error).message})`, e);
      }
    }
    case 'bmp': {
      const buf = await whole();
      try {
        return fromRaw(p, decodeBmp(buf));
      } catch (e) {
        throw corrupt(path, (e as Error).message, e);
      }
    }
    case 'pnm': {
      const buf = await whole();
      try {
        return fromRaw(p, decodePnm(buf));
      } catch (e) {
        throw corrupt(path, `the Netpbm image is damaged (${(e as Error).message})`, e);
      }
    }
  }
}

/** A sharp pipeline over the upright image. Errors it throws later go through `asMediaError`. */
export function toSharp(image: LoadedImage, opts: OpenOptions = {}): Sharp {
  const options = sharpOptions(opts.maxPixels ?? DEFAULT_MAX_PIXELS);
  if (image.raw) return sharp(image.input, { ...options, raw: image.raw });
  const pipeline = sharp(image.input, { ...options, autoOrient: image.orientation === 'auto' });
  return typeof image.orientation === 'number' ? applyOrientation(pipeline, image.orientation) : pipeline;
}

/** `toSharp(await loadImage(path))`. */
export async function openImage(path: string, opts: OpenOptions = {}): Promise<Sharp> {
  return toSharp(await loadImage(path, opts), opts);
}

/**
 * For consumers that take a file path or an encoded image: the path for formats sharp reads (the
 * consumer applies EXIF orientation as it would for any JPEG), otherwise a lossless PNG of the upright
 * pixels (HEIC, BMP, PNM, RAW previews).
 */
export async function openImageInput(path: string, opts: OpenOptions = {}): Promise<string | Buffer> {
  const image = await loadImage(path, opts);
  if (image.decoder === 'sharp') return path;
  if (image.decoder === 'raw-preview' && image.orientation === 'auto') return image.input;
  try {
    return await toSharp(image, opts).png({ compressionLevel: 1 }).toBuffer();
  } catch (e) {
    throw asMediaError(e, path);
  }
}

/** Fully decoded, upright pixels (8-bit, channels as the image has them). Mostly for tests and tools. */
export async function decodePixels(
  path: string,
  opts: OpenOptions = {},
): Promise<{ data: Buffer; width: number; height: number; channels: number; format: PhotoFormat }> {
  const image = await loadImage(path, opts);
  try {
    const { data, info } = await toSharp(image, opts).raw().toBuffer({ resolveWithObject: true });
    return { data, width: info.width, height: info.height, channels: info.channels, format: image.format };
  } catch (e) {
    throw asMediaError(e, path);
  }
}

/** Upright 8-bit sRGB pixels (HWC), possibly decoded smaller than the image. */
export interface DecodedPixels {
  data: Buffer;
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
  /** The image's own upright size (the pixels are smaller when decoded scaled). */
  sourceWidth: number;
  sourceHeight: number;
}

/**
 * Decodes a loaded image once, upright, resized to `width`×`height` in the same libvips pipeline, so a
 * JPEG is decoded at 1/2, 1/4 or 1/8 scale when that still covers the size (shrink-on-load) and no
 * full-size copy of the pixels is ever held. Alpha is kept; colour becomes 8-bit sRGB.
 */
export async function decodeResized(
  image: LoadedImage,
  size: { width: number; height: number },
  kernel: 'lanczos3' | 'cubic' | 'linear' = 'lanczos3',
  opts: OpenOptions & { fastShrinkOnLoad?: boolean } = {},
): Promise<DecodedPixels> {
  try {
    let pipeline = toSharp(image, opts);
    const from = image.raw ?? image; // a HEIC's thumbnail is smaller than the image it stands for
    if (size.width !== from.width || size.height !== from.height)
      pipeline = pipeline.resize(size.width, size.height, {
        fit: 'fill',
        kernel,
        fastShrinkOnLoad: opts.fastShrinkOnLoad ?? true,
      });
    const { data, info } = await pipeline
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    return {
      data,
      width: info.width,
      height: info.height,
      channels: info.channels as DecodedPixels['channels'],
      sourceWidth: image.width,
      sourceHeight: image.height,
    };
  } catch (e) {
    throw asMediaError(e, image.path);
  }
}
