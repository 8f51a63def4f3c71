import { decodeResized, loadImage } from './decode.js';
import type { DecodedPixels, ReadOptions } from './decode.js';
import { metadataOfProbed } from './metadata.js';
import type { PhotoMetadata } from './metadata.js';
import { makeThumbnailFromPixels, thumbnailSize } from './thumbnail.js';

// Everything indexing needs from one photo with one header probe and one decode: the metadata, the
// thumbnail and pixels for the model. Decoding a 12-MP JPEG costs ~37 ms of CPU even at 1/8 scale (the
// entropy decoding of the whole file cannot be skipped), so decoding it once instead of once for the
// thumbnail and again for the model is the largest saving outside the model; decoding it at libjpeg's
// 1/8 scale where that covers both is the next (sharedDecodeSize).

export interface ModelInputNeed {
  /** The size the model's preprocessing resizes an upright `width`×`height` image to (before its crop). */
  resizeTo(width: number, height: number): { width: number; height: number };
}

export interface IndexReadOptions extends ReadOptions {
  model: ModelInputNeed;
  /** Read the EXIF block too (skipped when the photo's content row already exists). */
  metadata: boolean;
  /** Write the WebP thumbnail here (skipped when undefined). */
  thumbnailOut?: string;
  thumbnailSize?: number;
}

export interface IndexRead {
  metadata: PhotoMetadata | null;
  /** false when writing the thumbnail failed (the photo is still indexed; the UI shows the full image). */
  thumbnail: boolean;
  /** Upright pixels covering the model's resize size and the thumbnail (see sharedDecodeSize), or a HEIC's thumbnail. */
  pixels: DecodedPixels;
  /** The pixels came from the HEIC's embedded thumbnail; the full image was not decoded. */
  fromPreview: boolean;
}

/**
 * The decode size serving both outputs (the model's input and the thumbnail), chosen for the CPU a decode
 * costs. Decoding a 12-MP JPEG is mostly entropy decoding of the whole file, whatever the size asked for;
 * what the size changes is libjpeg's DCT scale (1/8, 1/4, 1/2, 1), and 1/8 costs about what
 * `djpeg -scale 1/8` does (37–39 ms here) against 45–48 ms at 1/4. So:
 *
 * - a JPEG (or a RAW file's JPEG preview, `shrinkOnLoad`) is decoded at the coarsest DCT scale that still
 *   covers both needs, asking sharp for the largest size it decodes at that scale (see jpegScaleSize);
 * - other formats cost the same at any size: twice the model's resize size, for fidelity;
 * - never above the two-times size, never above the image's own.
 *
 * Fidelity, measured on 12-MP JPEGs against preprocessing a full decode (mean abs diff of the model's
 * input): 0.007–0.013 at 1/8, 0.0035–0.0045 at 1/4 (the two-times size). A HEIC is indexed from its
 * 320×240 thumbnail on the same principle: the model sees the cheapest rendition covering its input.
 */
export function sharedDecodeSize(
  width: number,
  height: number,
  model: { width: number; height: number },
  thumbnail?: { width: number; height: number },
  options: { shrinkOnLoad?: boolean } = {},
): { width: number; height: number } {
  const needed = Math.max(
    model.width / width,
    model.height / height,
    (thumbnail?.width ?? 0) / width,
    (thumbnail?.height ?? 0) / height,
  );
  const k = Math.min(1, Math.max(needed, (2 * model.width) / width, (2 * model.height) / height));
  const scaled = options.shrinkOnLoad ? jpegScaleSize(width, height, needed) : undefined;
  if (scaled && scaled.width <= width * k) return scaled;
  if (k === 1) return { width, height };
  return { width: Math.max(1, Math.round(width * k)), height: Math.max(1, Math.round(height * k)) };
}

/**
 * The largest size sharp decodes at libjpeg's coarsest DCT scale (1/8, 1/4 or 1/2) that still covers
 * `needed` (a fraction of the image's size), or undefined when only a full decode does. sharp (0.35,
 * src/pipeline.cc) shrinks on load by s when the size asked for is at least s times smaller, except that
 * it halves s when the factor is below s + 1 (libjpeg's rounding), so 1/s needs a factor of s + 1.
 */
export function jpegScaleSize(
  width: number,
  height: number,
  needed: number,
): { width: number; height: number } | undefined {
  for (const s of [8, 4, 2]) {
    const size = { width: Math.floor(width / (s + 1)), height: Math.floor(height / (s + 1)) };
    if (size.width >= Math.ceil(width * needed) && size.height >= Math.ceil(height * needed)) return size;
  }
  return undefined;
}

export async function readForIndex(path: string, options: IndexReadOptions): Promise<IndexRead> {
  // A HEIC's embedded thumbnail serves when it covers the model's input (its short side, measured on a
  // square image so the model's resize rule gives it whatever the photo's shape).
  const square = options.model.resizeTo(4096, 4096);
  const image = await loadImage(path, {
    ...options,
    heicPreviewMinSide: Math.min(square.width, square.height),
  });
  const metadata = options.metadata ? await metadataOfProbed(image, options.bytes) : null;
  const model = options.model.resizeTo(image.width, image.height);
  const thumb = options.thumbnailOut
    ? thumbnailSize(image.width, image.height, options.thumbnailSize ?? 256)
    : undefined;
  const jpeg = image.decoder === 'raw-preview' || (image.decoder === 'sharp' && image.format === 'jpeg');
  let size = sharedDecodeSize(image.width, image.height, model, thumb, { shrinkOnLoad: jpeg });
  // From a thumbnail, its own pixels: never enlarged to the size the full image would have been decoded at.
  if (image.raw && size.width > image.raw.width) size = { width: image.raw.width, height: image.raw.height };
  const pixels = await decodeResized(image, size, 'lanczos3', options);
  let thumbnail = false;
  if (options.thumbnailOut) {
    try {
      await makeThumbnailFromPixels(pixels, options.thumbnailOut, options.thumbnailSize ?? 256, path);
      thumbnail = true;
    } catch {
      // A photo without a thumbnail is still searchable; the UI falls back to the full image.
    }
  }
  return { metadata, thumbnail, pixels, fromPreview: image.fromPreview === true };
}
