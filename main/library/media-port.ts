import type { ContentHash } from '../content-hash.js';
import type { ImagePixels } from '../engine/types.js';
import { readAndHash } from '../media/content-id.js';
import { openImageInput } from '../media/decode.js';
import { readForIndex, type ModelInputNeed } from '../media/index-read.js';
import { readMetadata, type PhotoMetadata } from '../media/metadata.js';
import { makeThumbnail } from '../media/thumbnail.js';

// What the indexer needs from main/media, in one narrow interface so the pipeline reads without the
// details of every format.

export interface MediaFacts {
  /** Pixel size after EXIF orientation. */
  width: number | null;
  height: number | null;
  /** Date taken in ms: EXIF, or null to fall back to the file's mtime. */
  takenAt: number | null;
  cameraMake: string | null;
  cameraModel: string | null;
  latitude: number | null;
  longitude: number | null;
  format: string | null;
}

export interface MediaPort {
  /**
   * The hash of the file's bytes (hex), with the library's hash (the store's contentHash), and the bytes
   * themselves unless the file is very large: given back to readForIndex, the photo is read once.
   */
  hashFile(path: string, hash: ContentHash): Promise<{ contentId: string; bytes?: Buffer }>;
  readMetadata(path: string): Promise<MediaFacts>;
  /** Writes a small WebP thumbnail to outPath. */
  makeThumbnail(path: string, outPath: string): Promise<void>;
  /**
   * What the engine's preprocess reads: the path for formats sharp decodes, else an upright PNG (HEIC,
   * BMP, PNM, RAW previews). Applies the media module's safety limits (decompression bombs).
   */
  imageInput(path: string): Promise<string | Buffer>;
  /**
   * What indexing needs from one photo, decoding it once: the facts (when `facts`), the thumbnail (when
   * `thumbnailOut`; `thumbnail` false if only writing it failed) and upright pixels for the engine's
   * `preprocessPixels`. Throws a MediaError when the photo cannot be read.
   */
  readForIndex(
    path: string,
    options: { facts: boolean; thumbnailOut?: string; model: ModelInputNeed; bytes?: Buffer },
  ): Promise<{ facts: MediaFacts | null; thumbnail: boolean; pixels: ImagePixels }>;
}

function toFacts(m: PhotoMetadata): MediaFacts {
  return {
    width: m.width,
    height: m.height,
    takenAt: m.takenAtSource === 'exif' ? m.takenAt.getTime() : null,
    cameraMake: m.cameraMake,
    cameraModel: m.cameraModel,
    latitude: m.gps?.lat ?? null,
    longitude: m.gps?.lon ?? null,
    format: m.format,
  };
}

export function createMediaPort(): MediaPort {
  return {
    hashFile: readAndHash,
    readMetadata: async (path) => toFacts(await readMetadata(path)),
    imageInput: (path) => openImageInput(path),
    async makeThumbnail(path, outPath) {
      await makeThumbnail(path, outPath);
    },
    async readForIndex(path, options) {
      const r = await readForIndex(path, {
        model: options.model,
        metadata: options.facts,
        ...(options.bytes ? { bytes: options.bytes } : {}),
        ...(options.thumbnailOut !== undefined ? { thumbnailOut: options.thumbnailOut } : {}),
      });
      return { facts: r.metadata && toFacts(r.metadata), thumbnail: r.thumbnail, pixels: r.pixels };
    },
  };
}
