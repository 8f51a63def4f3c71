import { createHash } from 'node:crypto';
import { Binary, Field, Schema, Utf8 } from 'apache-arrow';
import type { Connection, Table } from '@lancedb/lancedb';
import type { ClipEngine } from '../engine/types.js';
import { openOrCreateTable, sqlString } from '../store/database.js';

export const TEXT_EMBEDDINGS_TABLE = 'tuning_text_embeddings';

const schema = new Schema([
  new Field('key', new Utf8(), false),
  new Field('model', new Utf8(), false),
  new Field('text', new Utf8(), false),
  // Little-endian float32 bytes: one table serves models of every embedding size.
  new Field('vector', new Binary(), false),
]);

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
  db: Connection,
  engine: ClipEngine,
): Promise<TextEmbeddingCache> {
  const table: Table = await openOrCreateTable(db, TEXT_EMBEDDINGS_TABLE, schema);
  const model = engine.model.id;
  const dim = engine.model.embedDim;
  const memory = new Map<string, Float32Array>();
  const keyOf = (text: string) => createHash('sha256').update(`${model}\n${text}`).digest('hex');
  let lastEncoded = 0;

  async function lookup(keys: string[]): Promise<void> {
    const missing = keys.filter((k) => !memory.has(k));
    for (let i = 0; i < missing.length; i += 500) {
      const chunk = missing.slice(i, i + 500);
      const rows = (await table
        .query()
        .where(`key IN (${chunk.map(sqlString).join(', ')})`)
        .select(['key', 'vector'])
        .toArray()) as { key: string; vector: Uint8Array }[];
      for (const r of rows) {
        const bytes = r.vector;
        if (bytes.byteLength !== dim * 4) continue;
        const v = new Float32Array(dim);
        const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        for (let j = 0; j < dim; j++) v[j] = view.getFloat32(j * 4, true);
        memory.set(String(r.key), v);
      }
    }
  }

  return {
    get lastEncoded() {
      return lastEncoded;
    },
    async embed(texts) {
      const keys = texts.map(keyOf);
      await lookup([...new Set(keys)]);
      const todo = new Map<string, string>();
      keys.forEach((k, i) => {
        if (!memory.has(k)) todo.set(k, texts[i]!);
      });
      const entries = [...todo.entries()];
      lastEncoded = entries.length;
      for (let i = 0; i < entries.length; i += BATCH) {
        const chunk = entries.slice(i, i + BATCH);
        const vectors = await engine.embedTexts(chunk.map(([, t]) => t));
        const rows = chunk.map(([key, text], j) => {
          memory.set(key, vectors[j]!);
          const bytes = Buffer.alloc(dim * 4);
          for (let p = 0; p < dim; p++) bytes.writeFloatLE(vectors[j]![p]!, p * 4);
          return { key, model, text, vector: bytes };
        });
        await table.mergeInsert('key').whenNotMatchedInsertAll().execute(rows);
      }
      return keys.map((k) => memory.get(k)!);
    },
  };
}
