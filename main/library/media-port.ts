import { contentId } from '../media/content-id.js';
import { openImageInput } from '../media/decode.js';
import { readMetadata } from '../media/metadata.js';
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
  /** sha256 of the file's bytes (hex). */
  contentId(path: string): Promise<string>;
  readMetadata(path: string): Promise<MediaFacts>;
  /** Writes a small WebP thumbnail to outPath. */
  makeThumbnail(path: string, outPath: string): Promise<void>;
  /**
   * What the engine's preprocess reads: the path for formats sharp decodes, else an upright PNG (HEIC,
   * BMP, PNM, RAW previews). Applies the media module's safety limits (decompression bombs).
   */
  imageInput(path: string): Promise<string | Buffer>;
}

export function createMediaPort(): MediaPort {
  return {
    contentId,
    async readMetadata(path) {
      const m = await readMetadata(path);
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
    },
    imageInput: (path) => openImageInput(path),
    async makeThumbnail(path, outPath) {
      await makeThumbnail(path, outPath);
    },
  };
}
