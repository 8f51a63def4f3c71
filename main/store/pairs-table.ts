import * as lancedb from '@lancedb/lancedb';
import type { Table } from '@lancedb/lancedb';
import { pairsSchema } from './schemas.js';
import { inList, sqlString, type Row } from './sql.js';

// The `pairs` table: the labelled (photo, text) pairs fine-tuning trains on. main/tuning/pairs-store.ts
// checks and identifies pairs and assigns their split; this module reads and writes the rows.

export type PairSplit = 'train' | 'val';
export type PairSource = 'caption' | 'tag' | 'tsv' | 'folder';

/** A labelled (photo, text) pair for fine-tuning. */
export interface Pair {
  /** hash(contentId + text): the same photo with the same text is the same pair, whoever adds it. */
  id: string;
  /** sha256 of the image bytes: the photo's identity by content, whatever its path. */
  contentId: string;
  text: string;
  split: PairSplit;
  source: PairSource;
  /** Milliseconds since the epoch. */
  createdAt: number;
}

export interface PairFilter {
  split?: PairSplit;
  source?: PairSource;
  contentId?: string;
  ids?: string[];
}

export interface PairsTable {
  /** Inserts the pairs whose id is not stored yet (the stored ones are left as they are). */
  insertNew(pairs: readonly Pair[]): Promise<{ inserted: number }>;
  /** Pairs matching the filter, in the table's order; limit and offset page through them. */
  list(filter?: PairFilter & { limit?: number; offset?: number }): Promise<Pair[]>;
  /** Deletes the pairs matching a filter (never every pair); returns how many there were. */
  remove(filter: PairFilter): Promise<number>;
  count(filter?: PairFilter): Promise<number>;
}

function whereOf(filter: PairFilter): string | undefined {
  const parts: string[] = [];
  if (filter.split) parts.push(`split = ${sqlString(filter.split)}`);
  if (filter.source) parts.push(`source = ${sqlString(filter.source)}`);
  if (filter.contentId) parts.push(`contentId = ${sqlString(filter.contentId)}`);
  if (filter.ids) parts.push(filter.ids.length ? inList('id', filter.ids) : 'false');
  return parts.length ? parts.join(' AND ') : undefined;
}

function pairFromRow(r: Row): Pair {
  return {
    id: String(r.id),
    contentId: String(r.contentId),
    text: String(r.text),
    split: r.split as PairSplit,
    source: r.source as PairSource,
    createdAt: Number(r.createdAt),
  };
}

/** The pairs table's methods over the open `pairs` table. */
export function pairsTable(table: Table): PairsTable {
  return {
    async insertNew(pairs) {
      if (pairs.length === 0) return { inserted: 0 };
      const data = lancedb.makeArrowTable(pairs as unknown as Row[], { schema: pairsSchema });
      const result = await table.mergeInsert('id').whenNotMatchedInsertAll().execute(data);
      return { inserted: result.numInsertedRows };
    },
    async list(filter = {}) {
      let q = table.query();
      const where = whereOf(filter);
      if (where) q = q.where(where);
      if (filter.limit !== undefined) q = q.limit(filter.limit);
      if (filter.offset !== undefined) q = q.offset(filter.offset);
      return ((await q.toArray()) as Row[]).map(pairFromRow);
    },
    async remove(filter) {
      const where = whereOf(filter);
      if (!where) throw new Error('refusing to remove every pair without a filter');
      const before = await table.countRows(where);
      await table.delete(where);
      return before;
    },
    async count(filter = {}) {
      return table.countRows(whereOf(filter));
    },
  };
}
