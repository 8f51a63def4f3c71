import { decodeResized, loadImage } from './decode.js';
import type { DecodedPixels, OpenOptions } from './decode.js';
import { metadataOfProbed } from './metadata.js';
import type { PhotoMetadata } from './metadata.js';
import { makeThumbnailFromPixels, thumbnailSize } from './thumbnail.js';

// Everything indexing needs from one photo with one header probe and one decode: the metadata, the
// thumbnail and pixels for the model. Decoding a 12-MP JPEG costs ~50 ms of CPU even at 1/8 scale (the
// entropy decoding of the whole file cannot be skipped), so decoding it once instead of once for the
// thumbnail and again for the model is the largest saving outside the model.

export interface ModelInputNeed {
  /** The size the model's preprocessing resizes an upright `width`×`height` image to (before its crop). */
  resizeTo(width: number, height: number): { width: number; height: number };
}

export interface IndexReadOptions extends OpenOptions {
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
  /** Upright pixels, at least twice the model's resize size (see sharedDecodeSize), or a HEIC's thumbnail. */
  pixels: DecodedPixels;
  /** The pixels came from the HEIC's embedded thumbnail; the full image was not decoded. */
  fromPreview: boolean;
}

/**
 * The decode size serving both outputs: twice the model's resize size (or the thumbnail's, when larger),
 * never above the image's own. Twice, because a second resample close to 1:1 blurs: measured on 12-MP
 * JPEGs against preprocessing a full decode, a 256-px intermediate (the thumbnail's size) gave mean abs
 * diffs of 0.013–0.020, a 2× one 0.0035–0.0045 (the old shrink-on-load path: 0.011), for ~9 ms more CPU
 * per photo (libjpeg decodes at 1/4 instead of 1/8 scale).
 */
export function sharedDecodeSize(
  width: number,
  height: number,
  model: { width: number; height: number },
  thumbnail?: { width: number; height: number },
): { width: number; height: number } {
  const k = Math.min(
    1,
    Math.max(
      (2 * model.width) / width,
      (2 * model.height) / height,
      (thumbnail?.width ?? 0) / width,
      (thumbnail?.height ?? 0) / height,
    ),
  );
  if (k === 1) return { width, height };
  return { width: Math.max(1, Math.round(width * k)), height: Math.max(1, Math.round(height * k)) };
}

export async function readForIndex(path: string, options: IndexReadOptions): Promise<IndexRead> {
  // A HEIC's embedded thumbnail serves when it covers the model's input (its short side, measured on a
  // square image so the model's resize rule gives it whatever the photo's shape).
  const square = options.model.resizeTo(4096, 4096);
  const image = await loadImage(path, {
    ...options,
    heicPreviewMinSide: Math.min(square.width, square.height),
  });
  const metadata = options.metadata ? await metadataOfProbed(image) : null;
  const model = options.model.resizeTo(image.width, image.height);
  const thumb = options.thumbnailOut
    ? thumbnailSize(image.width, image.height, options.thumbnailSize ?? 256)
    : undefined;
  let size = sharedDecodeSize(image.width, image.height, model, thumb);
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
