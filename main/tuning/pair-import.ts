import { existsSync, statSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { UserError } from '../errors.js';
import { readSettings } from '../host/settings.js';
import type { Library } from '../library/library.js';
import { CANONICAL_EXTENSIONS, sniffFormat } from '../media/formats.js';
import { isUnder } from '../paths.js';
import { writeFileAtomic } from '../temp-files.js';
import type { SkippedItem } from './dataset-embedding.js';
import { datasetFolderPath, IMPORTED_FOLDER, makeDatasetThumbnails } from './dataset-pictures.js';
import { DEFAULT_CLASS_TEMPLATE, readFolderDataset } from './folder-dataset.js';
import { contentIdOfBytes } from '../media/content-id.js';
import type { ContentHash } from '../content-hash.js';
import type { NewPair, PairSource } from './pairs-store.js';
import type { TuningContext } from './tuning-context.js';
import { readTsvPairs } from './tsv-dataset.js';

export { IMPORTED_FOLDER };

// Datasets imported as pairs: a TSV file (text<TAB>base64 image) or a folder per class. Their images are
// copied into `<dataDir>/imported/<dataset>/` and embedded as training data, apart from the library (see
// [Note: datasets are not library content] in dataset-pictures.ts); with `intoLibrary`, that folder
// becomes a library folder and is indexed like any photo. A pair is kept only once its image has a vector.

export interface ImportReport {
  dataset: string;
  /** Where the images were copied. */
  folder: string;
  /** Whether the images are library photos (`intoLibrary`, or a folder the library already holds). */
  inLibrary: boolean;
  /** Pairs added to the pairs table (new ones). */
  imported: number;
  /** Good pairs that were already stored. */
  existing: number;
  skipped: SkippedItem[];
}

export interface ImportOptions {
  /** The dataset's folder name; default: the file or folder name. */
  name?: string;
  /** Folder datasets: the text for a class, `{class}` replaced. */
  template?: string;
  /** Make the images library photos (searched, counted, shown) too. Default false: training data only. */
  intoLibrary?: boolean;
}

export interface PairImport {
  /** A `text<TAB>base64 image` file: images copied and embedded, pairs stored; bad lines reported. */
  importTsv(path: string, options?: ImportOptions): Promise<ImportReport>;
  /** A folder-per-class dataset (`dir/<class>/*.jpg`), texts from the template. */
  importFolder(dir: string, options?: ImportOptions): Promise<ImportReport>;
  /** TSV file or folder, by what the path is. */
  importPath(path: string, options?: ImportOptions): Promise<ImportReport>;
}

/** Pairs stored per pairs-table write. */
const PAIRS_PER_WRITE = 1000;

/** One good entry of a dataset, its image copied, waiting for its vector. */
interface ImportItem {
  where: Omit<SkippedItem, 'reason'>;
  contentId: string;
  path: string;
  text: string;
  source: PairSource;
}

export function createPairImport(ctx: TuningContext): PairImport {
  const { library, pairs } = ctx;

  /** The dataset's folder, created; with `intoLibrary`, made a library folder (once). */
  async function datasetFolder(
    name: string,
    intoLibrary: boolean,
  ): Promise<{ dir: string; inLibrary: boolean }> {
    const dir = datasetFolderPath(library.dataDir, name);
    await mkdir(dir, { recursive: true });
    const folders = readSettings(library.dataDir).folders ?? [];
    if (folders.some((f) => isUnder(dir, f.path))) return { dir, inLibrary: true };
    if (intoLibrary) await library.addFolder(dir);
    return { dir, inLibrary: intoLibrary };
  }

  /** Gives the copied images their vectors (indexed, or embedded as training data), then stores the pairs. */
  async function finishImport(
    name: string,
    target: { dir: string; inLibrary: boolean },
    items: ImportItem[],
    skipped: SkippedItem[],
  ): Promise<ImportReport> {
    const problems = new Map<string, string>();
    let vectors: Map<string, unknown>;
    if (target.inLibrary) {
      if (items.length > 0) await library.index();
      vectors = await library.getImageVectors([...new Set(items.map((i) => i.contentId))]);
      for (const item of items) {
        if (vectors.has(item.contentId)) continue;
        const row = await library.store.getFile(item.path);
        problems.set(
          item.contentId,
          `the library could not index the image: ${row?.reason ?? 'not indexed'}`,
        );
      }
    } else {
      const unique = new Map(items.map((i) => [i.contentId, { contentId: i.contentId, path: i.path }]));
      const embedded = await ctx.vectors.embedPictures([...unique.values()]);
      vectors = new Map();
      for (const [id, v] of embedded) {
        if (typeof v === 'string') problems.set(id, v);
        else vectors.set(id, v);
      }
    }
    const good: NewPair[] = [];
    for (const item of items) {
      if (vectors.has(item.contentId))
        good.push({ contentId: item.contentId, text: item.text, source: item.source });
      else skipped.push({ ...item.where, reason: problems.get(item.contentId) ?? 'the image has no vector' });
    }
    let imported = 0;
    let existing = 0;
    for (let i = 0; i < good.length; i += PAIRS_PER_WRITE) {
      const r = await pairs.add(good.slice(i, i + PAIRS_PER_WRITE));
      imported += r.inserted;
      existing += r.existing;
    }
    skipped.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.path ?? '').localeCompare(b.path ?? ''));
    return { dataset: name, folder: target.dir, inLibrary: target.inLibrary, imported, existing, skipped };
  }

  async function importTsv(path: string, opts: ImportOptions = {}): Promise<ImportReport> {
    const file = resolve(path);
    if (!existsSync(file)) throw new UserError(`${file} does not exist`, 'file-not-found');
    const name = datasetName(opts.name ?? basename(file, extname(file)));
    const target = await datasetFolder(name, opts.intoLibrary ?? false);
    const { dir } = target;
    const items: ImportItem[] = [];
    const skipped: SkippedItem[] = [];
    for await (const record of readTsvPairs(file)) {
      if (!record.ok) {
        skipped.push({ line: record.line, reason: record.reason });
        continue;
      }
      const stored = await storeImage(dir, record.image, library.store.contentHash);
      if (typeof stored === 'string') skipped.push({ line: record.line, reason: stored });
      else items.push({ where: { line: record.line }, ...stored, text: record.text, source: 'tsv' });
    }
    return finishImport(name, target, items, skipped);
  }

  async function importFolder(path: string, opts: ImportOptions = {}): Promise<ImportReport> {
    const root = resolve(path);
    const name = datasetName(opts.name ?? basename(root));
    const target = await datasetFolder(name, opts.intoLibrary ?? false);
    const { dir } = target;
    const items: ImportItem[] = [];
    const skipped: SkippedItem[] = [];
    for await (const record of readFolderDataset(root, {
      template: opts.template ?? DEFAULT_CLASS_TEMPLATE,
    })) {
      if (!record.ok) {
        skipped.push({ path: record.path, reason: record.reason });
        continue;
      }
      const stored = await storeImage(dir, await readFile(record.path), library.store.contentHash);
      if (typeof stored === 'string') skipped.push({ path: record.path, reason: stored });
      else items.push({ where: { path: record.path }, ...stored, text: record.text, source: 'folder' });
    }
    return finishImport(name, target, items, skipped);
  }

  return {
    importTsv,
    importFolder,
    async importPath(path, opts = {}) {
      const abs = resolve(path);
      if (!existsSync(abs)) throw new UserError(`${abs} does not exist`, 'file-not-found');
      return statSync(abs).isDirectory() ? importFolder(abs, opts) : importTsv(abs, opts);
    },
  };
}

/**
 * Writes one image into the dataset folder under its content id; a string says why it cannot. The file
 * name is the hash of the bytes, so a copy already there is kept only if it still hashes to its name: a
 * run killed mid-write (before writes went through a temporary file), a truncated or edited copy is
 * written again, and a re-import repairs it. The write goes through a temporary name and a rename, so
 * nothing ever reads, or indexes, half an image.
 */
async function storeImage(
  dir: string,
  bytes: Buffer,
  hash: ContentHash,
): Promise<{ contentId: string; path: string } | string> {
  const sniffed = sniffFormat(bytes.subarray(0, 64));
  const ext = sniffed.kind === 'format' ? CANONICAL_EXTENSIONS[sniffed.format] : undefined;
  if (!ext) return 'not an image format the library reads';
  const contentId = contentIdOfBytes(bytes, hash);
  const path = join(dir, `${contentId}.${ext}`);
  if (!(await holdsContent(path, contentId, hash))) await writeFileAtomic(path, bytes);
  return { contentId, path };
}

/** Whether `path` is a file whose bytes hash to `contentId` (false when missing, empty or different). */
async function holdsContent(path: string, contentId: string, hash: ContentHash): Promise<boolean> {
  try {
    return contentIdOfBytes(await readFile(path), hash) === contentId;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
}

/** A dataset's folder name: letters, digits, dot, dash and underscore. */
function datasetName(raw: string): string {
  const name = raw.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+|-+$/g, '');
  return name || 'dataset';
}

/**
 * Libraries written before datasets were kept apart had `<dataDir>/imported` as a library folder: its
 * pictures filled the photo count, the folders and search. On open, that folder leaves the library; the
 * active model's vectors of its pictures move to the dataset tables first, so their pairs still train
 * without re-embedding (another model's are embedded again when it trains). The files stay where they
 * are. Returns the number of pictures moved, or null when there was nothing to migrate.
 */
export async function moveImportsOutOfLibrary(library: Library): Promise<number | null> {
  const root = join(library.dataDir, IMPORTED_FOLDER);
  const folders = readSettings(library.dataDir).folders ?? [];
  if (!folders.some((f) => f.path === root)) return null;
  const files = (await library.store.filesUnder(root)).filter((f) => f.contentId !== null);
  const ids = [...new Set(files.map((f) => f.contentId!))];
  const stored = await library.getImageVectors(ids);
  await library.store.datasetVectors.upsertVectors(
    library.engine.model.id,
    library.engine.model.embedDim,
    [...stored].map(([contentId, vector]) => ({ contentId, vector })),
  );
  // Pictures the old import left unindexed get their vectors when training asks (PairVectors.vectorsFor).
  await library.removeFolder(root);
  // Leaving the library dropped their thumbnails with the photos: the pairs list shows them again.
  await makeDatasetThumbnails(
    library,
    files.map((f) => ({ contentId: f.contentId!, path: f.path })),
  );
  return ids.length;
}
