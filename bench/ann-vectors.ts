// Clustered, CLIP-like 512-d vectors for measuring ANN search. Random unit vectors have no structure
// (every partition of an IVF index is as good as any other), so they say nothing about the recall a real
// library gets. Real CLIP image embeddings are:
//   - anisotropic: they share a common direction (any two photos have a cosine of ~0.2–0.5);
//   - clustered: photos of the same kind of subject sit close together (nearest neighbours at ~0.6–0.9);
//   - of low intrinsic dimension: the spread inside a cluster is concentrated on a few directions.
// And text queries are not drawn from the images' distribution (CLIP's "modality gap"): a query lies
// beside its photos, shifted by an offset shared by all texts, and matches them at a lower cosine.
// This module makes vectors with those four properties, deterministically from their index, so that any
// chunk of a million-vector set can be regenerated without keeping the set in memory.

import { rng } from './synthetic-photos.js';

/** Bump when the generated vectors change, so cached tables are rebuilt. */
export const CLUSTERED_VERSION = 2;

export interface ClusteredOptions {
  /** Vector length (CLIP ViT-B/32: 512). A power of two (the rotation is a Hadamard transform). */
  dim: number;
  /** Number of subjects (cluster directions). */
  clusters: number;
  /**
   * Number of themes the subjects belong to (dogs and cats are both animals): CLIP's space is
   * organised by meaning at several scales. 0: subjects scattered independently (no hierarchy).
   */
  themes: number;
  seed: number;
}

export const CLIP_LIKE: ClusteredOptions = { dim: 512, clusters: 3000, themes: 60, seed: 1 };

function gaussianFrom(uniform: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

/** In-place fast Walsh–Hadamard transform, scaled to be orthonormal (a rotation of the space). */
function hadamard(v: Float32Array): void {
  const n = v.length;
  for (let h = 1; h < n; h <<= 1) {
    for (let i = 0; i < n; i += h << 1) {
      for (let j = i; j < i + h; j++) {
        const x = v[j]!;
        const y = v[j + h]!;
        v[j] = x + y;
        v[j + h] = x - y;
      }
    }
  }
  const k = 1 / Math.sqrt(n);
  for (let i = 0; i < n; i++) v[i] = v[i]! * k;
}

function normalize(v: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i]! * v[i]!;
  const k = 1 / Math.sqrt(sum);
  for (let i = 0; i < v.length; i++) v[i] = v[i]! * k;
  return v;
}

/** A generator of image-like and text-like vectors; see the module comment. */
export interface ClusteredVectors {
  readonly options: ClusteredOptions;
  /** The `i`-th image vector (unit length); the same `i` always gives the same vector. */
  image(i: number): Float32Array;
  /** The `i`-th query vector (unit length): a text-like query about one of the subjects. */
  query(i: number): Float32Array;
  /** Image vectors `from`..`to`-1, row after row in one array. */
  images(from: number, to: number): Float32Array;
}

export function clusteredVectors(options: ClusteredOptions = CLIP_LIKE): ClusteredVectors {
  const { dim, clusters, themes, seed } = options;
  if ((dim & (dim - 1)) !== 0) throw new Error(`dim must be a power of two, not ${dim}`);
  const g = gaussianFrom(rng(seed));
  // The direction every embedding shares (anisotropy), and the text-only offset (modality gap).
  const common = normalize(Float32Array.from({ length: dim }, g));
  const textOffset = normalize(Float32Array.from({ length: dim }, g));
  // Theme directions, and subject directions near their theme's (two subjects of one theme: cosine
  // ~0.6; of different themes: ~0).
  const themeDirections = Array.from({ length: Math.max(1, themes) }, () =>
    normalize(Float32Array.from({ length: dim }, g)),
  );
  // Subject centres: the common direction plus the subject's, so that two unrelated photos still have a
  // cosine of ~0.2–0.3 once the noise below is added.
  const centers = new Float32Array(clusters * dim);
  for (let c = 0; c < clusters; c++) {
    const row = centers.subarray(c * dim, (c + 1) * dim);
    const theme = themes > 0 ? themeDirections[c % themes]! : undefined;
    const own = themes > 0 ? 0.8 : 1;
    const subject = normalize(
      Float32Array.from({ length: dim }, (_, i) => (theme ? theme[i]! : 0) + (own * g()) / Math.sqrt(dim)),
    );
    for (let i = 0; i < dim; i++) row[i] = 0.7 * common[i]! + subject[i]!;
    normalize(row);
  }
  // How widely each subject's photos spread (the noise's length relative to the centre's): some
  // subjects are tight (the same product shot again and again), others loose (landscapes).
  const spread = Float32Array.from({ length: clusters }, () => 0.45 + 0.5 * (g() * 0.25 + 0.5));
  // Subject popularity follows a power law, as in real libraries (many cats, few receipts).
  const weights = Float64Array.from({ length: clusters }, (_, c) => 1 / Math.pow(c + 1, 0.6));
  const cumulative = new Float64Array(clusters);
  let total = 0;
  for (let c = 0; c < clusters; c++) cumulative[c] = total += weights[c]!;
  const pick = (u: number) => {
    const x = u * total;
    let lo = 0;
    let hi = clusters - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  // Low intrinsic dimension: the noise's variance decays along a power-law spectrum (a few directions
  // carry most of it), rotated by a random-sign Hadamard transform so that it lies along no axis (an
  // axis-aligned spectrum would favour product quantization's contiguous sub-vectors unrealistically).
  const scale = Float32Array.from({ length: dim }, (_, i) => 1 / Math.sqrt(i + 1));
  let norm = 0;
  for (const s of scale) norm += s * s;
  for (let i = 0; i < dim; i++) scale[i] = scale[i]! / Math.sqrt(norm);
  const signs = Float32Array.from({ length: dim }, () => (g() < 0 ? -1 : 1));
  const noise = (next: () => number, length: number, out: Float32Array) => {
    for (let i = 0; i < dim; i++) out[i] = next() * scale[i]! * signs[i]! * length;
    hadamard(out);
  };

  const fill = (out: Float32Array, i: number) => {
    const r = rng(seed * 7919 + i * 2 + 1);
    const c = pick(r());
    noise(gaussianFrom(r), spread[c]!, out);
    for (let k = 0; k < dim; k++) out[k] = out[k]! + centers[c * dim + k]!;
    normalize(out);
  };
  return {
    options,
    image(i) {
      const out = new Float32Array(dim);
      fill(out, i);
      return out;
    },
    images(from, to) {
      const out = new Float32Array((to - from) * dim);
      for (let i = from; i < to; i++) fill(out.subarray((i - from) * dim, (i - from + 1) * dim), i);
      return out;
    },
    query(i) {
      const r = rng(seed * 104729 + i * 2 + 1);
      const c = pick(r());
      const out = new Float32Array(dim);
      noise(gaussianFrom(r), spread[c]!, out);
      for (let k = 0; k < dim; k++) out[k] = out[k]! + centers[c * dim + k]! + 0.8 * textOffset[k]!;
      return normalize(out);
    },
  };
}
