// What one indexer batch's writes cost as the tables grow: each table's write of a batch (16 vectors,
// 16 contents, 16 files) timed at a small and at a large table, for the write shapes the store offers.
// Standalone: `node --import tsx bench/big-library-writes.ts [small] [large]` (default 1,000 and 50,000).
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import * as lancedb from '@lancedb/lancedb';
import { contentsSchema, filesSchema, vectorsSchema } from '../main/store/schemas.js';

const SMALL = Number(process.argv[2] ?? 1000);
const LARGE = Number(process.argv[3] ?? 50_000);
const BATCH = 16;
const ROUNDS = 10;
const DIM = 512;

const id = (i: number) => i.toString(16).padStart(64, '0');
const fileRow = (i: number) => ({
  path: `/photos/${Math.floor(i / 500)}/img-${i}.jpg`,
  folder: '/photos',
  contentId: id(i),
  size: 1000 + i,
  mtimeMs: 1e12 + i,
  status: 'indexed',
  code: null,
  reason: null,
  updatedAt: Date.now(),
});
const contentRow = (i: number) => ({
  contentId: id(i),
  width: 16,
  height: 12,
  takenAt: 1e12 + i,
  takenAtSource: 'file',
  cameraMake: null,
  cameraModel: null,
  latitude: null,
  longitude: null,
  format: 'jpeg',
  size: 1000 + i,
  thumbnail: true,
  addedAt: Date.now(),
});
const vector = Array.from({ length: DIM }, (_, k) => (k === 0 ? 1 : 0));
const vectorRow = (i: number) => ({ contentId: id(i), vector });

const TABLES = [
  { name: 'files', key: 'path', schema: filesSchema, row: fileRow },
  { name: 'contents', key: 'contentId', schema: contentsSchema, row: contentRow },
  { name: 'vectors', key: 'contentId', schema: vectorsSchema(DIM), row: vectorRow },
] as const;

/**
 * merge: mergeInsert on the key (what every batch did); +index: with a BTREE index on the key;
 * append: table.add. 'fragmented': the table was filled as the indexer used to fill it, one small commit
 * per batch and no compaction until the end, instead of in large compacted appends.
 */
type Shape = 'merge' | 'merge+index' | 'append' | 'merge, fragmented' | 'append, fragmented';

async function measure(size: number, shape: Shape): Promise<Record<string, number>> {
  const dir = mkdtempSync('/tmp/big-library-writes-');
  const db = await lancedb.connect(dir);
  const out: Record<string, number> = {};
  try {
    for (const t of TABLES) {
      const table = await db.createEmptyTable(t.name, t.schema);
      // Filled in large appends (a few fragments), then compacted: the table as a finished index leaves
      // it; or 'fragmented', in batch-sized commits.
      const fragmented = shape.endsWith('fragmented');
      const fill = fragmented ? BATCH * 4 : 10_000;
      for (let i = 0; i < size; i += fill) {
        const rows = Array.from({ length: Math.min(fill, size - i) }, (_, k) => t.row(i + k));
        await table.add(lancedb.makeArrowTable(rows, { schema: t.schema }));
      }
      if (!fragmented) await table.optimize();
      if (shape === 'merge+index') await table.createIndex(t.key, { config: lancedb.Index.btree() });
      const times: number[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        const start = size + r * BATCH;
        const rows = Array.from({ length: BATCH }, (_, k) => t.row(start + k));
        const data = lancedb.makeArrowTable(rows, { schema: t.schema });
        const t0 = performance.now();
        if (shape.startsWith('append')) await table.add(data);
        else await table.mergeInsert(t.key).whenMatchedUpdateAll().whenNotMatchedInsertAll().execute(data);
        times.push(performance.now() - t0);
      }
      times.sort((a, b) => a - b);
      out[t.name] = times[Math.floor(ROUNDS / 2)]!;
      table.close();
    }
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

const results: Record<string, Record<string, number>> = {};
const shapes = (process.argv[4]?.split(';') ?? [
  'merge',
  'merge+index',
  'append',
  'merge, fragmented',
  'append, fragmented',
]) as Shape[];
for (const shape of shapes) {
  for (const size of [SMALL, LARGE]) {
    const r = await measure(size, shape);
    results[`${shape} @ ${size}`] = r;
    console.log(
      `${shape.padEnd(18)} ${String(size).padStart(7)} rows: ` +
        TABLES.map((t) => `${t.name} ${r[t.name]!.toFixed(1)} ms`).join(', '),
    );
  }
}
console.log(
  `median of ${ROUNDS} batches of ${BATCH} rows; load average ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`,
);
