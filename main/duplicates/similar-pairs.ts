// The pairs of vectors whose cosine similarity reaches a threshold, without comparing every pair: a
// random-projection (SimHash) index. Each vector gets, per table, a key of BITS signs of its dot products
// with random directions; two vectors at angle θ agree on one sign with probability 1 − θ/π, so near
// copies share a key in at least one of TABLES tables with high probability while unrelated photos rarely
// do. Only vectors that share a key are compared exactly.
//
// Why not the library's vector search (LanceDB) once per photo: at 100,000 photos that is 100,000
// searches (a few ms each with the ANN index: minutes, on 2 cores), where this reads the vectors once and
// hashes them in seconds. Its recall for a pair at cosine 0.9 with 10 bits and 12 tables is
// 1 − (1 − 0.856¹⁰)¹² ≈ 0.94, and near copies score well above that (see THRESHOLDS).

const BITS = 10;
const TABLES = 12;
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
  const next = random(0x1e5);
  // Gaussian directions (Box–Muller): uniform on the sphere, as SimHash's probability needs.
  const planes = new Float32Array(TABLES * BITS * dim);
  for (let i = 0; i < planes.length; i++) {
    planes[i] = Math.sqrt(-2 * Math.log(next() || 1e-12)) * Math.cos(2 * Math.PI * next());
  }
  const found = new Map<number, SimilarPair>();
  const keys = new Uint32Array(n);
  for (let t = 0; t < TABLES; t++) {
    for (let i = 0; i < n; i++) {
      const v = vectors[i]!;
      let key = 0;
      for (let b = 0; b < BITS; b++) {
        const off = (t * BITS + b) * dim;
        let s = 0;
        for (let d = 0; d < dim; d++) s += v[d]! * planes[off + d]!;
        key = (key << 1) | (s >= 0 ? 1 : 0);
      }
      keys[i] = key;
    }
    const buckets = new Map<number, number[]>();
    for (let i = 0; i < n; i++) {
      const b = buckets.get(keys[i]!);
      if (b) b.push(i);
      else buckets.set(keys[i]!, [i]);
    }
    for (const members of buckets.values()) {
      for (let x = 0; x < members.length; x++) {
        const end = Math.min(members.length, x + 1 + WINDOW);
        for (let y = x + 1; y < end; y++) {
          const a = members[x]!;
          const b = members[y]!;
          const id = a * n + b;
          if (found.has(id)) continue;
          const va = vectors[a]!;
          const vb = vectors[b]!;
          let s = 0;
          for (let d = 0; d < dim; d++) s += va[d]! * vb[d]!;
          if (s >= threshold) found.set(id, { a, b, similarity: s });
        }
      }
    }
  }
  return [...found.values()];
}
