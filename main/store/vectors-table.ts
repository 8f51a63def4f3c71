import { createHash } from 'node:crypto';
import type { Connection } from '@lancedb/lancedb';
import type { TableCache } from './database.js';
import { ANN_NPROBES, annIndexShape, annIsQuantized, annMetricOf } from './ann-index.js';
import { vectorsSchema } from './schemas.js';
import {
  appendRows,
  chunks,
  deleteIn,
  inList,
  queryIn,
  removeDuplicateKeys,
  upsertRows,
  type Row,
} from './sql.js';

// The per-model `vectors__…` tables: each content's L2-normalized image embedding, one table per model
// (models differ in embedding size), and the nearest-neighbour search over them.

export interface VectorHit {
  contentId: string;
  /** Cosine similarity (1 - cosine distance). */
  score: number;
}

export interface VectorsTable {
  upsertVectors(
    modelKey: string,
    dim: number,
    rows: { contentId: string; vector: Float32Array }[],
  ): Promise<void>;
  /**
   * Writes vectors of contents that have none of this model yet (the caller knows): an append, whose cost
   * does not grow with the table (see FilesTable.appendFiles).
   */
  appendVectors(
    modelKey: string,
    dim: number,
    rows: { contentId: string; vector: Float32Array }[],
  ): Promise<void>;
  /**
   * Leaves one vector per content in a model's table (see removeDuplicateKeys); returns how many had
   * several, and the content ids that have a vector.
   */
  removeDuplicateVectors(modelKey: string): Promise<{ repaired: number; contentIds: Set<string> }>;
  getVectors(modelKey: string, contentIds: readonly string[]): Promise<Map<string, Float32Array>>;
  /** Every vector of a model (the sample the adaptive cut-off measures the score distribution on). */
  scanVectors(modelKey: string, limit?: number): Promise<{ contentId: string; vector: Float32Array }[]>;
  countVectors(modelKey: string): Promise<number>;
  /** The `limit` nearest vectors by cosine similarity, best first; with an ANN index, approximate. */
  nearestVectors(
    modelKey: string,
    query: Float32Array,
    /** exact: scan every vector, bypassing the ANN index (what the index is measured against). */
    options: { limit: number; contentIds?: Set<string>; exact?: boolean },
  ): Promise<VectorHit[]>;
  deleteVectorsEverywhere(contentIds: readonly string[]): Promise<void>;
}

export const VECTORS_PREFIX = 'vectors__';
/**
 * The per-model tables of imported datasets' pictures: training data, not library photos, so search,
 * the photo counts and the orphan sweep (which all read `vectors__…` tables only) never see them.
 */
export const DATASET_VECTORS_PREFIX = 'dataset_vectors__';

/** What fine-tuning keeps of a dataset picture: its vector, per model (see DATASET_VECTORS_PREFIX). */
export type DatasetVectorsTable = Pick<VectorsTable, 'getVectors' | 'upsertVectors'>;

/**
 * Re-ranking (refine) reads each candidate's full vector, ~15 µs a row: a page of results gets
 * REFINE_MAX times its size re-ranked exactly; wider searches at least REFINE_ROWS rows, and never fewer
 * than they return, so every returned score is exact.
 */
const REFINE_MAX = 5;
const REFINE_ROWS = 500;

/** The ANN refine factor for a search of `limit` rows. */
function refineFactorFor(limit: number): number {
  return Math.max(1, Math.min(REFINE_MAX, Math.ceil(REFINE_ROWS / Math.max(1, limit))));
}

/** A table name for a model key: readable, safe for LanceDB, and distinct for distinct keys. */
export function vectorTableName(modelKey: string, prefix = VECTORS_PREFIX): string {
  const safe = modelKey.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 60);
  const hash = createHash('sha256').update(modelKey).digest('hex').slice(0, 8);
  return `${prefix}${safe}_${hash}`;
}

/** The names of every model's vector table in the database. */
export async function vectorTableNames(db: Connection): Promise<string[]> {
  return (await db.tableNames()).filter((n) => n.startsWith(VECTORS_PREFIX));
}

/** `v` scaled to length 1 (unchanged when zero). Cosine similarity does not depend on length. */
function unitLength(v: Float32Array): Float32Array {
  let sum = 0;
  for (const x of v) sum += x * x;
  if (sum === 0) return v;
  const k = 1 / Math.sqrt(sum);
  return v.map((x) => x * k);
}

/** Rows to write: one per content (the last wins), each vector checked for length and made unit length. */
function unitRows(rows: { contentId: string; vector: Float32Array }[], dim: number) {
  const byId = new Map(rows.map((r) => [r.contentId, r]));
  return [...byId.values()].map((r) => {
    if (r.vector.length !== dim) throw new Error(`vector of length ${r.vector.length}, expected ${dim}`);
    return { contentId: r.contentId, vector: Array.from(unitLength(r.vector)) };
  });
}

function vectorFromRow(r: Row): Float32Array {
  const v = r.vector as ArrayLike<number> | { toArray(): ArrayLike<number> };
  const arr = 'toArray' in v ? v.toArray() : v;
  return arr instanceof Float32Array ? new Float32Array(arr) : Float32Array.from(arr as ArrayLike<number>);
}

/**
 * The vector tables' methods; a model's table is created by its first write. `prefix` names the family
 * of tables: the library's photos (VECTORS_PREFIX) or the datasets' pictures (DATASET_VECTORS_PREFIX).
 */
export function vectorsTable(db: Connection, tables: TableCache, prefix = VECTORS_PREFIX): VectorsTable {
  const existing = (modelKey: string) => tables.maybe(vectorTableName(modelKey, prefix));

  return {
    async upsertVectors(modelKey, dim, rows) {
      if (rows.length === 0) return;
      const schema = vectorsSchema(dim);
      const table = await tables.ensure(vectorTableName(modelKey, prefix), schema);
      await upsertRows(table, 'contentId', schema, unitRows(rows, dim));
    },
    async appendVectors(modelKey, dim, rows) {
      if (rows.length === 0) return;
      const schema = vectorsSchema(dim);
      const table = await tables.ensure(vectorTableName(modelKey, prefix), schema);
      await appendRows(table, schema, unitRows(rows, dim));
    },
    async removeDuplicateVectors(modelKey) {
      const table = await existing(modelKey);
      if (!table) return { repaired: 0, contentIds: new Set() };
      const schema = await table.schema();
      const { repaired, keys } = await removeDuplicateKeys(table, 'contentId', schema);
      return { repaired, contentIds: keys };
    },
    async getVectors(modelKey, contentIds) {
      const table = await existing(modelKey);
      const out = new Map<string, Float32Array>();
      if (!table || contentIds.length === 0) return out;
      for (const r of await queryIn(table, 'contentId', contentIds))
        out.set(String(r.contentId), vectorFromRow(r));
      return out;
    },
    async scanVectors(modelKey, limit) {
      const table = await existing(modelKey);
      if (!table) return [];
      let q = table.query();
      if (limit !== undefined) q = q.limit(limit);
      const rows = (await q.toArray()) as Row[];
      return rows.map((r) => ({ contentId: String(r.contentId), vector: vectorFromRow(r) }));
    },
    async countVectors(modelKey) {
      const table = await existing(modelKey);
      return table ? table.countRows() : 0;
    },
    async nearestVectors(modelKey, query, { limit, contentIds, exact = false }) {
      const table = await existing(modelKey);
      if (!table || limit <= 0) return [];
      if (contentIds && contentIds.size === 0) return [];
      // Stored vectors have unit length, so the dot product of a unit query ranks and scores exactly as
      // cosine does, without the norm of every stored vector per query (18 vs 37 ms over 10k vectors).
      // An ANN index is searched with the metric it was built with: LanceDB falls back to a brute-force
      // scan when they differ.
      const index = exact ? undefined : (await table.listIndices()).find((i) => i.columns.includes('vector'));
      // An index of an older version has no shape in its name (an IVF_PQ until optimize() replaces it).
      const kind = index ? annIndexShape(index.name)?.kind : undefined;
      const refine = index !== undefined && annIsQuantized(kind);
      const run = async (where?: string) => {
        let q = table
          .vectorSearch(Array.from(unitLength(query)))
          .distanceType(index ? annMetricOf(kind) : 'dot')
          .limit(limit)
          .select(['contentId', '_distance']);
        if (exact) q = q.bypassVectorIndex();
        if (index) q = q.nprobes(ANN_NPROBES);
        // A quantized index's distances are approximate: refine re-ranks its candidates exactly.
        if (refine) q = q.refineFactor(refineFactorFor(limit));
        if (where) q = q.where(where);
        // Columns straight from Arrow: row objects (toArray) cost more than the search at 500 rows.
        const result = await q.toArrow();
        const ids = result.getChild('contentId');
        const distances = result.getChild('_distance');
        const hits: VectorHit[] = new Array(result.numRows);
        for (let i = 0; i < result.numRows; i++) {
          hits[i] = { contentId: String(ids?.get(i)), score: 1 - Number(distances?.get(i)) };
        }
        return hits;
      };
      if (!contentIds) return run();
      const hits: VectorHit[] = [];
      for (const chunk of chunks([...contentIds])) hits.push(...(await run(inList('contentId', chunk))));
      hits.sort((a, b) => b.score - a.score);
      return hits.slice(0, limit);
    },
    async deleteVectorsEverywhere(contentIds) {
      if (contentIds.length === 0) return;
      for (const name of await vectorTableNames(db)) {
        const table = await tables.maybe(name);
        if (table) await deleteIn(table, 'contentId', contentIds);
      }
    },
  };
}
