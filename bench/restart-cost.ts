// What reopening a library with nothing changed costs at a given size (`lookbook index` printing "Up to
// date"), and where the time goes. Indexing 100,000 photos takes long here, so the library's rows are
// written directly: one file row per file of a generated tree (its real size and mtime, status indexed),
// a content row and a vector for each, then the tables compacted, as a maintained library is. The
// restart then runs the real code path (openCore, then library.index()), which must open no photo.
//
//   nice -n 10 node --import tsx bench/restart-cost.ts [files] [rounds]     (default: 100000 3)
//
// Cached under bench/out/restart/<files>/ (the tree: 100 files a folder, 60-byte .jpg placeholders).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openCore } from '../main/core/open-core.js';
import { loadKnownSets } from '../main/library/indexer.js';
import { scanFolder } from '../main/library/scanner.js';
import type { ContentRow } from '../main/store/contents-table.js';

const files = Number(process.argv[2] ?? 100_000);
const rounds = Number(process.argv[3] ?? 3);
const base = join(fileURLToPath(new URL('.', import.meta.url)), 'out', 'restart', String(files));
const root = join(base, 'photos');
const dataDir = join(base, 'data');
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
const ms = (t0: number) => Math.round(performance.now() - t0);

if (!existsSync(join(base, '.seeded'))) {
  const t0 = performance.now();
  const bytes = Buffer.alloc(60, 1);
  for (let i = 0; i < files; i++) {
    const folder = join(root, `album-${Math.floor(i / 100)}`);
    if (i % 100 === 0) mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, `photo-${i}.jpg`), bytes);
  }
  const core = await openCore({ dataDir, model: 'demo' });
  await core.library.addFolder(root);
  const { store, engine } = core.library;
  const scanned = (await scanFolder(root, () => false)).files;
  const dim = engine.model.embedDim;
  const id = (path: string) => createHash('sha256').update(path).digest('hex');
  for (let start = 0; start < scanned.length; start += 10_000) {
    const slice = scanned.slice(start, start + 10_000);
    const now = Date.now();
    await store.upsertVectors(
      engine.model.id,
      dim,
      slice.map((f) => ({
        contentId: id(f.path),
        vector: Float32Array.from({ length: dim }, () => Math.random() - 0.5),
      })),
    );
    await store.upsertContents(
      slice.map((f): ContentRow => ({
        contentId: id(f.path),
        width: 16,
        height: 12,
        takenAt: f.mtimeMs,
        takenAtSource: 'file',
        cameraMake: null,
        cameraModel: null,
        latitude: null,
        longitude: null,
        format: 'jpeg',
        size: f.size,
        thumbnail: false,
        addedAt: now,
      })),
    );
    await store.upsertFiles(
      slice.map((f) => ({
        path: f.path,
        folder: root,
        contentId: id(f.path),
        size: f.size,
        mtimeMs: f.mtimeMs,
        status: 'indexed' as const,
        code: null,
        reason: null,
        updatedAt: now,
      })),
    );
  }
  // As a maintained library is (no ANN index: the bench looks at the library's own work).
  await store.optimize({ annThreshold: Number.MAX_SAFE_INTEGER });
  await core.close();
  writeFileSync(join(base, '.seeded'), '');
  console.log(`seeded ${files} files in ${ms(t0)} ms`);
}

console.log(`restart with nothing changed, ${files} files; load average before: ${load()}`);
for (let round = 0; round < rounds; round++) {
  const t0 = performance.now();
  const core = await openCore({ dataDir, model: 'demo' });
  const opened = ms(t0);
  const t1 = performance.now();
  const stats = await core.library.index();
  const indexed = ms(t1);
  // The parts, timed alone after the run (warm caches, as the run's own were).
  const t2 = performance.now();
  const scan = await scanFolder(root, () => false);
  const scanMs = ms(t2);
  const t3 = performance.now();
  await core.library.store.allFileStates();
  const statesMs = ms(t3);
  const t4 = performance.now();
  await loadKnownSets(core.library.store, core.library.engine.model.id);
  const knownMs = ms(t4);
  const t5 = performance.now();
  await core.library.store.orphanContentIds();
  const orphansMs = ms(t5);
  await core.close();
  console.log(
    JSON.stringify({
      round,
      openMs: opened,
      indexMs: indexed,
      seen: stats.seen,
      hashed: stats.hashed,
      encoded: stats.encoded,
      parts: { scanMs, scanned: scan.files.length, fileStatesMs: statesMs, knownSetsMs: knownMs, orphansMs },
      rssMb: Math.round(process.memoryUsage().rss / 2 ** 20),
    }),
  );
}
console.log(`load average after: ${load()}`);
