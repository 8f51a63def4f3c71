// A large library for the browser tests, in seconds instead of the ~8 minutes indexing 20,000 files takes
// on the test machines. It is honest about every part the Photos view reads:
//   - the photos are real, distinct JPEG files on disk: a few small images made with sharp, each file a
//     copy carrying its own JPEG comment (so its bytes, and its content id, differ), dated by its
//     modification time (what indexing records for a photo without EXIF);
//   - thumbnails are made by the library's own thumbnail code (main/media/thumbnail.ts) from those images;
//   - vectors are the demo model's real embeddings of those images (each copy has the pixels of its image);
//   - the folder is added the ordinary way (library.addFolder) and the rows go through the store's own
//     upserts (as an indexing batch writes them): when the web mode starts, its scan finds every file
//     unchanged and indexes nothing again.
import { copyFile, mkdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { openCore } from '../../main/core/open-core.js';
import { thumbnailFile } from '../../main/library/indexer.js';
import { contentIdOfBytes } from '../../main/media/content-id.js';
import { makeThumbnail } from '../../main/media/thumbnail.js';
import type { ContentRow, FileRow } from '../../main/store/library-store.js';

const COLOURS: Array<[number, number, number]> = [
  [214, 32, 38],
  [36, 70, 214],
  [40, 168, 60],
  [242, 214, 36],
  [140, 60, 180],
  [240, 130, 30],
];
/** Landscape and portrait, so the justified rows have both shapes. */
const SHAPES: Array<[number, number]> = [
  [96, 64],
  [64, 96],
];

/** The JPEG with a COM segment (FF FE, big-endian length, text) right after its start marker. */
function withComment(jpeg: Buffer, text: string): Buffer {
  const body = Buffer.from(text, 'latin1');
  const segment = Buffer.alloc(4 + body.length);
  segment.writeUInt16BE(0xfffe, 0);
  segment.writeUInt16BE(body.length + 2, 2);
  body.copy(segment, 4);
  return Buffer.concat([jpeg.subarray(0, 2), segment, jpeg.subarray(2)]);
}

export interface SeededLibrary {
  photosDir: string;
  count: number;
  /** 'YYYY-MM' of every month that has photos, newest first. */
  months: string[];
}

/**
 * `count` photos in `photosDir`, dated one every `spacingHours` backwards from `newest`, with their rows,
 * vectors and thumbnails in the library at `dataDir`, whose folder it is.
 */
export async function seedLibrary(
  dataDir: string,
  photosDir: string,
  count: number,
  newest = new Date(2025, 5, 28, 12),
  spacingHours = 3,
): Promise<SeededLibrary> {
  await mkdir(photosDir, { recursive: true });
  const baseDir = join(dataDir, '..', 'seed-bases');
  await mkdir(baseDir, { recursive: true });
  const core = await openCore({ dataDir, model: 'demo' });
  try {
    const { store, engine } = core.library;
    // First the folder: rows outside the library's folders are removed when it opens.
    await core.library.addFolder(photosDir);
    const thumbnailsDir = join(dataDir, 'thumbnails');
    // The few distinct images, their thumbnails (by the library's code) and embeddings (by the model).
    const bases: Array<{ jpeg: Buffer; width: number; height: number; thumb: string; vector: Float32Array }> =
      [];
    for (const [r, g, b] of COLOURS)
      for (const [width, height] of SHAPES) {
        const jpeg = await sharp({ create: { width, height, channels: 3, background: { r, g, b } } })
          .jpeg({ quality: 80 })
          .toBuffer();
        const file = join(baseDir, `${bases.length}.jpg`);
        await writeFile(file, jpeg);
        const thumb = join(baseDir, `${bases.length}.webp`);
        await makeThumbnail(file, thumb);
        bases.push({ jpeg, width, height, thumb, vector: new Float32Array() });
      }
    const vectors = await engine.embedImages(bases.map((b) => b.jpeg));
    bases.forEach((b, i) => (b.vector = vectors[i] as Float32Array));

    const months = new Set<string>();
    const CHUNK = 5_000;
    for (let start = 0; start < count; start += CHUNK) {
      const files: FileRow[] = [];
      const contents: ContentRow[] = [];
      const rowsVectors: Array<{ contentId: string; vector: Float32Array }> = [];
      const writes: Array<() => Promise<unknown>> = [];
      for (let i = start; i < Math.min(count, start + CHUNK); i++) {
        const base = bases[i % bases.length]!;
        const bytes = withComment(base.jpeg, `lookbook e2e photo ${i}`);
        const contentId = contentIdOfBytes(bytes, store.contentHash);
        const takenAt = newest.getTime() - i * spacingHours * 3_600_000;
        const d = new Date(takenAt);
        months.add(`${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}`);
        const path = join(photosDir, `IMG_${String(i).padStart(5, '0')}.jpg`);
        const thumb = thumbnailFile(thumbnailsDir, contentId);
        writes.push(
          () => writeFile(path, bytes).then(() => utimes(path, d, d)),
          () => mkdir(join(thumb, '..'), { recursive: true }).then(() => copyFile(base.thumb, thumb)),
        );
        rowsVectors.push({ contentId, vector: base.vector });
        contents.push({
          contentId,
          width: base.width,
          height: base.height,
          takenAt,
          takenAtSource: 'file',
          cameraMake: null,
          cameraModel: null,
          latitude: null,
          longitude: null,
          format: 'jpeg',
          size: bytes.length,
          thumbnail: true,
          addedAt: Date.now(),
        });
        files.push({
          path,
          folder: photosDir,
          contentId,
          size: bytes.length,
          mtimeMs: takenAt,
          status: 'indexed',
          code: null,
          reason: null,
          updatedAt: Date.now(),
        });
      }
      // A few at a time: thousands of files open at once would exceed the process's file limit.
      for (let w = 0; w < writes.length; w += 64) await Promise.all(writes.slice(w, w + 64).map((f) => f()));
      await store.upsertVectors(engine.model.id, engine.model.embedDim, rowsVectors);
      await store.upsertContents(contents);
      await store.upsertFiles(files);
    }
    return { photosDir, count, months: [...months] };
  } finally {
    await core.close();
  }
}
