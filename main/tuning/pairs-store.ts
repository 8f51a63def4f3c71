import { createHash } from 'node:crypto';
import type { LibraryStore } from '../store/library-store.js';
import type { Pair, PairFilter, PairSource, PairSplit } from '../store/pairs-table.js';

export type { Pair, PairFilter, PairSource, PairSplit } from '../store/pairs-table.js';

export interface NewPair {
  contentId: string;
  text: string;
  source: PairSource;
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

const SOURCES: readonly PairSource[] = ['caption', 'tag', 'tsv', 'folder'];

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

/** The fine-tuning pairs, over the store's `pairs` table (created on first use). */
export async function openPairsStore(
  store: LibraryStore,
  options: PairsStoreOptions = {},
): Promise<PairsStore> {
  const { valFraction = 0.1, splitSeed = 'lookbook' } = options;
  if (!(valFraction >= 0 && valFraction < 1))
    throw new RangeError(`valFraction must be in [0, 1), got ${valFraction}`);
  const table = await store.openPairsTable();

  return {
    async add(pairs) {
      const rows = new Map<string, Pair>();
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
          const split = splitOf(p.contentId, valFraction, splitSeed);
          rows.set(id, { id, contentId: p.contentId, text, split, source: p.source, createdAt: now });
        }
      }
      if (rows.size === 0) return { inserted: 0, existing: 0 };
      const { inserted } = await table.insertNew([...rows.values()]);
      return { inserted, existing: pairs.length - inserted };
    },

    async list(filter = {}) {
      const pairs = await table.list(filter);
      return pairs.sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
    },

    remove: (filter) => table.remove(filter),
    count: (filter = {}) => table.count(filter),
  };
}
