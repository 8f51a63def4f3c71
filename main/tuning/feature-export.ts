import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import {
  Field,
  FixedSizeList,
  Float32,
  RecordBatch,
  RecordBatchFileWriter,
  Schema,
  Struct,
  Utf8,
  makeData,
  vectorFromArray,
} from 'apache-arrow';

/** One embedding to export: a stable id (content id, pair id, …) and its vector. */
export interface FeatureRow {
  id: string;
  vector: Float32Array;
}

type Rows = Iterable<FeatureRow> | AsyncIterable<FeatureRow>;

/**
 * Embeddings as TSV for spreadsheets and scripts: the id, then the floats, tab-separated, one row per
 * line, with a header (`id`, `f0` … `f{dim-1}`). Floats are written in shortest round-trip form, so
 * parseFloat gives back the exact float32. Returns the number of rows.
 */
export async function writeFeaturesTsv(path: string, rows: Rows, dim: number): Promise<number> {
  const out = createWriteStream(path, { encoding: 'utf8' });
  const done = finished(out);
  let count = 0;
  try {
    const header = ['id', ...Array.from({ length: dim }, (_, i) => `f${i}`)].join('\t');
    out.write(`${header}\n`);
    for await (const row of rows) {
      checkRow(row, dim, count);
      const line = `${row.id}\t${Array.from(row.vector, (x) => String(x)).join('\t')}\n`;
      if (!out.write(line)) await once(out, 'drain');
      count++;
    }
  } finally {
    out.end();
    await done;
  }
  return count;
}

/**
 * Embeddings as an Arrow IPC file (readable by pyarrow, polars, DuckDB, apache-arrow's tableFromIPC):
 * an `id` Utf8 column and a `vector` FixedSizeList<Float32>[dim] column, written in record batches so
 * a large export never sits in memory whole. Returns the number of rows.
 */
export async function writeFeaturesArrow(
  path: string,
  rows: Rows,
  dim: number,
  batchRows = 4096,
): Promise<number> {
  const vectorType = new FixedSizeList(dim, new Field('item', new Float32(), false));
  const schema = new Schema([new Field('id', new Utf8(), false), new Field('vector', vectorType, false)]);
  const writer = new RecordBatchFileWriter();
  const sink = createWriteStream(path);
  const piped = finished(writer.pipe(sink));
  const ids: string[] = [];
  let values = new Float32Array(batchRows * dim);
  let count = 0;
  const flush = () => {
    const n = ids.length;
    const child = makeData({
      type: new Float32(),
      length: n * dim,
      nullCount: 0,
      data: values.subarray(0, n * dim),
    });
    const vectors = makeData({ type: vectorType, length: n, nullCount: 0, child });
    const idData = vectorFromArray(ids, new Utf8()).data[0]!;
    const data = makeData({
      type: new Struct(schema.fields),
      length: n,
      nullCount: 0,
      children: [idData, vectors],
    });
    writer.write(new RecordBatch(schema, data));
    ids.length = 0;
    values = new Float32Array(batchRows * dim);
  };
  try {
    for await (const row of rows) {
      checkRow(row, dim, count);
      values.set(row.vector, ids.length * dim);
      ids.push(row.id);
      count++;
      if (ids.length === batchRows) flush();
    }
    if (ids.length > 0 || count === 0) flush();
  } finally {
    writer.finish();
    writer.close();
    await piped;
  }
  return count;
}

function checkRow(row: FeatureRow, dim: number, index: number): void {
  if (row.vector.length !== dim) {
    throw new Error(
      `feature export: row ${index} (${row.id}) has ${row.vector.length} values, expected ${dim}`,
    );
  }
  if (/[\t\r\n]/.test(row.id))
    throw new Error(`feature export: id of row ${index} contains a tab or line break`);
}
