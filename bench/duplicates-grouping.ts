// Grouping duplicates at 100,000 photos: how long core.duplicates().find() takes on 2 cores and the
// process's peak memory. The library is synthetic, written straight into the store (as query-phase.ts
// does): 100,000 contents with 512-number vectors (CLIP ViT-B/32's size), random directions except that
// DUPLICATE_SHARE of them are near copies of another (the vector plus noise, cosine ≈ 0.98), and no
// thumbnails, so the picture hash is not computed: the figure is the embeddings' part (reading the
// vectors, the random-projection index, the grouping) plus the files' and contents' look-ups.
//   node --import tsx bench/duplicates-grouping.ts [--photos N] [--out bench/out] [--reuse]
// --reuse groups the library an earlier run wrote (same --photos), so the peak memory is the grouping's.
import { mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createDuplicateFinder } from '../main/duplicates/duplicate-finder.js';
import { openLibraryStore, type ContentRow, type FileRow } from '../main/store/library-store.js';
import { peakRssMiB } from './stats.js';

const DIM = 512;
const MODEL = 'bench-duplicates';
/** One photo in twenty is a near copy of an earlier one. */
const DUPLICATE_SHARE = 0.05;

function gaussian(seed: number): () => number {
  let s = seed >>> 0;
  const u = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 1) / 4294967297;
  };
  return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}

function unit(v: Float32Array): Float32Array {
  let n = 0;
  for (const x of v) n += x * x;
  n = Math.sqrt(n);
  return v.map((x) => x / n);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { photos: { type: 'string' }, out: { type: 'string' }, reuse: { type: 'boolean' } },
  });
  const photos = Number(values.photos ?? 100_000);
  const dir = resolve(values.out ?? 'bench/out', 'duplicates-grouping');
  if (!values.reuse) {
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
  }
  const store = await openLibraryStore(dir);
  const next = gaussian(42);
  const folder = join(dir, 'photos');
  const vectors: Float32Array[] = [];
  const t0 = performance.now();
  let planted = 0;
  for (let start = 0; !values.reuse && start < photos; start += 10_000) {
    const end = Math.min(photos, start + 10_000);
    const rows: { contentId: string; vector: Float32Array }[] = [];
    const contents: ContentRow[] = [];
    const files: FileRow[] = [];
    for (let i = start; i < end; i++) {
      let v: Float32Array;
      if (i > 0 && (i * 2654435761) % 1000 < DUPLICATE_SHARE * 1000) {
        // A near copy of an earlier photo: its vector with noise of about 0.2 of its length.
        const of = vectors[(Math.imul(i, 0x9e3779b1) >>> 0) % i]!;
        v = unit(of.map((x) => x + (next() * 0.2) / Math.sqrt(DIM)));
        planted++;
      } else v = unit(Float32Array.from({ length: DIM }, next));
      vectors.push(v);
      const contentId = i.toString(16).padStart(64, '0');
      rows.push({ contentId, vector: v });
      contents.push({
        contentId,
        width: 4000,
        height: 3000,
        takenAt: Date.UTC(2015, 0, 1) + i * 3_600_000,
        takenAtSource: 'exif',
        cameraMake: 'Lookbook',
        cameraModel: 'Bench',
        latitude: null,
        longitude: null,
        format: 'jpeg',
        size: 4_000_000,
        thumbnail: false,
        addedAt: Date.now(),
      });
      files.push({
        path: join(folder, String(Math.floor(i / 1000)).padStart(3, '0'), `IMG_${i}.jpg`),
        folder,
        contentId,
        size: 4_000_000,
        mtimeMs: Date.UTC(2015, 0, 1) + i * 3_600_000,
        status: 'indexed',
        code: null,
        reason: null,
        updatedAt: Date.now(),
      });
    }
    await store.upsertVectors(MODEL, DIM, rows);
    await store.upsertContents(contents);
    await store.upsertFiles(files);
  }
  if (!values.reuse) await store.optimize({ annThreshold: Number.MAX_SAFE_INTEGER });
  const fillSeconds = (performance.now() - t0) / 1000;
  vectors.length = 0;
  const rssBefore = peakRssMiB();

  const finder = createDuplicateFinder({
    library: { store, dataDir: dir, generation: () => 0, thumbnailPath: () => undefined },
    modelKey: async () => MODEL,
    albumContentIds: async () => new Set(),
  });
  const t1 = performance.now();
  const cpu0 = process.cpuUsage();
  const groups = await finder.find();
  const seconds = (performance.now() - t1) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const t2 = performance.now();
  await finder.find();
  const cachedMs = performance.now() - t2;
  const inGroups = groups.reduce((s, g) => s + g.copies.length - 1, 0);
  console.log(
    JSON.stringify({
      photos,
      ...(values.reuse ? {} : { plantedNearCopies: planted }),
      groups: groups.length,
      nearCopiesFound: inGroups,
      fillSeconds: Math.round(fillSeconds),
      groupingSeconds: Math.round(seconds * 10) / 10,
      // CPU time (user + system, all threads): on a machine shared with other work, wall time overstates.
      groupingCpuSeconds: Math.round((cpu.user + cpu.system) / 1e5) / 10,
      cachedListMs: Math.round(cachedMs * 10) / 10,
      peakRssMiBBeforeGrouping: Math.round(rssBefore),
      peakRssMiB: Math.round(peakRssMiB()),
    }),
  );
  store.close();
}

await main();
