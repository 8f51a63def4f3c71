// What the library's status costs on a large files table (status is asked every second while indexing):
// reading every file row into JavaScript, as status did first; then counts by the database (five
// countRows), the problem files by a filtered scan and the indexed paths re-read whenever the table
// changed, as it did until issue 17; and now: all three kept in memory and updated by this process's own
// writes (main/store/files-tally.ts), read again only after another process wrote.
// Standalone: `node --import tsx bench/status-cost.ts [files]` (default 20,000).
import { mkdtempSync } from 'node:fs';
import { queryColumns } from '../main/store/sql.js';
import { openLibraryStore, storeLocation } from '../main/store/library-store.js';
import * as lancedb from '@lancedb/lancedb';
const dir = mkdtempSync('/tmp/status-bench-');
const store = await openLibraryStore(dir);
const other = await openLibraryStore(dir);
const N = Number(process.argv[2] ?? 20000);
const rows = Array.from({ length: N }, (_, i) => ({
  path: `/photos/${Math.floor(i / 500)}/img-${i}.jpg`,
  folder: '/photos',
  contentId: i.toString(16).padStart(64, '0'),
  size: 1000 + i,
  mtimeMs: 1e12 + i,
  status: (i % 100 === 0 ? 'failed' : 'indexed') as 'failed' | 'indexed',
  code: i % 100 === 0 ? 'corrupt' : null,
  reason: i % 100 === 0 ? 'damaged' : null,
  updatedAt: Date.now(),
}));
for (let i = 0; i < N; i += 5000) await store.upsertFiles(rows.slice(i, i + 5000));
await store.optimize({ annThreshold: 1e9 });
const time = async (label: string, fn: () => Promise<unknown>) => {
  const ts: number[] = [];
  for (let k = 0; k < 7; k++) {
    const t = performance.now();
    await fn();
    ts.push(performance.now() - t);
  }
  ts.sort((a, b) => a - b);
  console.log(label, 'median', ts[3]!.toFixed(1), 'ms');
  return ts[3]!;
};
const old = await time('old: allFiles + counts in JS', async () => {
  const files = await store.allFiles();
  const c: Record<string, number> = {};
  for (const f of files) c[f.status] = (c[f.status] ?? 0) + 1;
  new Set(files.filter((f) => f.status === 'indexed').map((f) => f.contentId));
  files.filter((f) => f.status === 'failed').sort((a, b) => a.path.localeCompare(b.path));
});
const status = async () => {
  await store.countFilesByStatus();
  await store.problemFiles(1000);
  await store.indexedPaths();
};
// What status did until issue 17 after every write of the indexer: the table read again.
const db = await lancedb.connect(storeLocation(dir).uri);
const files = await db.openTable('files');
const readAgain = await time(
  'until issue 17, after each write: 5 countRows + problem scan + paths columns',
  async () => {
    for (const s of ['indexed', 'pending', 'failed', 'unsupported', 'skipped'])
      await files.countRows(`status = '${s}'`);
    await files.query().where(`status IN ('failed', 'unsupported')`).toArray();
    await queryColumns(files, ['contentId', 'path'], `status = 'indexed' AND contentId IS NOT NULL`);
  },
);
const neu = await time('now, nothing changed: countFilesByStatus + problemFiles + indexedPaths', status);
const write = () => store.appendFiles([{ ...rows[1]!, path: `/photos/new-${performance.now()}.jpg` }]);
const writeAlone = await time('a one-row append alone', write);
const afterOwn = await time('now, after this process appended a row (write included)', async () => {
  await write();
  await status();
});
const afterOther = await time('now, after another process wrote (the tally read again)', async () => {
  await other.appendFiles([{ ...rows[1]!, path: `/photos/other-${performance.now()}.jpg` }]);
  await status();
});
console.log(
  'ratio old/now',
  (old / neu).toFixed(1),
  'until-17/now-after-own-write',
  (readAgain / Math.max(0.01, afterOwn - writeAlone)).toFixed(1),
  'after another process',
  afterOther.toFixed(1),
  'ms',
  'load',
  (await import('node:os')).loadavg()[0]!.toFixed(2),
);
store.close();
other.close();
db.close();
