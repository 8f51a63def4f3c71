import type { Connection } from '@lancedb/lancedb';
import { openDatabase, createTableCache } from './database.js';
import { contentsTable, type ContentsTable } from './contents-table.js';
import { filesTable, type FilesTable } from './files-table.js';
import { storeMaintenance, type StoreMaintenance } from './maintenance.js';
import { contentsSchema, filesSchema } from './schemas.js';
import { vectorsTable, type VectorsTable } from './vectors-table.js';

// The library's store: the files, contents and per-model vector tables, behind typed methods. One module
// per concern (files-table, contents-table, vectors-table, maintenance); this file puts them together.

export type { FileRow, FileStatus } from './files-table.js';
export type { ContentFilter, ContentRow } from './contents-table.js';
export type { VectorHit } from './vectors-table.js';
export type { VectorIndexOptions } from './maintenance.js';
export { vectorTableName } from './vectors-table.js';

export interface LibraryStore extends FilesTable, ContentsTable, VectorsTable, StoreMaintenance {
  readonly db: Connection;
  close(): void;
}

const FILES = 'files';
const CONTENTS = 'contents';

export async function openLibraryStore(dataDir: string): Promise<LibraryStore> {
  const db = await openDatabase(dataDir);
  const tables = createTableCache(db);
  const files = await tables.ensure(FILES, filesSchema);
  const contents = await tables.ensure(CONTENTS, contentsSchema);

  return {
    db,
    ...filesTable(files),
    ...contentsTable(contents, files),
    ...vectorsTable(db, tables),
    ...storeMaintenance(db, tables, [FILES, CONTENTS]),
    close() {
      tables.close();
      db.close();
    },
  };
}
