// Text-query latency at library scale. The stored vectors are synthetic (random unit vectors: the cost of
// a search does not depend on what the vectors mean), written through the library's own store with
// matching content and file rows, so core.search.search() runs exactly as it would on a real library of
// that size: text encoding, vector search (flat or IVF_PQ), the adaptive cut-off, the metadata join.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { Core } from '../main/core/open-core.js';
import type { Library } from '../main/library/library.js';
import { DEFAULT_LIMIT, FIRST_CANDIDATES, MAX_CANDIDATES } from '../main/search/searcher.js';
import { openDatabase } from '../main/store/database.js';
import { storeLocation } from '../main/store/store-location.js';
import { vectorTableName, type ContentRow, type FileRow } from '../main/store/library-store.js';
import { summarize, type LatencySummary } from './stats.js';

/** Queries of everyday lengths (3–12 words), as people type them into a photo search. */
export const BENCH_QUERIES = [
  'dog',
  'a red car',
  'sunset over the sea',
  'kids playing in the snow',
  'birthday cake with candles',
  'my cat sleeping on the sofa',
  'mountains with a lake in front of them',
  'a plate of pasta on a wooden table',
  'people dancing at a wedding party at night',
  'an old stone bridge over a river in autumn with yellow trees',
  'receipt',
  'screenshot of a map',
  'beach umbrella',
  'city skyline at night with lights reflecting in the water',
  'a bicycle leaning against a blue wall',
  'flowers in a garden',
  'whiteboard with notes from a meeting',
  'a black and white portrait of an old man',
  'fireworks',
  'breakfast',
];

/** A deterministic pseudo-random generator (mulberry32) and Gaussian samples from it. */
function gaussian(seed: number): () => number {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

export function randomUnitVector(next: () => number, dim: number): Float32Array {
  const v = new Float32Array(dim);
  let sum = 0;
  for (let i = 0; i < dim; i++) {
    v[i] = next();
    sum += v[i]! * v[i]!;
  }
  const inv = 1 / Math.sqrt(sum);
  for (let i = 0; i < dim; i++) v[i] = v[i]! * inv;
  return v;
}

function syntheticContentId(i: number): string {
  return createHash('sha256').update(`lookbook-bench-photo-${i}`).digest('hex');
}

export interface FillResult {
  rows: number;
  seconds: number;
}

/**
 * Adds photos `from`..`to`-1 to the library's store: a random unit vector for the active model, a content
 * row and a file row each, in chunks as an indexing run would write them (through the store's upserts).
 */
export async function fillSyntheticLibrary(
  library: Library,
  from: number,
  to: number,
  chunk = 10_000,
): Promise<FillResult> {
  const t0 = performance.now();
  const { store, engine } = library;
  const dim = engine.model.embedDim;
  const next = gaussian(from + 17);
  const folder = join(library.dataDir, 'synthetic-photos');
  for (let start = from; start < to; start += chunk) {
    const end = Math.min(to, start + chunk);
    const vectors: { contentId: string; vector: Float32Array }[] = [];
    const contents: ContentRow[] = [];
    const files: FileRow[] = [];
    for (let i = start; i < end; i++) {
      const contentId = syntheticContentId(i);
      vectors.push({ contentId, vector: randomUnitVector(next, dim) });
      const takenAt = Date.UTC(2015, 0, 1) + i * 3_600_000;
      contents.push({
        contentId,
        width: 4000,
        height: 3000,
        takenAt,
        takenAtSource: 'exif',
        cameraMake: 'Lookbook',
        cameraModel: 'Bench Camera 12MP',
        latitude: null,
        longitude: null,
        format: 'jpeg',
        size: 4_000_000,
        thumbnail: true,
        addedAt: Date.now(),
      });
      files.push({
        path: join(folder, `${String(Math.floor(i / 1000)).padStart(3, '0')}`, `IMG_${i}.jpg`),
        folder,
        contentId,
        size: 4_000_000,
        mtimeMs: takenAt,
        status: 'indexed',
        code: null,
        reason: null,
        updatedAt: Date.now(),
      });
    }
    await store.upsertVectors(engine.model.id, dim, vectors);
    await store.upsertContents(contents);
    await store.upsertFiles(files);
  }
  return { rows: to - from, seconds: (performance.now() - t0) / 1000 };
}

export interface QueryLatency {
  /** core.search.search(text): text encoding + vector search + cut-off + join, ms. */
  search: LatencySummary;
  /** engine.embedTexts([text]) alone, ms. */
  encode: LatencySummary;
  /** store.nearestVectors for the searcher's widest candidate count (MAX_CANDIDATES), ms. */
  vectorSearch: LatencySummary;
  /** store.nearestVectors for one page of results (50), ms. */
  vectorSearchPage: LatencySummary;
  /** store.nearestVectors for the searcher's first fetch (FIRST_CANDIDATES), ms; absent in older runs. */
  vectorSearchFirst?: LatencySummary;
  /**
   * Joining the first page of kept results with their paths and content rows as the searcher does
   * (store.indexedPaths, cached, + getContents), ms. Older runs joined every kept result.
   */
  join: LatencySummary;
  /**
   * Share of the exact 10 nearest neighbours (LanceDB's brute-force scan) among the first 10 candidates
   * of the searcher's first fetch, over all queries; absent in older runs.
   */
  recallAt10?: number;
  /** Results kept by the cut-off (median), to show the search returns something. */
  medianResults: number;
}

/** The exact `k` nearest content ids of each query: LanceDB's brute-force scan, bypassing any index. */
async function exactNeighbours(library: Library, queries: Float32Array[], k: number): Promise<string[][]> {
  // A connection of its own: the store keeps its connection to itself.
  const db = await openDatabase(storeLocation(library.dataDir));
  const table = await db.openTable(vectorTableName(library.engine.model.id));
  try {
    const out: string[][] = [];
    for (const q of queries) {
      const rows = (await table
        .vectorSearch(Array.from(q))
        .distanceType('cosine')
        .bypassVectorIndex()
        .limit(k)
        .select(['contentId', '_distance'])
        .toArray()) as { contentId: string }[];
      out.push(rows.map((r) => String(r.contentId)));
    }
    return out;
  } finally {
    table.close();
    db.close();
  }
}

/** Runs every query `rounds` times after one warm-up pass; all timings in milliseconds. */
export async function measureQueries(
  core: Core,
  queries: readonly string[],
  rounds: number,
): Promise<QueryLatency> {
  const search: number[] = [];
  const encode: number[] = [];
  const vector: number[] = [];
  const page: number[] = [];
  const first: number[] = [];
  const joins: number[] = [];
  const results: number[] = [];
  const library = core.library;
  const key = library.engine.model.id;
  const vectors = await library.engine.embedTexts([...queries]);
  for (const q of queries) await core.search.search(q);
  for (let r = 0; r < rounds; r++) {
    for (const [i, q] of queries.entries()) {
      let t0 = performance.now();
      const response = await core.search.search(q);
      search.push(performance.now() - t0);
      results.push(response.total);
      t0 = performance.now();
      await library.engine.embedTexts([q]);
      encode.push(performance.now() - t0);
      t0 = performance.now();
      await library.store.nearestVectors(key, vectors[i]!, { limit: MAX_CANDIDATES });
      vector.push(performance.now() - t0);
      t0 = performance.now();
      const hits = await library.store.nearestVectors(key, vectors[i]!, { limit: FIRST_CANDIDATES });
      first.push(performance.now() - t0);
      t0 = performance.now();
      await library.store.nearestVectors(key, vectors[i]!, { limit: 50 });
      page.push(performance.now() - t0);
      const shown = hits.slice(0, Math.min(response.total, DEFAULT_LIMIT)).map((h) => h.contentId);
      t0 = performance.now();
      await library.store.indexedPaths();
      await library.store.getContents(shown);
      joins.push(performance.now() - t0);
    }
  }
  const exact = await exactNeighbours(library, vectors, 10);
  let found = 0;
  for (const [i, v] of vectors.entries()) {
    // The searcher's first 10: its first fetch, best first.
    const hits = await library.store.nearestVectors(key, v, { limit: FIRST_CANDIDATES });
    const got = new Set(hits.slice(0, 10).map((h) => h.contentId));
    found += exact[i]!.filter((id) => got.has(id)).length;
  }
  results.sort((a, b) => a - b);
  return {
    search: summarize(search),
    encode: summarize(encode),
    vectorSearch: summarize(vector),
    vectorSearchPage: summarize(page),
    vectorSearchFirst: summarize(first),
    join: summarize(joins),
    recallAt10: found / (10 * vectors.length),
    medianResults: results[results.length >> 1] ?? 0,
  };
}
