// Dense row-major kernels for the adapter maths. Written by hand because no maintained Node-20 numeric
// package beats plain typed-array loops on a CPU here (tfjs-node needs a binary download at install, the
// pure-JS ones are naive or box every number). Every kernel is generic over Float32Array (training) and
// Float64Array (the finite-difference gradient check); a training process only ever sees Float32Array,
// so V8 keeps the loops monomorphic.

export type FloatArray = Float32Array | Float64Array;

/** A zeroed array of the same element type as `like`. */
export function zerosLike<T extends FloatArray>(like: T, length: number): T {
  return (like instanceof Float64Array ? new Float64Array(length) : new Float32Array(length)) as T;
}

/**
 * C (m×n) = A (m×k) · Bᵀ, where B is n×k: every entry is a dot product of two contiguous rows.
 * A 2×4 register block (8 accumulators) reuses each loaded value 2–4 times; B is walked in column blocks
 * that stay in cache while all rows of A pass over them (a 768×768 adapter does not fit in L2).
 */
export function matmulABt<T extends FloatArray>(
  a: T,
  b: FloatArray,
  m: number,
  n: number,
  k: number,
  out?: T,
): T {
  const c = out ?? zerosLike(a, m * n);
  const blockN = Math.max(4, Math.floor(65536 / Math.max(1, k)) & ~3);
  for (let j0 = 0; j0 < n; j0 += blockN) {
    const j1 = Math.min(n, j0 + blockN);
    let i = 0;
    for (; i + 1 < m; i += 2) {
      const a0 = i * k;
      const a1 = a0 + k;
      const c0 = i * n;
      const c1 = c0 + n;
      let j = j0;
      for (; j + 3 < j1; j += 4) {
        const b0 = j * k;
        const b1 = b0 + k;
        const b2 = b1 + k;
        const b3 = b2 + k;
        let s00 = 0;
        let s01 = 0;
        let s02 = 0;
        let s03 = 0;
        let s10 = 0;
        let s11 = 0;
        let s12 = 0;
        let s13 = 0;
        for (let p = 0; p < k; p++) {
          const x0 = a[a0 + p]!;
          const x1 = a[a1 + p]!;
          const y0 = b[b0 + p]!;
          const y1 = b[b1 + p]!;
          const y2 = b[b2 + p]!;
          const y3 = b[b3 + p]!;
          s00 += x0 * y0;
          s01 += x0 * y1;
          s02 += x0 * y2;
          s03 += x0 * y3;
          s10 += x1 * y0;
          s11 += x1 * y1;
          s12 += x1 * y2;
          s13 += x1 * y3;
        }
        c[c0 + j] = s00;
        c[c0 + j + 1] = s01;
        c[c0 + j + 2] = s02;
        c[c0 + j + 3] = s03;
        c[c1 + j] = s10;
        c[c1 + j + 1] = s11;
        c[c1 + j + 2] = s12;
        c[c1 + j + 3] = s13;
      }
      for (; j < j1; j++) {
        const b0 = j * k;
        let s0 = 0;
        let s1 = 0;
        for (let p = 0; p < k; p++) {
          s0 += a[a0 + p]! * b[b0 + p]!;
          s1 += a[a1 + p]! * b[b0 + p]!;
        }
        c[c0 + j] = s0;
        c[c1 + j] = s1;
      }
    }
    for (; i < m; i++) {
      const a0 = i * k;
      for (let j = j0; j < j1; j++) {
        const b0 = j * k;
        let s = 0;
        for (let p = 0; p < k; p++) s += a[a0 + p]! * b[b0 + p]!;
        c[i * n + j] = s;
      }
    }
  }
  return c;
}

/** Writes the transpose (c×r) of an r×c matrix. */
export function transpose<T extends FloatArray>(a: T, r: number, c: number, out?: T): T {
  const t = out ?? zerosLike(a, r * c);
  for (let i = 0; i < r; i++) {
    const o = i * c;
    for (let j = 0; j < c; j++) t[j * r + i] = a[o + j]!;
  }
  return t;
}

/** Scales each row of an m×d matrix to unit length in place and returns the norms (0 rows stay 0). */
export function normalizeRows(x: FloatArray, m: number, d: number): Float64Array {
  const norms = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    const o = i * d;
    let s = 0;
    for (let j = 0; j < d; j++) s += x[o + j]! * x[o + j]!;
    const nrm = Math.sqrt(s);
    norms[i] = nrm;
    if (nrm > 0) {
      const inv = 1 / nrm;
      for (let j = 0; j < d; j++) x[o + j]! *= inv;
    }
  }
  return norms;
}

/** Copies the listed vectors into one contiguous m×d matrix (a training batch). */
export function gatherRows(
  vectors: readonly FloatArray[],
  indices: ArrayLike<number>,
  d: number,
  out: Float32Array,
): Float32Array {
  for (let i = 0; i < indices.length; i++) out.set(vectors[indices[i]!]!.subarray(0, d), i * d);
  return out;
}

/** A small seeded generator (mulberry32): the same seed gives the same shuffles and the same adapter. */
export function createRng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher–Yates shuffle in place with the given generator. */
export function shuffle(a: Int32Array | number[], rng: () => number): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = a[i]!;
    a[i] = a[j]!;
    a[j] = t;
  }
}
