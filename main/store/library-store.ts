import type { Table } from '@lancedb/lancedb';
import type { ContentHash } from '../content-hash.js';
import { openDatabase, createTableCache, storeOpenError } from './database.js';
import { albumsTable, type AlbumsTable } from './albums-table.js';
import { contentHashOf, FACTS, factsSchema } from './content-hash-fact.js';
import { contentsTable, type ContentsTable } from './contents-table.js';
import { filesTable, type FilesTable } from './files-table.js';
import { LEGACY_COLUMNS, renameLegacyColumns } from './legacy-columns.js';
import { storeMaintenance, type StoreMaintenance } from './maintenance.js';
import { pairsTable, type PairsTable } from './pairs-table.js';
import type { RootPaths } from './root-keys.js';
import { rootsTable, type RootsTable } from './roots-table.js';
import { storeLocation, type StoreLocation } from './store-location.js';
import {
  albumItemsSchema,
  albumsSchema,
  contentsSchema,
  filesSchema,
  pairsSchema,
  rootsSchema,
  tagRunsSchema,
  tagsSchema,
  textEmbeddingsSchema,
} from './schemas.js';
import { tagsTable, type TagsTable } from './tags-table.js';
import { textEmbeddingsTable, type TextEmbeddingsTable } from './text-embeddings-table.js';
import {
  DATASET_VECTORS_PREFIX,
  vectorsTable,
  type DatasetVectorsTable,
  type VectorsTable,
} from './vectors-table.js';
import { writerLeaseTable, type WriterLeaseTable } from './writer-lease-table.js';

// The library's store: every table of the data directory's LanceDB database, behind typed methods.
// One module per concern (files-table, contents-table, vectors-table, maintenance, and the tagging and
// tuning tables); this file puts them together. The database connection stays inside main/store/, so
// every SQL filter, with its quoting, is built here and nowhere else.

export type { AlbumKind, AlbumRecord, AlbumsTable } from './albums-table.js';
export type { FileRow, FileState, FileStatus } from './files-table.js';
export type { LeaseRow, WriterLeaseTable } from './writer-lease-table.js';
export { FREE_LEASE } from './writer-lease-table.js';
export type { ContentFilter, ContentRow, ContentSummary } from './contents-table.js';
export type { DatasetVectorsTable, VectorHit } from './vectors-table.js';
export type { VectorIndexOptions } from './maintenance.js';
export { vectorTableName } from './vectors-table.js';
export { DEFAULT_ANN_THRESHOLD } from './maintenance.js';
export { isObjectStoreUri, storeLocation, type StoreLocation } from './store-location.js';
export { ROOT_ID, type RootPaths } from './root-keys.js';
export type { RootRecord, RootsTable } from './roots-table.js';

export interface LibraryStore extends FilesTable, ContentsTable, VectorsTable, StoreMaintenance {
  /** The tags and auto-tagging runs (main/tagging/ builds its tag store on them). */
  openTagsTable(): Promise<TagsTable>;
  /** The fine-tuning pairs (main/tuning/ builds its pairs store on them). */
  openPairsTable(): Promise<PairsTable>;
  /** Vectors of imported datasets' pictures: training data kept apart from the library's photos. */
  readonly datasetVectors: DatasetVectorsTable;
  /** Which hash this library's content ids are: SHA-256 for libraries written before BLAKE3 (content-hash-fact.ts). */
  readonly contentHash: ContentHash;
  /** The cached caption embeddings fine-tuning reuses between runs. */
  openTextEmbeddingsTable(): Promise<TextEmbeddingsTable>;
  /** The albums and their photos (main/albums/ builds its album service on them). */
  openAlbumsTable(): Promise<AlbumsTable>;
  /** The library's roots, and the moves of file rows onto them (see [Note: roots] in root-keys.ts). */
  openRootsTable(): Promise<RootsTable>;
  /**
   * Where this machine has each root: the library's folder registry gives it (the same map object until
   * the mapping changes). Until it is set, no root is mapped: only rows stored with absolute paths show.
   */
  useRootPaths(paths: () => RootPaths): void;
  /** Who may write this library now (see [Note: the writer lease]); opened once, on first use. */
  openWriterLease(): Promise<WriterLeaseTable>;
  /** Where the tables are: in the data directory, or shared with other computers. */
  readonly location: StoreLocation;
  close(): void;
}

const FILES = 'files';
const CONTENTS = 'contents';
const TAGS = 'tags';
const TAG_RUNS = 'tag_runs';
const PAIRS = 'pairs';
const TEXT_EMBEDDINGS = 'tuning_text_embeddings';
const ALBUMS = 'albums';
const ALBUM_ITEMS = 'album_items';
const ROOTS = 'roots';
const NO_ROOTS: RootPaths = new Map();

/** Renames the columns an earlier version wrote in snake_case, once, when the table is opened. */
const migrated = (name: string) => (table: Table) => renameLegacyColumns(table, LEGACY_COLUMNS[name] ?? {});

/** Opens the store of a data directory: its own tables, or those at `location` (see store-location.ts). */
export async function openLibraryStore(
  dataDir: string,
  location: StoreLocation = storeLocation(dataDir),
): Promise<LibraryStore> {
  const db = await openDatabase(location);
  const tables = createTableCache(db);
  let files: Table, contents: Table;
  try {
    // The first requests an object store answers: wrong credentials, endpoint or bucket show here.
    files = await tables.ensure(FILES, filesSchema);
    contents = await tables.ensure(CONTENTS, contentsSchema);
  } catch (e) {
    tables.close();
    db.close();
    throw storeOpenError(e, location) ?? e;
  }
  const contentHash = await contentHashOf(db, await tables.ensure(FACTS, factsSchema), contents, [
    FILES,
    CONTENTS,
  ]);

  const datasets = vectorsTable(db, tables, DATASET_VECTORS_PREFIX);
  let rootPaths = (): RootPaths => NO_ROOTS;
  let lease: Promise<WriterLeaseTable> | undefined;

  return {
    ...filesTable(files, () => rootPaths()),
    ...contentsTable(contents, files),
    ...vectorsTable(db, tables),
    // Albums change one photo at a time (a version each): compacted with the library's tables.
    ...storeMaintenance(db, tables, [FILES, CONTENTS, ALBUMS, ALBUM_ITEMS]),
    contentHash,
    datasetVectors: { getVectors: datasets.getVectors, upsertVectors: datasets.upsertVectors },
    async openTagsTable() {
      const [tags, runs] = await Promise.all([
        tables.ensure(TAGS, tagsSchema, migrated(TAGS)),
        tables.ensure(TAG_RUNS, tagRunsSchema, migrated(TAG_RUNS)),
      ]);
      return tagsTable(tags, runs);
    },
    async openPairsTable() {
      return pairsTable(await tables.ensure(PAIRS, pairsSchema, migrated(PAIRS)));
    },
    async openTextEmbeddingsTable() {
      return textEmbeddingsTable(await tables.ensure(TEXT_EMBEDDINGS, textEmbeddingsSchema));
    },
    async openAlbumsTable() {
      const [albums, items] = await Promise.all([
        tables.ensure(ALBUMS, albumsSchema),
        tables.ensure(ALBUM_ITEMS, albumItemsSchema),
      ]);
      return albumsTable(albums, items);
    },
    async openRootsTable() {
      return rootsTable(await tables.ensure(ROOTS, rootsSchema), files);
    },
    useRootPaths(paths) {
      rootPaths = paths;
    },
    openWriterLease() {
      lease ??= writerLeaseTable(db);
      lease.catch(() => (lease = undefined));
      return lease;
    },
    location,
    close() {
      tables.close();
      db.close();
    },
  };
}
