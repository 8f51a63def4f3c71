import { createHash } from 'node:crypto';
import { Field, Float64, Schema, Utf8 } from 'apache-arrow';
import type { Connection, Table } from '@lancedb/lancedb';
import { openOrCreateTable, sqlString } from '../store/database.js';

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

export interface NewPair {
  contentId: string;
  text: string;
  source: PairSource;
}

export interface PairFilter {
  split?: PairSplit;
  source?: PairSource;
  contentId?: string;
  ids?: string[];
}

export interface PairsStore {
  /** Adds pairs; ones already stored (same id) are left as they are. */
  add(pairs: readonly NewPair[]): Promise<{ inserted: number; existing: number }>;
  list(filter?: PairFilter & { limit?: number; offset?: number }): Promise<Pair[]>;
  remove(filter: PairFilter): Promise<number>;
  count(filter?: PairFilter): Promise<number>;
}

export interface PairsStoreOptions {
  /** Share of photos held out for validation. Default 0.1. */
  valFraction?: number;
  /** Changing it reshuffles which photos are held out. Default 'lookbook'. */
  splitSeed?: string;
}

export const PAIRS_TABLE = 'pairs';

export const pairsSchema = new Schema([
  new Field('id', new Utf8(), false),
  new Field('content_id', new Utf8(), false),
  new Field('text', new Utf8(), false),
  new Field('split', new Utf8(), false),
  new Field('source', new Utf8(), false),
  new Field('created_at', new Float64(), false),
]);

const SOURCES: readonly PairSource[] = ['caption', 'tag', 'tsv', 'folder'];

/** The content id of an image: sha256 of its bytes, hex. */
export function contentIdOf(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function pairId(contentId: string, text: string): string {
  return createHash('sha256').update(`${contentId}\n${text}`).digest('hex');
}

/**
 * Deterministic train/val split. It hashes the photo's content id rather than the pair id, so all the
 * texts of one photo land on the same side: a photo in both splits would let validation recall measure
 * memorization, not generalization.
 */
export function splitOf(contentId: string, valFraction: number, seed: string): PairSplit {
  const h = createHash('sha256').update(`${seed}\n${contentId}`).digest();
  return h.readUInt32BE(0) / 2 ** 32 < valFraction ? 'val' : 'train';
}

/** The `pairs` table in the library's LanceDB database (created on first use). */
export async function openPairsStore(db: Connection, options: PairsStoreOptions = {}): Promise<PairsStore> {
  const { valFraction = 0.1, splitSeed = 'lookbook' } = options;
  if (!(valFraction >= 0 && valFraction < 1))
    throw new RangeError(`valFraction must be in [0, 1), got ${valFraction}`);
  const table: Table = await openOrCreateTable(db, PAIRS_TABLE, pairsSchema);

  return {
    async add(pairs) {
      const rows = new Map<string, Record<string, unknown>>();
      const now = Date.now();
      for (const p of pairs) {
        const text = p.text.trim();
        if (!/^[0-9a-f]{64}$/.test(p.contentId))
          throw new Error(`not a content id (sha256 hex): ${p.contentId}`);
        if (text === '') throw new Error(`empty text for photo ${p.contentId}`);
        if (!SOURCES.includes(p.source)) throw new Error(`unknown pair source: ${String(p.source)}`);
        const id = pairId(p.contentId, text);
        // Within one call the first occurrence wins, as against the table.
        if (!rows.has(id)) {
          rows.set(id, {
            id,
            content_id: p.contentId,
            text,
            split: splitOf(p.contentId, valFraction, splitSeed),
            source: p.source,
            created_at: now,
          });
        }
      }
      if (rows.size === 0) return { inserted: 0, existing: 0 };
      const result = await table
        .mergeInsert('id')
        .whenNotMatchedInsertAll()
        .execute([...rows.values()]);
      return { inserted: result.numInsertedRows, existing: pairs.length - result.numInsertedRows };
    },

    async list(filter = {}) {
      let q = table.query();
      const where = whereOf(filter);
      if (where) q = q.where(where);
      if (filter.limit !== undefined) q = q.limit(filter.limit);
      if (filter.offset !== undefined) q = q.offset(filter.offset);
      const rows = (await q.toArray()) as Record<string, unknown>[];
      return rows.map(rowToPair).sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
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

// Every SQL filter on the pairs table is built here, values quoted with sqlString.
function whereOf(filter: PairFilter): string | undefined {
  const parts: string[] = [];
  if (filter.split) parts.push(`split = ${sqlString(filter.split)}`);
  if (filter.source) parts.push(`source = ${sqlString(filter.source)}`);
  if (filter.contentId) parts.push(`content_id = ${sqlString(filter.contentId)}`);
  if (filter.ids) parts.push(filter.ids.length ? `id IN (${filter.ids.map(sqlString).join(', ')})` : 'false');
  return parts.length ? parts.join(' AND ') : undefined;
}

function rowToPair(r: Record<string, unknown>): Pair {
  return {
    id: String(r.id),
    contentId: String(r.content_id),
    text: String(r.text),
    split: r.split as PairSplit,
    source: r.source as PairSource,
    createdAt: Number(r.created_at),
  };
}
