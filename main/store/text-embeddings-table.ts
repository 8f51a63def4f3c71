import * as lancedb from '@lancedb/lancedb';
import type { Table } from '@lancedb/lancedb';
import { textEmbeddingsSchema } from './schemas.js';
import { queryIn } from './sql.js';

// The `tuning_text_embeddings` table: caption embeddings of the frozen text encoder, kept so that training
// again does not re-encode every caption (main/tuning/text-embedding-cache.ts). Vectors are stored as
// little-endian float32 bytes, so one table serves models of every embedding size.

export interface TextEmbeddingRow {
  /** Identifies the (model, text) pair; the caller derives it. */
  key: string;
  model: string;
  text: string;
  vector: Float32Array;
}

export interface TextEmbeddingsTable {
  /** The stored vectors of these keys that have `dim` values (a vector of another size is skipped). */
  get(keys: readonly string[], dim: number): Promise<Map<string, Float32Array>>;
  /** Stores embeddings whose key is not stored yet. */
  insertNew(rows: readonly TextEmbeddingRow[]): Promise<void>;
}

function toBytes(v: Float32Array): Buffer {
  const bytes = Buffer.alloc(v.length * 4);
  for (let i = 0; i < v.length; i++) bytes.writeFloatLE(v[i]!, i * 4);
  return bytes;
}

function fromBytes(bytes: Uint8Array, dim: number): Float32Array {
  const v = new Float32Array(dim);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let j = 0; j < dim; j++) v[j] = view.getFloat32(j * 4, true);
  return v;
}

/** The caption cache's methods over the open `tuning_text_embeddings` table. */
export function textEmbeddingsTable(table: Table): TextEmbeddingsTable {
  return {
    async get(keys, dim) {
      const out = new Map<string, Float32Array>();
      for (const r of await queryIn(table, 'key', keys, { columns: ['key', 'vector'] })) {
        const bytes = r.vector as Uint8Array;
        if (bytes.byteLength === dim * 4) out.set(String(r.key), fromBytes(bytes, dim));
      }
      return out;
    },
    async insertNew(rows) {
      if (rows.length === 0) return;
      const data = lancedb.makeArrowTable(
        rows.map((r) => ({ key: r.key, model: r.model, text: r.text, vector: toBytes(r.vector) })),
        { schema: textEmbeddingsSchema },
      );
      await table.mergeInsert('key').whenNotMatchedInsertAll().execute(data);
    },
  };
}
