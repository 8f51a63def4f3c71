import { existsSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import type { ClipEngine } from '../engine/types.js';
import { UserError, describeError } from '../errors.js';
import { readFolderDataset } from './folder-dataset.js';
import type { TextEmbeddingCache } from './text-embedding-cache.js';
import { readTsvPairs } from './tsv-dataset.js';

// Datasets embedded straight from their files, for evaluation and feature export: nothing is added to the
// library. A line or image that cannot be read is skipped and reported; the rest are still embedded.

/** A line (TSV) or file (folder dataset) that was left out, and why. */
export interface SkippedItem {
  line?: number;
  path?: string;
  reason: string;
}

/** Images per engine call. */
export const IMAGE_BATCH = 32;

/** A TSV dataset's good lines, both sides embedded; `ids` are their line numbers. */
export interface EmbeddedTsv {
  ids: number[];
  texts: string[];
  image: Float32Array[];
  text: Float32Array[];
  skipped: SkippedItem[];
}

/** Embeds a batch; when the batch fails, one at a time, so one bad image costs only itself. */
export async function embedImagesTolerant(
  engine: ClipEngine,
  inputs: (Buffer | string)[],
): Promise<(Float32Array | string)[]> {
  if (inputs.length === 0) return [];
  try {
    return await engine.embedImages(inputs);
  } catch {
    const out: (Float32Array | string)[] = [];
    for (const input of inputs) {
      try {
        out.push((await engine.embedImages([input]))[0]!);
      } catch (e) {
        out.push(`image cannot be encoded: ${describeError(e)}`);
      }
    }
    return out;
  }
}

/** Reads a TSV's good lines and embeds both sides with the engine. */
export async function embedTsv(
  engine: ClipEngine,
  textCache: TextEmbeddingCache,
  path: string,
): Promise<EmbeddedTsv> {
  const file = resolve(path);
  if (!existsSync(file)) throw new UserError(`${file} does not exist`, 'file-not-found');
  const ids: number[] = [];
  const texts: string[] = [];
  const image: Float32Array[] = [];
  const skipped: SkippedItem[] = [];
  let batch: { line: number; text: string; image: Buffer }[] = [];
  const flush = async () => {
    const vectors = await embedImagesTolerant(
      engine,
      batch.map((b) => b.image),
    );
    batch.forEach((b, i) => {
      const v = vectors[i]!;
      if (typeof v === 'string') skipped.push({ line: b.line, reason: v });
      else {
        ids.push(b.line);
        texts.push(b.text);
        image.push(v);
      }
    });
    batch = [];
  };
  for await (const record of readTsvPairs(file)) {
    if (!record.ok) skipped.push({ line: record.line, reason: record.reason });
    else {
      batch.push(record);
      if (batch.length === IMAGE_BATCH) await flush();
    }
  }
  if (batch.length) await flush();
  return { ids, texts, image, text: await textCache.embed(texts), skipped };
}

/** A folder-per-class dataset's images (ids: their paths under the folder, with '/') and texts. */
export interface EmbeddedFolder {
  /** Empty when the images were not asked for. */
  images: { id: string; vector: Float32Array }[];
  /** The text of every good image (not embedded: the caller embeds what it needs). */
  texts: { id: string; text: string }[];
  skipped: SkippedItem[];
}

/** Reads a folder-per-class dataset, embedding its images unless `withImages` is false. */
export async function embedFolder(
  engine: ClipEngine,
  dir: string,
  options: { template: string; withImages: boolean },
): Promise<EmbeddedFolder> {
  const root = resolve(dir);
  const good: { id: string; path: string; text: string }[] = [];
  const out: EmbeddedFolder = { images: [], texts: [], skipped: [] };
  for await (const r of readFolderDataset(root, { template: options.template })) {
    if (r.ok) good.push({ id: relative(root, r.path).split('\\').join('/'), path: r.path, text: r.text });
    else out.skipped.push({ path: r.path, reason: r.reason });
  }
  for (let i = 0; i < good.length; i += IMAGE_BATCH) {
    const chunk = good.slice(i, i + IMAGE_BATCH);
    const vectors = options.withImages
      ? await embedImagesTolerant(
          engine,
          chunk.map((g) => g.path),
        )
      : chunk.map(() => null);
    chunk.forEach((g, j) => {
      const v = vectors[j];
      if (typeof v === 'string') out.skipped.push({ path: g.path, reason: v });
      else {
        if (v) out.images.push({ id: g.id, vector: v });
        out.texts.push({ id: g.id, text: g.text });
      }
    });
  }
  return out;
}
