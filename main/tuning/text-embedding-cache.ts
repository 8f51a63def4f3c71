import { createHash } from 'node:crypto';
import type { ClipEngine } from '../engine/types.js';
import type { LibraryStore } from '../store/library-store.js';

export interface TextEmbeddingCache {
  /** The engine's embeddings of these texts, in order; texts seen before (any run) are not re-encoded. */
  embed(texts: readonly string[]): Promise<Float32Array[]>;
  /** How many texts the last embed() call had to encode (the rest came from the cache). */
  readonly lastEncoded: number;
}

const BATCH = 64;

/**
 * Caption embeddings of the frozen text encoder, kept in the library's database per model, so training
 * again after adding ten pairs encodes ten texts, not ten thousand. The key hashes the model id with the
 * text; a model whose files change gets a new id from the catalogue, so stale vectors are not reused.
 */
export async function openTextEmbeddingCache(
  store: LibraryStore,
  engine: ClipEngine,
): Promise<TextEmbeddingCache> {
  const table = await store.openTextEmbeddingsTable();
  const model = engine.model.id;
  const dim = engine.model.embedDim;
  const memory = new Map<string, Float32Array>();
  const keyOf = (text: string) => createHash('sha256').update(`${model}\n${text}`).digest('hex');
  let lastEncoded = 0;

  return {
    get lastEncoded() {
      return lastEncoded;
    },
    async embed(texts) {
      const keys = texts.map(keyOf);
      const missing = [...new Set(keys)].filter((k) => !memory.has(k));
      for (const [key, vector] of await table.get(missing, dim)) memory.set(key, vector);
      const todo = new Map<string, string>();
      keys.forEach((k, i) => {
        if (!memory.has(k)) todo.set(k, texts[i]!);
      });
      const entries = [...todo.entries()];
      lastEncoded = entries.length;
      for (let i = 0; i < entries.length; i += BATCH) {
        const chunk = entries.slice(i, i + BATCH);
        const vectors = await engine.embedTexts(chunk.map(([, t]) => t));
        const rows = chunk.map(([key, text], j) => ({ key, model, text, vector: vectors[j]! }));
        for (const r of rows) memory.set(r.key, r.vector);
        await table.insertNew(rows);
      }
      return keys.map((k) => memory.get(k)!);
    },
  };
}
