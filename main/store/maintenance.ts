import * as lancedb from '@lancedb/lancedb';
import type { Connection, Table } from '@lancedb/lancedb';
import type { TableCache } from './database.js';
import { VECTORS_PREFIX, vectorTableName, vectorTableNames } from './vectors-table.js';

// Keeping the library's tables fast: compaction, the scalar (BTREE) indexes lookups use, and the ANN
// index of large vector tables.

export interface VectorIndexOptions {
  /** Build an ANN index once a model's table holds at least this many rows (IVF_PQ needs ≥ 256). */
  annThreshold: number;
}

export interface StoreMaintenance {
  /**
   * Compacts every table, builds the scalar (BTREE) indexes the lookups by content id and path use, and
   * the ANN index for large vector tables; compaction also brings existing indexes up to date.
   */
  optimize(options: VectorIndexOptions): Promise<{ indexed: string[] }>;
  /**
   * Compacts the tables a long index run appends to (files, contents and this model's vectors) and
   * brings their scalar indexes up to date, without the ANN index: many small fragments slow every read
   * and every merge, and a merge finds its keys through the index only in the rows it covers.
   */
  compactForWrites(modelKey: string): Promise<void>;
  hasAnnIndex(modelKey: string): Promise<boolean>;
}

/** Scalar (BTREE) indexes optimize() keeps, per table: the columns lookups filter on with `=`/`IN`. */
const SCALAR_INDEXES: Record<string, string[]> = {
  files: ['path', 'contentId'],
  contents: ['contentId'],
  album_items: ['albumId'],
};
const VECTOR_SCALAR_INDEXES = ['contentId'];

async function ensureScalarIndexes(table: Table, columns: readonly string[]): Promise<void> {
  if (columns.length === 0 || (await table.countRows()) === 0) return;
  const indices = await table.listIndices();
  for (const column of columns) {
    if (indices.some((i) => i.columns.length === 1 && i.columns[0] === column)) continue;
    await table.createIndex(column, { config: lancedb.Index.btree() });
  }
}

const hasVectorIndex = async (table: Table) =>
  (await table.listIndices()).some((i) => i.columns.includes('vector'));

/** Maintenance of the vector tables and of `tableNames` (files, contents, the albums' tables). */
export function storeMaintenance(db: Connection, tables: TableCache, tableNames: string[]): StoreMaintenance {
  return {
    async optimize({ annThreshold }) {
      const indexed: string[] = [];
      for (const name of [...tableNames, ...(await vectorTableNames(db))]) {
        const table = await tables.maybe(name);
        if (!table) continue;
        // Keep a short history only: every merge writes a version, and old versions cost disk.
        await table.optimize({ cleanupOlderThan: new Date(Date.now() - 60_000) });
        const vectors = name.startsWith(VECTORS_PREFIX);
        await ensureScalarIndexes(table, vectors ? VECTOR_SCALAR_INDEXES : (SCALAR_INDEXES[name] ?? []));
        if (!vectors) continue;
        const rows = await table.countRows();
        if (rows >= Math.max(annThreshold, 256) && !(await hasVectorIndex(table))) {
          // IVF_PQ on cosine: vectors are L2-normalized, so cosine ranks exactly as the flat search does
          // up to quantization, which refineFactor corrects. ~sqrt(rows) partitions is LanceDB's guidance.
          const numPartitions = Math.max(1, Math.min(256, Math.round(Math.sqrt(rows))));
          await table.createIndex('vector', {
            config: lancedb.Index.ivfPq({ distanceType: 'cosine', numPartitions }),
          });
          indexed.push(name);
        }
      }
      return { indexed };
    },
    async compactForWrites(modelKey) {
      for (const name of ['files', 'contents', vectorTableName(modelKey)]) {
        const table = await tables.maybe(name);
        if (!table) continue;
        await table.optimize({ cleanupOlderThan: new Date(Date.now() - 60_000) });
        await ensureScalarIndexes(
          table,
          name.startsWith(VECTORS_PREFIX) ? VECTOR_SCALAR_INDEXES : (SCALAR_INDEXES[name] ?? []),
        );
      }
    },
    async hasAnnIndex(modelKey) {
      const table = await tables.maybe(vectorTableName(modelKey));
      return table ? hasVectorIndex(table) : false;
    },
  };
}
