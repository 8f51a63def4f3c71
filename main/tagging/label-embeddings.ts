import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../temp-files.js';
import type { ClipEngine } from '../engine/types.js';
import { GENERIC_PROMPTS, PROMPT_TEMPLATES } from './prompt-templates.js';
import { promptsForLabel, vocabularyContentHash, type Vocabulary } from './vocabulary.js';

/**
 * What a fine-tuned adapter does to text embeddings, as tagging sees it. `version` names the adapter in
 * cache keys and on each auto tag, so tags are redone when it changes; 'none' means no adapter.
 */
export interface TextEmbeddingTransform {
  version: string;
  /** Maps one L2-normalized text embedding into the space image vectors are compared in. */
  apply?(vector: Float32Array): Float32Array;
}

export const NO_ADAPTER: TextEmbeddingTransform = { version: 'none' };

export interface LabelEmbeddings {
  modelId: string;
  adapterVersion: string;
  vocabularyHash: string;
  labels: string[];
  /** One unit vector per label, in the vocabulary's order. */
  vectors: Float32Array[];
  /** The generic prompt's unit vector: what "just a photo" looks like. */
  generic: Float32Array;
}

export function l2normalize(v: Float32Array): Float32Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  const n = Math.sqrt(s);
  if (!(n > 0)) return v;
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = v[i]! / n;
  return out;
}

/** The prompt-ensemble embedding: the normalized mean of the prompts' normalized embeddings. */
export function ensembleEmbedding(vectors: Float32Array[]): Float32Array {
  const dim = vectors[0]!.length;
  const sum = new Float32Array(dim);
  for (const v of vectors) {
    const u = l2normalize(v);
    for (let i = 0; i < dim; i++) sum[i]! += u[i]!;
  }
  return l2normalize(sum);
}

async function embedEnsembles(
  engine: ClipEngine,
  promptSets: string[][],
  transform: TextEmbeddingTransform,
): Promise<Float32Array[]> {
  const all = promptSets.flat();
  const embedded: Float32Array[] = [];
  // Chunks keep one call's memory bounded for vocabularies of hundreds of labels × templates.
  const CHUNK = 256;
  for (let i = 0; i < all.length; i += CHUNK)
    embedded.push(...(await engine.embedTexts(all.slice(i, i + CHUNK))));
  const out: Float32Array[] = [];
  let at = 0;
  for (const set of promptSets) {
    const vecs = embedded.slice(at, at + set.length).map((v) => (transform.apply ? transform.apply(v) : v));
    at += set.length;
    out.push(ensembleEmbedding(vecs));
  }
  return out;
}

export interface LabelEmbeddingCache {
  /** The embeddings of a vocabulary's labels for this engine and adapter, from cache when still valid. */
  get(
    engine: ClipEngine,
    vocabulary: Vocabulary,
    transform?: TextEmbeddingTransform,
  ): Promise<LabelEmbeddings>;
}

interface CacheFile {
  key: string;
  modelId: string;
  adapterVersion: string;
  vocabularyHash: string;
  labels: string[];
  dim: number;
  vectors: string;
  generic: string;
}

function toBase64(vectors: Float32Array[]): string {
  const dim = vectors[0]?.length ?? 0;
  const flat = new Float32Array(vectors.length * dim);
  vectors.forEach((v, i) => flat.set(v, i * dim));
  return Buffer.from(flat.buffer, flat.byteOffset, flat.byteLength).toString('base64');
}

function fromBase64(text: string, dim: number): Float32Array[] {
  const buf = Buffer.from(text, 'base64');
  const flat = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  const out: Float32Array[] = [];
  for (let i = 0; i + dim <= flat.length; i += dim) out.push(flat.slice(i, i + dim));
  return out;
}

/**
 * Label embeddings cached per model, vocabulary content and adapter version, in memory and in
 * `<dataDir>/cache/label-embeddings/` (tagging a library again, or after a restart, embeds no text).
 * Without a dataDir only the memory cache is used (evaluation of a folder).
 */
export function createLabelEmbeddingCache(dataDir?: string): LabelEmbeddingCache {
  const memory = new Map<string, LabelEmbeddings>();
  const dir = dataDir ? join(dataDir, 'cache', 'label-embeddings') : undefined;

  return {
    async get(engine, vocabulary, transform = NO_ADAPTER) {
      const vocabularyHash = vocabularyContentHash(vocabulary, PROMPT_TEMPLATES);
      const modelId = engine.model.id;
      const key = createHash('sha256')
        .update(
          JSON.stringify([modelId, engine.model.dir, transform.version, vocabularyHash, GENERIC_PROMPTS]),
        )
        .digest('hex')
        .slice(0, 24);
      const hit = memory.get(key);
      if (hit) return hit;
      const file = dir ? join(dir, `${key}.json`) : undefined;
      if (file) {
        try {
          const data = JSON.parse(await readFile(file, 'utf8')) as CacheFile;
          const vectors = fromBase64(data.vectors, data.dim);
          const generic = fromBase64(data.generic, data.dim)[0];
          if (data.key === key && vectors.length === vocabulary.labels.length && generic) {
            const cached = {
              modelId,
              adapterVersion: transform.version,
              vocabularyHash,
              labels: data.labels,
              vectors,
              generic,
            };
            memory.set(key, cached);
            return cached;
          }
        } catch {
          // Missing or unreadable: recompute (the cache is never the only copy of anything).
        }
      }
      const sets = vocabulary.labels.map((l) => promptsForLabel(l));
      const [generic, ...vectors] = await embedEnsembles(engine, [[...GENERIC_PROMPTS], ...sets], transform);
      const result: LabelEmbeddings = {
        modelId,
        adapterVersion: transform.version,
        vocabularyHash,
        labels: vocabulary.labels.map((l) => l.label),
        vectors,
        generic: generic!,
      };
      memory.set(key, result);
      if (file && dir) {
        const data: CacheFile = {
          key,
          modelId,
          adapterVersion: transform.version,
          vocabularyHash,
          labels: result.labels,
          dim: generic!.length,
          vectors: toBase64(vectors),
          generic: toBase64([generic!]),
        };
        try {
          await mkdir(dir, { recursive: true });
          await writeFileAtomic(file, JSON.stringify(data));
        } catch {
          // A read-only or full disk only costs recomputing next time.
        }
      }
      return result;
    },
  };
}
