import { createWriteStream } from 'node:fs';
import { extname, resolve } from 'node:path';
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
import { UserError } from '../errors.js';
import { chooseAdapter, throughAdapter, type AdapterChoice } from './adapter-choice.js';
import { embedFolder, embedTsv, type SkippedItem } from './dataset-embedding.js';
import { DEFAULT_CLASS_TEMPLATE } from './folder-dataset.js';
import type { TuningContext } from './tuning-context.js';

// Feature export: the embeddings of a TSV dataset, a folder-per-class dataset or the library (its stored
// image vectors and its pairs' captions), raw or through an adapter, written as TSV or Arrow for
// analysis outside Lookbook.

export type FeatureSource =
  { from: 'tsv'; path: string } | { from: 'folder'; path: string } | { from: 'library' };

export interface ExportFeaturesOptions {
  source: FeatureSource;
  kind?: 'text' | 'image' | 'both';
  /** Map through the adapter (default: raw embeddings). */
  adapted?: boolean;
  adapter?: AdapterChoice;
  /** `.tsv` or `.arrow` (also `.feather`, `.ipc`). */
  out: string;
  /** Folder datasets: the text template. */
  template?: string;
}

export interface ExportReport {
  path: string;
  format: 'tsv' | 'arrow';
  rows: number;
  dim: number;
  adapter: string;
  skipped: SkippedItem[];
}

/** One embedding to export: a stable id (content id, pair id, …) and its vector. */
export interface FeatureRow {
  id: string;
  vector: Float32Array;
}

type Rows = Iterable<FeatureRow> | AsyncIterable<FeatureRow>;

/** Embeds what `options.source` names and writes it to `options.out`, in the format its extension says. */
export async function exportFeatures(
  ctx: TuningContext,
  options: ExportFeaturesOptions,
): Promise<ExportReport> {
  const kind = options.kind ?? 'image';
  const out = resolve(options.out);
  const ext = extname(out).toLowerCase();
  const format = ext === '.tsv' ? 'tsv' : ['.arrow', '.feather', '.ipc'].includes(ext) ? 'arrow' : undefined;
  if (!format) throw new UserError(`--out must end in .tsv or .arrow, got ${out}`, 'bad-output');
  const { name, adapter } = options.adapted
    ? await chooseAdapter(ctx, options.adapter ?? 'active')
    : { name: 'none', adapter: null };
  const rows: FeatureRow[] = [];
  const skipped: SkippedItem[] = [];
  // With both kinds in one file, ids are prefixed so that an image and a text of the same item differ.
  const push = (prefix: string, ids: string[], vectors: Float32Array[], side: 'image' | 'text') => {
    const vs = throughAdapter(adapter, vectors, side);
    ids.forEach((id, i) => rows.push({ id: kind === 'both' ? `${prefix}${id}` : id, vector: vs[i]! }));
  };
  const source = options.source;
  if (source.from === 'tsv') {
    const data = await embedTsv(ctx.engine, await ctx.textCache(), source.path);
    skipped.push(...data.skipped);
    const ids = data.ids.map(String);
    if (kind !== 'text') push('image:', ids, data.image, 'image');
    if (kind !== 'image') push('text:', ids, data.text, 'text');
  } else if (source.from === 'folder') {
    const data = await embedFolder(ctx.engine, source.path, {
      template: options.template ?? DEFAULT_CLASS_TEMPLATE,
      withImages: kind !== 'text',
    });
    skipped.push(...data.skipped);
    const { images, texts } = data;
    if (kind !== 'text')
      push(
        'image:',
        images.map((x) => x.id),
        images.map((x) => x.vector),
        'image',
      );
    if (kind !== 'image') {
      const vs = await (await ctx.textCache()).embed(texts.map((t) => t.text));
      push(
        'text:',
        texts.map((t) => t.id),
        vs,
        'text',
      );
    }
  } else {
    if (kind !== 'text') {
      const all = await ctx.library.store.scanVectors(ctx.modelId);
      all.sort((a, b) => a.contentId.localeCompare(b.contentId));
      push(
        'image:',
        all.map((r) => r.contentId),
        all.map((r) => r.vector),
        'image',
      );
    }
    if (kind !== 'image') {
      const list = await ctx.pairs.list();
      const vs = await (await ctx.textCache()).embed(list.map((p) => p.text));
      push(
        'text:',
        list.map((p) => p.id),
        vs,
        'text',
      );
    }
  }
  const dim = ctx.engine.model.embedDim;
  const count =
    format === 'tsv' ? await writeFeaturesTsv(out, rows, dim) : await writeFeaturesArrow(out, rows, dim);
  return { path: out, format, rows: count, dim, adapter: name, skipped };
}

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
