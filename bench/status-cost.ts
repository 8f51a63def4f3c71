// What the library's status costs on a large files table (status is asked every second while indexing):
// reading every file row into JavaScript, as status did before, against what it does now (counts by the
// database, the problem files only, and the indexed-paths map search also uses, cached until the table
// changes). Standalone: `node --import tsx bench/status-cost.ts [files]` (default 20,000).
import { mkdtempSync } from 'node:fs';
import { openLibraryStore } from '../main/store/library-store.js';
const store = await openLibraryStore(mkdtempSync('/tmp/status-bench-'));
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
const neu = await time('new: countFilesByStatus + problemFiles + indexedPaths', async () => {
  await store.countFilesByStatus();
  await store.problemFiles(1000);
  await store.indexedPaths();
});
await store.upsertFiles([{ ...rows[1]!, updatedAt: Date.now() }]);
const neuCold = await time('new, files table changed before each (cache miss)', async () => {
  await store.upsertFiles([{ ...rows[1]!, updatedAt: Date.now() }]);
  await store.countFilesByStatus();
  await store.problemFiles(1000);
  await store.indexedPaths();
});
await time('the one-row write alone', async () => {
  await store.upsertFiles([{ ...rows[1]!, updatedAt: Date.now() }]);
});
console.log(
  'ratio old/new',
  (old / neu).toFixed(1),
  'old/new-after-write',
  (old / neuCold).toFixed(1),
  'load',
  (await import('node:os')).loadavg()[0]!.toFixed(2),
);
store.close();
