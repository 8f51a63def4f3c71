import * as lancedb from '@lancedb/lancedb';
import type { Connection, Table } from '@lancedb/lancedb';
import { totalmem } from 'node:os';
import type { TableCache } from './database.js';
import { ANN_KIND, ANN_METRIC, annIndexName, annIndexShape, annPartitionsFor } from './ann-index.js';
import { VECTORS_PREFIX, vectorTableName, vectorTableNames } from './vectors-table.js';

// Keeping the library's tables fast: compaction, the scalar (BTREE) indexes lookups use, and the ANN
// index of large vector tables.

export interface VectorIndexOptions {
  /** Build an ANN index once a model's table holds at least this many rows (see DEFAULT_ANN_THRESHOLD). */
  annThreshold: number;
}

/**
 * Below this many photos a model's vectors are searched exactly (a brute-force scan); from it on, through
 * the ANN index. The scan costs ~2.5 µs a photo here (27 ms at 10,000, 124 ms at 100,000: BENCHMARKS.md
 * section 3), the index ~10 ms with recall@10 ≥ 0.99 from 20,000 on (bench/ann-sweep.ts): past 20,000
 * the scan alone would use up a text query's 30–50 ms.
 */
export const DEFAULT_ANN_THRESHOLD = 20_000;

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
  /**
   * Loads a model's ANN index into LanceDB's index cache now, and again whenever optimize() rebuilds it,
   * when it fits in ANN_PREWARM_MEMORY_SHARE of the machine's memory; says whether it did. A search
   * reads each partition it scans from disk the first time (at a million photos: p50 30-40 ms, p95
   * 150-250 ms until the partitions a person's searches touch are cached, against ~10 ms after), so a
   * process that stays open (the app, the web mode) warms it once; a one-shot CLI search does not.
   */
  keepAnnIndexWarm(modelKey: string): Promise<boolean>;
}

/**
 * The share of the machine's memory an ANN index may take to be loaded ahead of searches: an IVF_FLAT
 * index holds every vector (2 KB a photo at 512-d: 200 MB at 100,000 photos, 2 GB at a million), which
 * searches cache anyway as they touch the partitions (LanceDB's index cache holds up to 6 GB).
 */
export const ANN_PREWARM_MEMORY_SHARE = 1 / 8;

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

const vectorIndexNames = async (table: Table) =>
  (await table.listIndices()).filter((i) => i.columns.includes('vector')).map((i) => i.name);
const hasVectorIndex = async (table: Table) => (await vectorIndexNames(table)).length > 0;

/**
 * Whether a vector table of `rows` rows needs its ANN index (re)built: it has none, has one of another
 * kind (an index built by an older version), or has grown so that it should have twice the partitions
 * (4× the rows): rows added after a build go into the existing partitions (compaction indexes them but
 * does not re-split), and each search scans ANN_NPROBES partitions, so its cost grows with their size.
 */
function needsAnnBuild(names: string[], rows: number): boolean {
  if (names.length === 0) return true;
  const shape = names.map(annIndexShape).find((s) => s !== undefined);
  if (!shape || shape.kind !== ANN_KIND) return true;
  return annPartitionsFor(rows) >= 2 * shape.partitions;
}

/** Maintenance of the vector tables and of `tableNames` (files, contents, the albums' tables). */
export function storeMaintenance(db: Connection, tables: TableCache, tableNames: string[]): StoreMaintenance {
  /** The vector tables whose ANN index is kept in the cache (see keepAnnIndexWarm). */
  const keptWarm = new Set<string>();
  /** Loads `table`'s ANN index into the cache when it has one that fits (see ANN_PREWARM_MEMORY_SHARE). */
  async function prewarm(table: Table): Promise<boolean> {
    const [name] = await vectorIndexNames(table);
    if (!name) return false;
    const vector = (await table.schema()).fields.find((f) => f.name === 'vector');
    const dim = (vector?.type as { listSize?: number } | undefined)?.listSize ?? 512;
    const bytes = (await table.countRows()) * (dim * 4 + 16);
    if (bytes > totalmem() * ANN_PREWARM_MEMORY_SHARE) return false;
    await table.prewarmIndex(name);
    return true;
  }
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
        // k-means needs a few hundred rows; smaller tables stay exact anyway.
        if (rows < Math.max(annThreshold, 256)) continue;
        const existing = await vectorIndexNames(table);
        if (!needsAnnBuild(existing, rows)) continue;
        const numPartitions = annPartitionsFor(rows);
        await table.createIndex('vector', {
          config: lancedb.Index.ivfFlat({ distanceType: ANN_METRIC, numPartitions }),
          name: annIndexName(numPartitions),
          replace: true,
        });
        // Another name (an older index) would stay beside the new one: a search might pick either.
        for (const old of existing) if (old !== annIndexName(numPartitions)) await table.dropIndex(old);
        indexed.push(name);
        if (keptWarm.has(name)) await prewarm(table);
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
    async keepAnnIndexWarm(modelKey) {
      const name = vectorTableName(modelKey);
      keptWarm.add(name);
      const table = await tables.maybe(name);
      return table ? prewarm(table) : false;
    },
    async hasAnnIndex(modelKey) {
      const table = await tables.maybe(vectorTableName(modelKey));
      return table ? hasVectorIndex(table) : false;
    },
  };
}
