import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { describeError } from '../errors.js';
import type { Library } from '../library/library.js';
import { makeThumbnail } from '../media/thumbnail.js';
import { embedImagesTolerant, IMAGE_BATCH } from './dataset-embedding.js';
import type { TuningLibrary } from './tuning-context.js';

// [Note: datasets are not library content] The pictures of an imported dataset (`pairs import`) are
// training data, not the user's photos: they are kept under `<dataDir>/imported/<dataset>/`, named by
// their content id, and their vectors live in the store's dataset tables (one per model), which search,
// the photo counts, the folders and the orphan sweep never read. Only `pairs import --into-library`
// makes a dataset's folder a library folder, indexed like any other. Training looks a pair's vector up
// in the library first (captions and confirmed tags of library photos), then here; a picture without a
// vector for the active model (a model switched since the import, a library migrated from when datasets
// were library folders) is embedded from its file when training asks for it.

/** The folder under the data directory that holds imported datasets, one folder per dataset. */
export const IMPORTED_FOLDER = 'imported';

/** Where an imported dataset's pictures are. */
export function datasetFolderPath(dataDir: string, dataset: string): string {
  return join(dataDir, IMPORTED_FOLDER, dataset);
}

export interface PictureToEmbed {
  contentId: string;
  path: string;
}

export interface PairVectors {
  /**
   * Vectors of the active model for these contents: library photos' stored vectors, then dataset
   * pictures' (embedded from their files when missing). Contents found nowhere are absent.
   */
  vectorsFor(contentIds: readonly string[]): Promise<Map<string, Float32Array>>;
  /** Embeds dataset pictures and stores their vectors; a string says why a picture could not be. */
  embedPictures(pictures: readonly PictureToEmbed[]): Promise<Map<string, Float32Array | string>>;
}

export function createPairVectors(library: TuningLibrary): PairVectors {
  const modelKey = library.engine.model.id;
  const table = library.store.datasetVectors;

  async function embedPictures(pictures: readonly PictureToEmbed[]) {
    const out = new Map<string, Float32Array | string>();
    for (let i = 0; i < pictures.length; i += IMAGE_BATCH) {
      const batch = pictures.slice(i, i + IMAGE_BATCH);
      // The same reading as the library's (HEIC, RAW previews and the size limits), picture by picture,
      // so one unreadable file costs only itself.
      const inputs = await Promise.all(
        batch.map((p) => library.imageInput(p.path).catch((e: unknown) => new Error(describeError(e)))),
      );
      const readable = batch.filter((_, j) => !(inputs[j] instanceof Error));
      const vectors = await embedImagesTolerant(
        library.engine,
        inputs.filter((x): x is string | Buffer => !(x instanceof Error)),
      );
      batch.forEach((p, j) => {
        const input = inputs[j];
        if (input instanceof Error) out.set(p.contentId, `the image cannot be read: ${input.message}`);
      });
      const rows: { contentId: string; vector: Float32Array }[] = [];
      readable.forEach((p, j) => {
        const v = vectors[j]!;
        out.set(p.contentId, v);
        if (typeof v !== 'string') rows.push({ contentId: p.contentId, vector: v });
      });
      await table.upsertVectors(modelKey, library.engine.model.embedDim, rows);
      await makeDatasetThumbnails(
        library,
        readable.filter((p) => typeof out.get(p.contentId) !== 'string'),
      );
    }
    return out;
  }

  return {
    embedPictures,
    async vectorsFor(contentIds) {
      const ids = [...new Set(contentIds)];
      const found = await library.getImageVectors(ids);
      let missing = ids.filter((id) => !found.has(id));
      if (missing.length === 0) return found;
      for (const [id, v] of await table.getVectors(modelKey, missing)) found.set(id, v);
      missing = missing.filter((id) => !found.has(id));
      if (missing.length === 0) return found;
      const files = await datasetPictureFiles(library.dataDir);
      const toEmbed = missing.flatMap((id) => {
        const path = files.get(id);
        return path ? [{ contentId: id, path }] : [];
      });
      for (const [id, v] of await embedPictures(toEmbed)) if (typeof v !== 'string') found.set(id, v);
      return found;
    },
  };
}

/** Every dataset picture under `<dataDir>/imported`, by content id (its file name). */
async function datasetPictureFiles(dataDir: string): Promise<Map<string, string>> {
  const root = join(dataDir, IMPORTED_FOLDER);
  const out = new Map<string, string>();
  let datasets: string[];
  try {
    datasets = await readdir(root);
  } catch {
    return out;
  }
  for (const dataset of datasets) {
    let names: string[];
    try {
      names = await readdir(join(root, dataset));
    } catch {
      continue; // a stray file beside the dataset folders
    }
    for (const name of names) {
      const id = basename(name, extname(name));
      if (/^[0-9a-f]{64}$/.test(id)) out.set(id, join(root, dataset, name));
    }
  }
  return out;
}

/**
 * Thumbnails for dataset pictures, which the indexer never sees: the Fine-tuning view lists pairs with
 * them. One that cannot be made leaves a blank square, never a failed import.
 */
export async function makeDatasetThumbnails(
  library: Pick<Library, 'thumbnailTarget'>,
  pictures: readonly PictureToEmbed[],
): Promise<void> {
  for (const p of pictures) {
    const target = library.thumbnailTarget(p.contentId);
    if (!existsSync(target)) await makeThumbnail(p.path, target).catch(() => undefined);
  }
}
