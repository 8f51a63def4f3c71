import { sep } from 'node:path';
import * as lancedb from '@lancedb/lancedb';
import type { Table } from '@lancedb/lancedb';
import { DataType, type Data, type Schema, type Vector } from 'apache-arrow';

// The SQL pieces every table module builds its filters from, with their quoting, and the plain reads and
// writes they share. Nothing outside main/store/ builds SQL: callers get typed methods.

/** LanceDB's SQL parser copes with long IN lists, but each filter is kept to a bounded size. */
const IN_CHUNK = 1000;

/** Quotes a string literal for a LanceDB SQL filter. */
export function sqlString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

export function inList(column: string, values: readonly string[]): string {
  return `${column} IN (${values.map(sqlString).join(', ')})`;
}

/** `values` in slices of at most `size`, so that no IN list grows without bound. */
export function chunks<T>(values: readonly T[], size = IN_CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < values.length; i += size) out.push(values.slice(i, i + size));
  return out;
}

/** A prefix filter that matches the folder itself and everything under it, never a sibling `folder2`. */
export function underFolder(column: string, folder: string): string {
  const withSep = folder.endsWith(sep) ? folder : folder + sep;
  return `(${column} = ${sqlString(folder)} OR starts_with(${column}, ${sqlString(withSep)}))`;
}

export type Row = Record<string, unknown>;

export async function queryAll(table: Table, where?: string, columns?: string[]): Promise<Row[]> {
  let q = table.query();
  if (where) q = q.where(where);
  if (columns) q = q.select(columns);
  return (await q.toArray()) as Row[];
}

/** Columns of a query's rows, each decoded in one pass (see queryColumns). */
export interface Columns {
  rows: number;
  text(column: string): (string | null)[];
  numbers(column: string): (number | null)[];
}

/**
 * Every matching row's `columns`, read as Arrow and decoded a column at a time. For bulk reads (every
 * photo of a 100,000-photo library): row objects read each field through a proxy, about ten times slower.
 */
export async function queryColumns(table: Table, columns: string[], where?: string): Promise<Columns> {
  let q = table.query();
  if (where) q = q.where(where);
  const result = await q.select(columns).toArrow();
  // No rows can come back without columns at all.
  if (result.numRows === 0) return { rows: 0, text: () => [], numbers: () => [] };
  const vector = (name: string): Vector => {
    const v = result.getChild(name);
    if (!v) throw new Error(`no column '${name}' in the result`);
    return v;
  };
  return {
    rows: result.numRows,
    text: (name) => textColumn(vector(name)),
    numbers: (name) => numberColumn(vector(name)),
  };
}

/** Whether row `i` of a chunk holds a value. The validity bitmap is never sliced: it is read at offset + i. */
function isValid(d: Data, i: number): boolean {
  if (d.nullCount === 0 || !d.nullBitmap || d.nullBitmap.length === 0) return true;
  const j = d.offset + i;
  return (d.nullBitmap[j >> 3]! & (1 << (j & 7))) !== 0;
}

function textColumn(vector: Vector): (string | null)[] {
  const chunks = vector.data as Data[];
  if (!chunks.every((d) => DataType.isUtf8(d.type) || DataType.isLargeUtf8(d.type)))
    return Array.from(vector as Iterable<unknown>, (x) => (x === null || x === undefined ? null : String(x)));
  const out: (string | null)[] = [];
  for (const d of chunks) {
    // Offsets are sliced with the chunk and point into the (unsliced) bytes.
    const offsets = d.valueOffsets as Int32Array | BigInt64Array;
    const bytes = d.values as Uint8Array;
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < d.length; i++)
      out.push(isValid(d, i) ? buf.toString('utf8', Number(offsets[i]), Number(offsets[i + 1])) : null);
  }
  return out;
}

function numberColumn(vector: Vector): (number | null)[] {
  const chunks = vector.data as Data[];
  if (!chunks.every((d) => DataType.isInt(d.type) || DataType.isFloat(d.type)))
    return Array.from(vector as Iterable<unknown>, toNumber);
  const out: (number | null)[] = [];
  for (const d of chunks) {
    // Fixed-width values are sliced with the chunk: row i is values[i].
    const values = d.values as ArrayLike<number | bigint>;
    for (let i = 0; i < d.length; i++) out.push(isValid(d, i) ? Number(values[i]) : null);
  }
  return out;
}

/** The rows whose `column` is one of `values` (duplicates asked once), with an optional extra filter. */
export async function queryIn(
  table: Table,
  column: string,
  values: readonly string[],
  options: { columns?: string[]; and?: string } = {},
): Promise<Row[]> {
  const out: Row[] = [];
  for (const chunk of chunks([...new Set(values)])) {
    const where = options.and ? `${inList(column, chunk)} AND (${options.and})` : inList(column, chunk);
    out.push(...(await queryAll(table, where, options.columns)));
  }
  return out;
}

/**
 * Inserts rows, replacing those with the same `key`; returns the table's version after the write. The
 * explicit schema keeps a column's type from being guessed from the first rows (a batch whose scores are
 * all null would otherwise have no type). The merge joins the batch against the table: through the key's
 * BTREE index where the table has one (LanceDB's default, useIndex), for the fragments written since
 * then by a scan. Rows known to be new are cheaper appended (appendRows).
 */
export async function upsertRows(
  table: Table,
  key: string,
  schema: Schema,
  rows: object[],
): Promise<number | undefined> {
  if (rows.length === 0) return undefined;
  const data = lancedb.makeArrowTable(rows as Row[], { schema });
  const result = await table.mergeInsert(key).whenMatchedUpdateAll().whenNotMatchedInsertAll().execute(data);
  return result.version;
}

/**
 * Appends rows that the caller knows have no row yet (a new path, a new content): no join against the
 * table, so its cost does not grow with the table. Returns the table's version after the write.
 */
export async function appendRows(table: Table, schema: Schema, rows: object[]): Promise<number | undefined> {
  if (rows.length === 0) return undefined;
  const result = await table.add(lancedb.makeArrowTable(rows as Row[], { schema }));
  return result.version;
}

/**
 * Deletes the rows whose `column` is one of `values`, a bounded IN list at a time; returns the table's
 * version after each delete.
 */
export async function deleteIn(table: Table, column: string, values: readonly string[]): Promise<number[]> {
  const versions: number[] = [];
  for (const chunk of chunks([...new Set(values)]))
    versions.push((await table.delete(inList(column, chunk))).version);
  return versions;
}

/**
 * Leaves one row per `key` value: appends (see appendRows) trust the caller, and two machines writing
 * one shared store could each append the same key. Reads only the key column; where a key has several
 * rows, the last read is kept (re-added after its duplicates are deleted). Returns how many keys were
 * repaired and every key (each once: the keys the table holds after the repair). A crash between the delete and the add loses those rows, which the next index writes again.
 */
export async function removeDuplicateKeys(
  table: Table,
  key: string,
  schema: Schema,
): Promise<{ repaired: number; keys: Set<string> }> {
  const read = await queryColumns(table, [key]);
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const value of read.text(key)) {
    if (value === null) continue;
    if (seen.has(value)) repeated.add(value);
    else seen.add(value);
  }
  if (repeated.size === 0) return { repaired: 0, keys: seen };
  const keep = new Map<string, Row>();
  for (const row of await queryIn(table, key, [...repeated])) keep.set(String(row[key]), row);
  await deleteIn(table, key, [...repeated]);
  await appendRows(
    table,
    schema,
    [...keep.values()].map((row) => plainRow(row, schema)),
  );
  return { repaired: repeated.size, keys: seen };
}

/** A row read back as the plain values of `schema`'s columns (vectors as arrays), ready to be written. */
function plainRow(row: Row, schema: Schema): Row {
  const out: Row = {};
  for (const field of schema.fields) {
    const v = row[field.name];
    out[field.name] =
      v !== null && typeof v === 'object' && 'toArray' in v
        ? Array.from((v as { toArray(): ArrayLike<number> }).toArray())
        : v;
  }
  return out;
}

/** A LanceDB number (Float64 comes back as number, Int64 as bigint) as a JS number, null kept. */
export function toNumber(v: unknown): number | null {
  if (v === null || v === undefined) return null;
  return Number(v);
}

/** A nullable text column as string | null. */
export function toText(v: unknown): string | null {
  return v === null || v === undefined ? null : String(v);
}
