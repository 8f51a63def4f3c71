import { createHash } from 'node:crypto';
import type { LibraryStore } from '../store/library-store.js';
import type { Pair, PairFilter, PairSource, PairSplit } from '../store/pairs-table.js';
import { onePerTextAndPhoto } from './recall.js';

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

/**
 * How the stored pairs are used, the one count that `pairs list`, `tune`, the API and the app all show:
 * the training split is trained on; the held-out split measures recall, one pair per distinct caption
 * and photo (see onePerTextAndPhoto); held-out pairs repeating a caption or photo are neither trained on
 * (their photo is held out) nor measured.
 */
export interface PairSets {
  train: Pair[];
  /** The held-out pairs recall is measured on. */
  measured: Pair[];
  /** Held-out pairs that repeat a caption or photo of a measured one. */
  repeats: Pair[];
}

export function pairSets(pairs: readonly Pair[]): PairSets {
  const train = pairs.filter((p) => p.split === 'train');
  // By pair id, so which of the repeats is measured does not depend on the order they were added in.
  const val = pairs.filter((p) => p.split === 'val').sort((a, b) => a.id.localeCompare(b.id));
  const measured = onePerTextAndPhoto(
    val,
    (p) => p.text,
    (p) => p.contentId,
  );
  const kept = new Set(measured);
  return { train, measured, repeats: val.filter((p) => !kept.has(p)) };
}

export interface PairCounts {
  total: number;
  photos: number;
  /** Pairs trained on. */
  train: number;
  /** Held-out pairs recall is measured on. */
  measured: number;
  /** Held-out pairs not measured: they repeat a caption or photo. */
  repeats: number;
}

export function countPairs(pairs: readonly Pair[]): PairCounts {
  const sets = pairSets(pairs);
  return {
    total: pairs.length,
    photos: new Set(pairs.map((p) => p.contentId)).size,
    train: sets.train.length,
    measured: sets.measured.length,
    repeats: sets.repeats.length,
  };
}

/** "159 pairs: 154 to train on, 5 held out to measure recall (1 more repeats a caption or photo)". */
export function describePairCounts(c: PairCounts): string {
  const pairs = (n: number) => `${n} ${n === 1 ? 'pair' : 'pairs'}`;
  const repeats = c.repeats
    ? ` (${c.repeats} more held out ${c.repeats === 1 ? 'repeats' : 'repeat'} a caption or photo and ${c.repeats === 1 ? 'is' : 'are'} not counted)`
    : '';
  return `${pairs(c.total)}: ${c.train} to train on, ${c.measured} held out to measure recall${repeats}`;
}
