// The shape of the library's ANN index, in one place: which index maintenance.ts builds for a vector
// table of a given size, and how vectors-table.ts searches it. Chosen from measurements on clustered,
// CLIP-like vectors (bench/ann-sweep.ts, BENCHMARKS.md "Search at a million photos").

/**
 * The ANN index: IVF_FLAT on the dot product (ANN_METRIC). IVF splits the vectors into partitions
 * around k-means centres; a search scans the ANN_NPROBES partitions whose centres are nearest the query,
 * comparing the query with every full vector in them, so every distance it returns is exact and only a
 * true neighbour lying in a partition it skipped can be missed. On clustered CLIP-like vectors
 * (bench/ann-sweep.ts) that recall beat IVF_PQ (the index before: its 8-bit product codes mis-rank
 * neighbours that are close together, and re-ranking cannot bring back what they pushed out of the
 * candidates) and IVF_HNSW_SQ at the same cost, and it builds in a fraction of IVF_PQ's time (no codebook
 * to train). It stores a second copy of the vectors (2 KB a photo for 512-d).
 */
export const ANN_KIND = 'ivf_flat_dot';

/**
 * The metric the index is built and searched with: the dot product. Stored vectors have unit length
 * (vectors-table.ts), so it ranks and scores exactly as cosine does, without normalizing each vector a
 * search compares: at 100,000 photos the search took 4-5 ms against 9-14 with a cosine index of the same
 * shape (bench/ann-sweep.ts, ivfflatdot vs ivfflat). LanceDB searches an index only with the metric it
 * was built with (another one falls back to a scan), hence one place for it.
 */
export const ANN_METRIC = 'dot';

/** The kind built before ANN_METRIC: IVF_FLAT on cosine, searched as it was built until replaced. */
const COSINE_IVF_FLAT = 'ivf_flat';

/** The metric to search an index of `kind` with (indexes built before ANN_METRIC used cosine). */
export function annMetricOf(kind: string | undefined): 'dot' | 'cosine' {
  return kind === ANN_KIND ? ANN_METRIC : 'cosine';
}
/** Index names carry the index kind and partition count: `vector_<kind>_p<partitions>`. */
const ANN_NAME = /^vector_([a-z_]+)_p(\d+)$/;

/**
 * The partition count the index of a `rows`-row table gets: √rows (LanceDB's guidance), so that choosing
 * the partitions (√rows centres) and scanning them (ANN_NPROBES × √rows rows) stay balanced as the
 * library grows: ~1,000 partitions of ~1,000 photos at a million.
 */
export function annPartitionsFor(rows: number): number {
  return Math.max(1, Math.round(Math.sqrt(rows)));
}

/** The kind and partition count an ANN index was built with, from its name (undefined: an older index). */
export function annIndexShape(name: string): { kind: string; partitions: number } | undefined {
  const m = ANN_NAME.exec(name);
  return m ? { kind: m[1]!, partitions: Number(m[2]) } : undefined;
}

/** The name of the index with `partitions` partitions (see ANN_NAME). */
export function annIndexName(partitions: number): string {
  return `vector_${ANN_KIND}_p${partitions}`;
}

/**
 * Partitions a search scans (see ANN_KIND): on the clustered vectors, recall@10 ≥ 0.99 from 20,000 to a
 * million photos (BENCHMARKS.md); each costs ~√rows vector comparisons.
 */
export const ANN_NPROBES = 16;

/** Whether an index of `kind` returns approximate distances, which a search must re-rank exactly. */
export function annIsQuantized(kind: string | undefined): boolean {
  return kind !== ANN_KIND && kind !== COSINE_IVF_FLAT;
}
