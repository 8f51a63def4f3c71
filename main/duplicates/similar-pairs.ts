// The pairs of vectors whose cosine similarity reaches a threshold, without comparing every pair: a
// random-projection (SimHash) index. Each vector gets, per table, a key of `bits` signs of its dot products
// with random directions; two vectors at angle θ agree on one sign with probability 1 − θ/π, so near
// copies share a key in at least one of TABLES tables with high probability while unrelated photos rarely
// do. Only vectors that share a key are compared exactly.
//
// Why not the library's vector search (LanceDB) once per photo: at 100,000 photos that is 100,000
// searches (a few ms each with the ANN index: minutes, on 2 cores), where this reads the vectors once and
// hashes them in seconds.
//
// The key length grows with the library (about 8 photos per key when nothing is alike), so buckets stay
// small; the chance that a pair shares a key in one of TABLES tables is 1 − (1 − (1 − θ/π)^bits)^TABLES.
// At 100,000 photos (14 bits): ≈ 0.98 for a pair at cosine 0.95, ≈ 1 at 0.985 (what the near copies
// of the tests score at least), ≈ 0.85 at 0.9 (the normal threshold's edge).

const TABLES = 16;
const MIN_BITS = 6;
const MAX_BITS = 16;
/** How many random directions the tables' keys draw their signs from (two 32-bit words per vector). */
const SIGNS = 64;
/**
 * The most neighbours one vector is compared with inside one bucket: a bucket of many alike vectors (a
 * burst, or the demo model's photos of one colour) would otherwise cost its size squared.
 */
const WINDOW = 64;

export interface SimilarPair {
  /** Indexes into the vectors, a < b. */
  a: number;
  b: number;
  similarity: number;
}

/** A small deterministic PRNG (mulberry32): the same library gives the same groups on every run. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Unit vectors (as stored) → the pairs at or above `threshold`, each once. */
export function similarPairs(vectors: readonly Float32Array[], threshold: number): SimilarPair[] {
  const n = vectors.length;
  if (n < 2) return [];
  const dim = vectors[0]!.length;
  const bits = Math.max(MIN_BITS, Math.min(MAX_BITS, Math.round(Math.log2(n / 8))));
  const next = random(0x1e5);
  // One contiguous array: the dot products below run several times faster than over n small arrays.
  const all = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) all.set(vectors[i]!, i * dim);
  // SIGNS Gaussian directions (Box–Muller: uniform on the sphere, as SimHash's probability needs), one
  // sign each per vector; each table's key takes `bits` of them at random. Sharing the directions makes
  // the tables slightly dependent, for a quarter of the arithmetic of independent ones.
  const planes = new Float32Array(SIGNS * dim);
  for (let i = 0; i < planes.length; i++) {
    planes[i] = Math.sqrt(-2 * Math.log(next() || 1e-12)) * Math.cos(2 * Math.PI * next());
  }
  // Each vector's signs, as two 32-bit words.
  const signs = new Uint32Array(n * 2);
  for (let i = 0; i < n; i++) {
    const base = i * dim;
    for (let p = 0; p < SIGNS; p++) {
      const off = p * dim;
      let s = 0;
      for (let d = 0; d < dim; d++) s += all[base + d]! * planes[off + d]!;
      if (s >= 0) signs[i * 2 + (p >> 5)]! |= 1 << (p & 31);
    }
  }
  const sign = (i: number, p: number) => (signs[i * 2 + (p >> 5)]! >>> (p & 31)) & 1;
  const dot = (a: number, b: number) => {
    const oa = a * dim;
    const ob = b * dim;
    let s = 0;
    for (let d = 0; d < dim; d++) s += all[oa + d]! * all[ob + d]!;
    return s;
  };

  const found = new Map<number, SimilarPair>();
  for (let t = 0; t < TABLES; t++) {
    // This table's signs: `bits` distinct ones of the SIGNS.
    const chosen: number[] = [];
    while (chosen.length < bits) {
      const p = Math.floor(next() * SIGNS);
      if (!chosen.includes(p)) chosen.push(p);
    }
    const buckets = new Map<number, number[]>();
    for (let i = 0; i < n; i++) {
      let key = 0;
      for (const p of chosen) key = (key << 1) | sign(i, p);
      const b = buckets.get(key);
      if (b) b.push(i);
      else buckets.set(key, [i]);
    }
    for (const members of buckets.values()) {
      for (let x = 0; x < members.length; x++) {
        const end = Math.min(members.length, x + 1 + WINDOW);
        for (let y = x + 1; y < end; y++) {
          const a = members[x]!;
          const b = members[y]!;
          const id = a * n + b;
          if (found.has(id)) continue;
          const s = dot(a, b);
          if (s >= threshold) found.set(id, { a, b, similarity: s });
        }
      }
    }
  }
  return [...found.values()];
}
