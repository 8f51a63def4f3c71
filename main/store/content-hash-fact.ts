import { Field, Schema, Utf8 } from 'apache-arrow';
import type { Connection, Table } from '@lancedb/lancedb';
import type { ContentHash } from '../content-hash.js';
import { queryAll, sqlString, toText, upsertRows } from './sql.js';

// Which hash this library's content ids are (main/content-hash.ts), recorded once in a small key/value
// table so every process and machine sharing the store hashes alike. A store that has none recorded is
// either new (BLAKE3) or was written by a version from before the choice existed (SHA-256): the latter has
// content ids somewhere, in the contents table or in any table beyond the two every open creates.

export const FACTS = 'library_facts';
export const factsSchema = new Schema([
  new Field('key', new Utf8(), false),
  new Field('value', new Utf8(), false),
]);
const KEY = 'contentHash';

export async function contentHashOf(
  db: Connection,
  facts: Table,
  contents: Table,
  createdOnOpen: readonly string[],
): Promise<ContentHash> {
  const [row] = await queryAll(facts, `key = ${sqlString(KEY)}`);
  const recorded = toText(row?.value);
  if (recorded === 'sha256' || recorded === 'blake3') return recorded;
  const others = (await db.tableNames()).filter((n) => n !== FACTS && !createdOnOpen.includes(n));
  const legacy = others.length > 0 || (await contents.countRows()) > 0;
  const hash: ContentHash = legacy ? 'sha256' : 'blake3';
  await upsertRows(facts, 'key', factsSchema, [{ key: KEY, value: hash }]);
  return hash;
}
