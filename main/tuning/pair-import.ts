import { existsSync, statSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { UserError } from '../errors.js';
import { CANONICAL_EXTENSIONS, sniffFormat } from '../media/formats.js';
import { isUnder } from '../paths.js';
import { writeFileAtomic } from '../temp-files.js';
import type { SkippedItem } from './dataset-embedding.js';
import { DEFAULT_CLASS_TEMPLATE, readFolderDataset } from './folder-dataset.js';
import { contentIdOfBytes } from '../media/content-id.js';
import type { NewPair, PairSource } from './pairs-store.js';
import type { TuningContext } from './tuning-context.js';
import { readTsvPairs } from './tsv-dataset.js';

// Datasets imported as pairs: a TSV file (text<TAB>base64 image) or a folder per class. Their images are
// copied into `<dataDir>/imported/<dataset>/`, a library folder, and indexed like any photo, because
// training runs on the library's stored vectors; a pair is kept only once its photo has a vector.

export interface ImportReport {
  dataset: string;
  /** Where the images were copied: a folder of the library. */
  folder: string;
  /** Pairs added to the pairs table (new ones). */
  imported: number;
  /** Good pairs that were already stored. */
  existing: number;
  skipped: SkippedItem[];
}

export interface PairImport {
  /** A `text<TAB>base64 image` file: images copied into the library, pairs stored; bad lines reported. */
  importTsv(path: string, options?: { name?: string }): Promise<ImportReport>;
  /** A folder-per-class dataset (`dir/<class>/*.jpg`), texts from the template. */
  importFolder(dir: string, options?: { name?: string; template?: string }): Promise<ImportReport>;
  /** TSV file or folder, by what the path is. */
  importPath(path: string, options?: { name?: string; template?: string }): Promise<ImportReport>;
}

/** The folder under the data directory that holds imported datasets. */
export const IMPORTED_FOLDER = 'imported';

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

  /** Makes `<dataDir>/imported` a library folder (once) and returns the dataset's folder inside it. */
  async function datasetFolder(name: string): Promise<string> {
    const root = join(library.dataDir, IMPORTED_FOLDER);
    const dir = join(root, name);
    await mkdir(dir, { recursive: true });
    const folders = await library.listFolders();
    if (!folders.some((f) => isUnder(root, f.path))) {
      try {
        await library.addFolder(root);
      } catch (e) {
        // Already included through a folder that contains the data directory: indexed all the same.
        if (!(e instanceof UserError && e.code === 'folder-already-added')) throw e;
      }
    }
    return dir;
  }

  /** Indexes the copied images, then stores the pairs whose photo got a vector. */
  async function finishImport(
    name: string,
    dir: string,
    items: ImportItem[],
    skipped: SkippedItem[],
  ): Promise<ImportReport> {
    if (items.length > 0) await library.index();
    const vectors = await library.getImageVectors([...new Set(items.map((i) => i.contentId))]);
    const good: NewPair[] = [];
    for (const item of items) {
      if (vectors.has(item.contentId)) {
        good.push({ contentId: item.contentId, text: item.text, source: item.source });
        continue;
      }
      const row = await library.store.getFile(item.path);
      skipped.push({
        ...item.where,
        reason: `the library could not index the image: ${row?.reason ?? 'not indexed'}`,
      });
    }
    let imported = 0;
    let existing = 0;
    for (let i = 0; i < good.length; i += PAIRS_PER_WRITE) {
      const r = await pairs.add(good.slice(i, i + PAIRS_PER_WRITE));
      imported += r.inserted;
      existing += r.existing;
    }
    skipped.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.path ?? '').localeCompare(b.path ?? ''));
    return { dataset: name, folder: dir, imported, existing, skipped };
  }

  async function importTsv(path: string, opts: { name?: string } = {}): Promise<ImportReport> {
    const file = resolve(path);
    if (!existsSync(file)) throw new UserError(`${file} does not exist`, 'file-not-found');
    const name = datasetName(opts.name ?? basename(file, extname(file)));
    const dir = await datasetFolder(name);
    const items: ImportItem[] = [];
    const skipped: SkippedItem[] = [];
    for await (const record of readTsvPairs(file)) {
      if (!record.ok) {
        skipped.push({ line: record.line, reason: record.reason });
        continue;
      }
      const stored = await storeImage(dir, record.image);
      if (typeof stored === 'string') skipped.push({ line: record.line, reason: stored });
      else items.push({ where: { line: record.line }, ...stored, text: record.text, source: 'tsv' });
    }
    return finishImport(name, dir, items, skipped);
  }

  async function importFolder(
    path: string,
    opts: { name?: string; template?: string } = {},
  ): Promise<ImportReport> {
    const root = resolve(path);
    const name = datasetName(opts.name ?? basename(root));
    const dir = await datasetFolder(name);
    const items: ImportItem[] = [];
    const skipped: SkippedItem[] = [];
    for await (const record of readFolderDataset(root, {
      template: opts.template ?? DEFAULT_CLASS_TEMPLATE,
    })) {
      if (!record.ok) {
        skipped.push({ path: record.path, reason: record.reason });
        continue;
      }
      const stored = await storeImage(dir, await readFile(record.path));
      if (typeof stored === 'string') skipped.push({ path: record.path, reason: stored });
      else items.push({ where: { path: record.path }, ...stored, text: record.text, source: 'folder' });
    }
    return finishImport(name, dir, items, skipped);
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
 * written again, and a re-import repairs it. The write goes through a temporary name and a rename, so the
 * library never sees, and never indexes, half an image.
 */
async function storeImage(dir: string, bytes: Buffer): Promise<{ contentId: string; path: string } | string> {
  const sniffed = sniffFormat(bytes.subarray(0, 64));
  const ext = sniffed.kind === 'format' ? CANONICAL_EXTENSIONS[sniffed.format] : undefined;
  if (!ext) return 'not an image format the library reads';
  const contentId = contentIdOfBytes(bytes);
  const path = join(dir, `${contentId}.${ext}`);
  if (!(await holdsContent(path, contentId))) await writeFileAtomic(path, bytes);
  return { contentId, path };
}

/** Whether `path` is a file whose bytes hash to `contentId` (false when missing, empty or different). */
async function holdsContent(path: string, contentId: string): Promise<boolean> {
  try {
    return contentIdOfBytes(await readFile(path)) === contentId;
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
