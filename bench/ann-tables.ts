// Vector tables of clustered vectors (ann-vectors.ts) for the ANN measurements, with the exact nearest
// neighbours of the queries, cached under bench/out/ann (deterministic: rebuilt only when the generator
// or the size changes). Written straight with LanceDB's append (the library's upserts merge by key,
// which costs minutes more at a million rows and measures nothing this phase is about).
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as lancedb from '@lancedb/lancedb';
import { createRequire } from 'node:module';
import type * as ArrowModule from 'apache-arrow';
import { vectorsSchema } from '../main/store/schemas.js';
import { CLUSTERED_VERSION, clusteredVectors, type ClusteredVectors } from './ann-vectors.js';

// LanceDB (CommonJS) checks `instanceof` against its own copy of apache-arrow: the CommonJS build, not the
// ES module build an `import` gets. Batches built with that copy go in without a row-by-row conversion.
type Arrow = typeof ArrowModule;
const arrow = createRequire(import.meta.url)('apache-arrow') as Arrow;

export const ANN_TABLE = 'vectors';
export const QUERY_COUNT = 100;

/** The content id of the `i`-th synthetic photo (short: the id's length does not matter here). */
export const photoId = (i: number) => `p${i}`;

/** An Arrow batch of rows `from`..`to`-1 in the vector table's schema. */
/** The `k` best-scoring ids offered, kept in a small sorted array. */
class TopK {
  private scores: number[] = [];
  private idsByRank: number[] = [];
  constructor(private readonly k: number) {}
  accepts(score: number): boolean {
    return this.scores.length < this.k || score > this.scores[this.k - 1]!;
  }
  offer(score: number, id: number): void {
    const n = this.scores.length;
    let at = n;
    while (at > 0 && this.scores[at - 1]! < score) at--;
    this.scores.splice(at, 0, score);
    this.idsByRank.splice(at, 0, id);
    if (this.scores.length > this.k) {
      this.scores.pop();
      this.idsByRank.pop();
    }
  }
  ids(): number[] {
    return this.idsByRank;
  }
}

/** Offers every row of `vectors` (ids from `first` on) to each query's running top-k. */
function scoreChunk(
  queries: Float32Array[],
  vectors: Float32Array,
  dim: number,
  first: number,
  best: TopK[],
) {
  const rows = vectors.length / dim;
  for (let qi = 0; qi < queries.length; qi++) {
    const q = queries[qi]!;
    const top = best[qi]!;
    for (let r = 0; r < rows; r++) {
      const o = r * dim;
      let s = 0;
      for (let k = 0; k < dim; k++) s += q[k]! * vectors[o + k]!;
      if (top.accepts(s)) top.offer(s, first + r);
    }
  }
}

function batch(gen: ClusteredVectors, from: number, to: number) {
  const { FixedSizeList, Float32, RecordBatch, Struct, Table, Utf8, makeData, vectorFromArray } = arrow;
  const dim = gen.options.dim;
  const schema = new arrow.Schema([
    new arrow.Field('contentId', new Utf8(), false),
    new arrow.Field('vector', new FixedSizeList(dim, new arrow.Field('item', new Float32(), true)), false),
  ]);
  const ids = vectorFromArray(
    Array.from({ length: to - from }, (_, k) => photoId(from + k)),
    new Utf8(),
  );
  const data = gen.images(from, to);
  const values = makeData({ type: new Float32(), data });
  const listType = schema.fields[1]!.type as InstanceType<typeof FixedSizeList<InstanceType<typeof Float32>>>;
  const vectors = makeData({ type: listType, length: to - from, child: values, nullCount: 0 });
  const struct = makeData({
    type: new Struct(schema.fields),
    length: to - from,
    children: [ids.data[0]!, vectors],
    nullCount: 0,
  });
  return { table: new Table(schema, new RecordBatch(schema, struct)), vectors: data };
}

export interface AnnData {
  dir: string;
  rows: number;
  /** Seconds spent writing the table now (undefined when it came from the cache). */
  writeSeconds?: number;
  queries: Float32Array[];
  /** The exact 10 nearest photo ids of each query (brute force over every row). */
  exact: string[][];
}

/** The table of `rows` clustered vectors under `cacheDir`, written if it is not there yet. */
export async function ensureAnnData(
  cacheDir: string,
  rows: number,
  log = (_: string) => {},
): Promise<AnnData> {
  const gen = clusteredVectors();
  const dir = join(cacheDir, `clustered-v${CLUSTERED_VERSION}-${rows}`);
  const queries = Array.from({ length: QUERY_COUNT }, (_, i) => gen.query(i));
  const metaPath = join(dir, 'exact.json');
  if (existsSync(metaPath)) {
    const exact = JSON.parse(await readFile(metaPath, 'utf8')) as string[][];
    return { dir, rows, queries, exact };
  }
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const t0 = performance.now();
  const db = await lancedb.connect(join(dir, 'db'));
  const table = await db.createEmptyTable(ANN_TABLE, vectorsSchema(gen.options.dim));
  // The exact neighbours are found while the rows are generated (a running top 10 per query): LanceDB's
  // brute-force scan would read the whole table once per query.
  const best = queries.map(() => new TopK(10));
  const dim = gen.options.dim;
  const chunk = 25_000;
  for (let from = 0; from < rows; from += chunk) {
    const to = Math.min(rows, from + chunk);
    const data = batch(gen, from, to);
    await table.add(data.table);
    scoreChunk(queries, data.vectors, dim, from, best);
    if ((from / chunk) % 8 === 0) log(`wrote ${to.toLocaleString('en')} rows`);
  }
  await table.optimize();
  const writeSeconds = (performance.now() - t0) / 1000;
  const exact = best.map((top) => top.ids().map(photoId));
  table.close();
  db.close();
  await writeFile(metaPath, JSON.stringify(exact));
  log(`wrote ${rows.toLocaleString('en')} rows in ${writeSeconds.toFixed(0)} s`);
  return { dir, rows, writeSeconds, queries, exact };
}
