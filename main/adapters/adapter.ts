import { matmulABt, normalizeRows } from './linalg.js';

// Recall figures are part of an adapter's stored metrics, so their shape is defined here, with the adapter
// (main/tuning/recall.ts computes them).
/** Recall@K as a fraction in [0, 1], keyed by K. */
export type RecallAtK = Record<number, number>;

export interface RecallReport {
  /** Text i as the query; image i is the one right answer. */
  textToImage: RecallAtK;
  /** Image i as the query; text i is the one right answer. */
  imageToText: RecallAtK;
  /** The mean of all the values above (both directions, every K): the usual single retrieval score. */
  mean: number;
}

export const ADAPTER_FORMAT = 'lookbook-adapter';
export const ADAPTER_FORMAT_VERSION = 1;

export type AdapterSide = 'image' | 'text';

/** What training measured, kept with the adapter so the UI can show what a version is worth. */
export interface AdapterMetrics {
  trainPairs: number;
  valPairs: number;
  epochs: number;
  bestEpoch: number;
  /** Recall on the validation pairs (or the training pairs when there were none) before and after. */
  before: RecallReport;
  after: RecallReport;
  /** Which pairs `before`/`after` were measured on. */
  evaluatedOn: 'val' | 'train';
  /** How many pairs they were measured on (absent in adapters saved before it was recorded). */
  measuredPairs?: number;
  seconds: number;
}

/**
 * A fine-tuned adapter on top of a frozen CLIP model: each side maps an embedding x to
 * normalize(x + alpha · W x). W (dim×dim, row-major) starts at zero, so W = 0 or alpha = 0 is the
 * zero-shot model and alpha = 1 the fine-tuned one (WiSE-FT's interpolation, which is exact here because
 * the zero-shot weights of the residual form are W = 0). A null W leaves that side untouched, so a
 * text-only adapter never requires re-projecting the stored image vectors.
 */
export interface Adapter {
  format: typeof ADAPTER_FORMAT;
  formatVersion: typeof ADAPTER_FORMAT_VERSION;
  /** The model whose embeddings it was trained on; using it with another model is meaningless. */
  modelId: string;
  dim: number;
  createdAt: string;
  image: Float32Array | null;
  text: Float32Array | null;
  /** exp of the learned temperature: the logit scale for zero-shot scores with this adapter. */
  logitScale: number;
  alpha: number;
  metrics?: AdapterMetrics;
}

/** The JSON form: matrices as base64 of little-endian float32, so a value survives the round trip exactly. */
export interface AdapterJson extends Omit<Adapter, 'image' | 'text'> {
  image: string | null;
  text: string | null;
}

export function identityAdapter(modelId: string, dim: number, logitScale = 100): Adapter {
  return {
    format: ADAPTER_FORMAT,
    formatVersion: ADAPTER_FORMAT_VERSION,
    modelId,
    dim,
    createdAt: new Date().toISOString(),
    image: null,
    text: null,
    logitScale,
    alpha: 1,
  };
}

/** A copy with another alpha (0 = zero-shot … 1 = fine-tuned); the matrices are shared, not copied. */
export function withAlpha(adapter: Adapter, alpha: number): Adapter {
  if (!(alpha >= 0 && alpha <= 1)) throw new RangeError(`alpha must be between 0 and 1, got ${alpha}`);
  return { ...adapter, alpha };
}

/**
 * Maps embeddings through one side of the adapter and returns new unit vectors (the inputs are not
 * modified). Inputs need not be normalized; they are treated as directions.
 */
export function applyAdapter(
  adapter: Adapter,
  vectors: readonly Float32Array[],
  side: AdapterSide,
): Float32Array[] {
  const d = adapter.dim;
  const n = vectors.length;
  const x = new Float32Array(n * d);
  vectors.forEach((v, i) => {
    if (v.length !== d) {
      throw new Error(
        `adapter for ${d}-dimensional embeddings got a ${side} vector with ${v.length} dimensions`,
      );
    }
    x.set(v, i * d);
  });
  normalizeRows(x, n, d);
  const w = side === 'image' ? adapter.image : adapter.text;
  if (w && adapter.alpha !== 0 && n > 0) {
    const block = 512;
    const buf = new Float32Array(block * d);
    for (let r0 = 0; r0 < n; r0 += block) {
      const rows = Math.min(block, n - r0);
      const slice = x.subarray(r0 * d, (r0 + rows) * d);
      const wx = matmulABt(slice, w, rows, d, d, buf);
      for (let i = 0; i < rows * d; i++) slice[i]! += adapter.alpha * wx[i]!;
    }
    normalizeRows(x, n, d);
  }
  return Array.from({ length: n }, (_, i) => x.slice(i * d, (i + 1) * d));
}

export function adapterToJson(adapter: Adapter): AdapterJson {
  return { ...adapter, image: encodeMatrix(adapter.image), text: encodeMatrix(adapter.text) };
}

/** Parses and validates an adapter read from disk; throws a sentence saying what is wrong. */
export function adapterFromJson(value: unknown): Adapter {
  const j = value as Partial<AdapterJson> | null;
  if (!j || typeof j !== 'object' || j.format !== ADAPTER_FORMAT)
    throw new Error('not a Lookbook adapter file');
  if (j.formatVersion !== ADAPTER_FORMAT_VERSION) {
    throw new Error(
      `adapter format version ${String(j.formatVersion)} is not supported (expected ${ADAPTER_FORMAT_VERSION})`,
    );
  }
  const dim = j.dim;
  if (typeof dim !== 'number' || !Number.isInteger(dim) || dim <= 0)
    throw new Error('adapter has no valid dim');
  const decode = (s: string | null | undefined, side: AdapterSide) => {
    if (s == null) return null;
    const m = decodeMatrix(s);
    if (m.length !== dim * dim)
      throw new Error(`adapter ${side} matrix has ${m.length} values, expected ${dim * dim}`);
    return m;
  };
  return {
    format: ADAPTER_FORMAT,
    formatVersion: ADAPTER_FORMAT_VERSION,
    modelId: String(j.modelId ?? ''),
    dim,
    createdAt: String(j.createdAt ?? ''),
    image: decode(j.image, 'image'),
    text: decode(j.text, 'text'),
    logitScale: typeof j.logitScale === 'number' ? j.logitScale : 100,
    alpha: typeof j.alpha === 'number' ? j.alpha : 1,
    ...(j.metrics ? { metrics: j.metrics } : {}),
  };
}

function encodeMatrix(m: Float32Array | null): string | null {
  if (!m) return null;
  const bytes = Buffer.alloc(m.length * 4);
  for (let i = 0; i < m.length; i++) bytes.writeFloatLE(m[i]!, i * 4);
  return bytes.toString('base64');
}

function decodeMatrix(s: string): Float32Array {
  const bytes = Buffer.from(s, 'base64');
  if (bytes.length % 4 !== 0) throw new Error('adapter matrix is not a whole number of float32 values');
  const out = new Float32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = bytes.readFloatLE(i * 4);
  return out;
}
