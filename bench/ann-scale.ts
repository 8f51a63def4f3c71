// `npm run bench -- --phase ann-scale [--sizes 100000,1000000]`: text-query latency and recall@10 at
// library scale on clustered, CLIP-like vectors (ann-vectors.ts), through the library's own store: the
// ANN index its optimize() builds (ann-index.ts), its nearestVectors, and the page join. Also the same
// search with the tables in a loopback S3 server (s3rver, in a child process on 127.0.0.1).
//
// A query's time is: encoding its text with the bench model's text tower + the vector search for the
// searcher's first fetch (FIRST_CANDIDATES) + joining the first page (DEFAULT_LIMIT) with its paths and
// content rows. The vector searched for is a clustered query vector, not the text's encoding: the bench
// model has random weights, so its text vectors would land nowhere near the photos' clusters.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as lancedb from '@lancedb/lancedb';
import { createClipEngine } from '../main/engine/clip-engine.js';
import { DEFAULT_LIMIT, FIRST_CANDIDATES } from '../main/search/searcher.js';
import { DEFAULT_ANN_THRESHOLD } from '../main/store/maintenance.js';
import { openLibraryStore, vectorTableName, type LibraryStore } from '../main/store/library-store.js';
import { contentsSchema, filesSchema } from '../main/store/schemas.js';
import { storeLocation, type StoreLocation } from '../main/store/store-location.js';
import { ANN_TABLE, ensureAnnData, photoId, type AnnData } from './ann-tables.js';
import { BENCH_QUERIES } from './query-latency.js';
import { summarize, type LatencySummary } from './stats.js';

/** The model key the clustered vectors are stored under. */
export const ANN_MODEL = 'bench-clustered-512';

export interface AnnSearchLatency {
  /** Encode + vector search + page join, ms. */
  total: LatencySummary;
  encode: LatencySummary;
  vectorSearch: LatencySummary;
  join: LatencySummary;
  /** Share of the exact 10 nearest among the first 10 of the vector search. */
  recallAt10: number;
}

export interface AnnScaleRow {
  photos: number;
  /** Writing the vectors and rows (undefined: cached from an earlier run). */
  writeSeconds?: number;
  /** store.optimize() building the ANN index (undefined: below the threshold, searched exactly). */
  indexBuildSeconds?: number;
  /** The vector index searched (its name: kind and partitions, see ann-index.ts); undefined: exact search. */
  index?: string;
  /** The phase process's RSS high-water mark right after the index was built, MiB. */
  peakRssAfterBuildMiB: number;
  /** As the app searches: after StoreMaintenance.keepAnnIndexWarm loaded the index. */
  search: AnnSearchLatency;
  /**
   * The same search in a process that has just opened the library (one pass, before the warm-up): each
   * partition is read from disk the first time a search scans it, as in a one-shot CLI search.
   */
  cold?: AnnSearchLatency;
  /** keepAnnIndexWarm: its seconds, whether it loaded the index (it fits in memory), RSS after, MiB. */
  warmUp?: { seconds: number; loaded: boolean; rssMiB: number };
  /** The same search with the ANN index bypassed (exact), at sizes where that is affordable. */
  exact?: AnnSearchLatency;
  /** When this row was measured and the load average then (set when rows of several runs are merged). */
  measuredAt?: string;
  loadAverage?: number[];
}

export interface AnnScaleResult {
  rows: AnnScaleRow[];
  /** The search through the loopback S3 store, at `photos` photos; ratio = S3 p50 / local p50. */
  s3?: { photos: number; indexBuildSeconds: number; search: AnnSearchLatency; ratio: number };
  loadAverage: { start: number[]; end: number[] };
  measuredAt: string;
}

/** A library data directory over the clustered table: the vector table plus file and content rows. */
export async function ensureLibrary(data: AnnData): Promise<string> {
  const dataDir = join(data.dir, 'library');
  const done = join(dataDir, 'complete');
  if (existsSync(done)) return dataDir;
  await rm(dataDir, { recursive: true, force: true });
  await mkdir(join(dataDir, 'db'), { recursive: true });
  // A Lance table is a self-contained folder: the clustered table becomes the model's vector table.
  await cp(
    join(data.dir, 'db', `${ANN_TABLE}.lance`),
    join(dataDir, 'db', `${vectorTableName(ANN_MODEL)}.lance`),
    {
      recursive: true,
    },
  );
  const db = await lancedb.connect(join(dataDir, 'db'));
  const files = await db.createEmptyTable('files', filesSchema);
  const contents = await db.createEmptyTable('contents', contentsSchema);
  const folder = join(dataDir, 'photos');
  for (let from = 0; from < data.rows; from += 25_000) {
    const ids = Array.from({ length: Math.min(25_000, data.rows - from) }, (_, k) => from + k);
    await files.add(
      lancedb.makeArrowTable(
        ids.map((i) => ({
          path: join(folder, String(Math.floor(i / 1000)).padStart(4, '0'), `IMG_${i}.jpg`),
          folder,
          contentId: photoId(i),
          size: 4e6,
          mtimeMs: Date.UTC(2015, 0, 1) + i * 60_000,
          status: 'indexed',
          code: null,
          reason: null,
          updatedAt: Date.now(),
        })),
        { schema: filesSchema },
      ),
    );
    await contents.add(
      lancedb.makeArrowTable(
        ids.map((i) => ({
          contentId: photoId(i),
          width: 4000,
          height: 3000,
          takenAt: Date.UTC(2015, 0, 1) + i * 60_000,
          takenAtSource: 'exif',
          cameraMake: 'Lookbook',
          cameraModel: 'Bench Camera',
          latitude: null,
          longitude: null,
          format: 'jpeg',
          size: 4e6,
          thumbnail: true,
          addedAt: Date.now(),
        })),
        { schema: contentsSchema },
      ),
    );
  }
  files.close();
  contents.close();
  db.close();
  await writeFile(done, '');
  return dataDir;
}

/** The name of the vector table's ANN index in the library at `dataDir`, if it has one. */
async function vectorIndexName(dataDir: string): Promise<string | undefined> {
  const db = await lancedb.connect(join(dataDir, 'db'));
  try {
    const table = await db.openTable(vectorTableName(ANN_MODEL));
    const index = (await table.listIndices()).find((i) => i.columns.includes('vector'));
    table.close();
    return index?.name;
  } finally {
    db.close();
  }
}

/** Runs every query once as a warm-up, then `rounds` times, timing each part. */
async function measureSearch(
  store: LibraryStore,
  encode: (text: string) => Promise<unknown>,
  data: AnnData,
  rounds: number,
  options: { exact?: boolean; queries?: number; warmUp?: boolean } = {},
): Promise<AnnSearchLatency> {
  const count = Math.min(options.queries ?? data.queries.length, data.queries.length);
  const total: number[] = [];
  const enc: number[] = [];
  const vec: number[] = [];
  const joins: number[] = [];
  let found = 0;
  const search = (i: number) =>
    options.exact
      ? store.nearestVectors(ANN_MODEL, data.queries[i]!, { limit: FIRST_CANDIDATES, exact: true })
      : store.nearestVectors(ANN_MODEL, data.queries[i]!, { limit: FIRST_CANDIDATES });
  if (options.warmUp !== false) for (let i = 0; i < Math.min(count, 10); i++) await search(i);
  await store.indexedPaths();
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < count; i++) {
      const t0 = performance.now();
      await encode(BENCH_QUERIES[i % BENCH_QUERIES.length]!);
      const t1 = performance.now();
      const hits = await search(i);
      const t2 = performance.now();
      await store.indexedPaths();
      await store.getContents(hits.slice(0, DEFAULT_LIMIT).map((h) => h.contentId));
      const t3 = performance.now();
      enc.push(t1 - t0);
      vec.push(t2 - t1);
      joins.push(t3 - t2);
      total.push(t3 - t0);
      if (r === 0) {
        const top = new Set(hits.slice(0, 10).map((h) => h.contentId));
        found += data.exact[i]!.filter((id) => top.has(id)).length;
      }
    }
  }
  return {
    total: summarize(total),
    encode: summarize(enc),
    vectorSearch: summarize(vec),
    join: summarize(joins),
    recallAt10: found / (10 * count),
  };
}

/** The loopback S3 server in a child process (ann-s3-server.ts); its AWS variables. */
async function startS3(bucket: string): Promise<{ env: Record<string, string>; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join('bench', 'ann-s3-server.ts'), bucket], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const env = await new Promise<Record<string, string>>((resolve, reject) => {
    child.on('exit', (code) => reject(new Error(`the S3 server exited (${code})`)));
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /ENV (\{.*\})/.exec(out);
      if (m) resolve(JSON.parse(m[1]!) as Record<string, string>);
    });
  });
  return { env, child };
}

/** Copies the local library's tables into `location` (an S3 URI), as they are. */
async function copyTables(fromDataDir: string, location: StoreLocation): Promise<void> {
  const from = await lancedb.connect(join(fromDataDir, 'db'));
  const to = await lancedb.connect(location.uri, { storageOptions: location.storageOptions });
  for (const name of ['files', 'contents', vectorTableName(ANN_MODEL)]) {
    const table = await from.openTable(name);
    const schema = await table.schema();
    const target = await to.createEmptyTable(name, schema);
    const rows = await table.countRows();
    for (let offset = 0; offset < rows; offset += 25_000) {
      await target.add(await table.query().offset(offset).limit(25_000).toArrow());
    }
    table.close();
    target.close();
  }
  from.close();
  to.close();
}

export async function measureAnnScale(options: {
  model: string;
  sizes: number[];
  rounds: number;
  cacheDir: string;
  /** Measure the S3 store at this size (one of `sizes`); 0: not at all. */
  s3Photos?: number;
  log?: (message: string) => void;
}): Promise<AnnScaleResult> {
  const log = options.log ?? ((m: string) => console.log(`[ann-scale] ${m}`));
  const loadStart = (await import('node:os')).loadavg();
  const engine = await createClipEngine({ model: options.model });
  const encode = (text: string) => engine.embedTexts([text]);
  const rows: AnnScaleRow[] = [];
  let s3: AnnScaleResult['s3'];
  try {
    for (const photos of options.sizes) {
      const data = await ensureAnnData(join(options.cacheDir, 'ann'), photos, log);
      const dataDir = await ensureLibrary(data);
      const store = await openLibraryStore(dataDir);
      try {
        const t0 = performance.now();
        const { indexed } = await store.optimize({ annThreshold: DEFAULT_ANN_THRESHOLD });
        const buildSeconds = (performance.now() - t0) / 1000;
        const peakRssAfterBuildMiB = process.resourceUsage().maxRSS / 1024;
        log(
          `${photos} photos: optimize ${buildSeconds.toFixed(0)} s (${indexed.length ? 'index built' : 'kept'})`,
        );
        const index = await vectorIndexName(dataDir);
        const t1 = performance.now();
        const loaded = index ? await store.keepAnnIndexWarm(ANN_MODEL) : false;
        const warmUp = index
          ? {
              seconds: (performance.now() - t1) / 1000,
              loaded,
              rssMiB: process.memoryUsage().rss / 2 ** 20,
            }
          : undefined;
        const search = await measureSearch(store, encode, data, options.rounds);
        log(
          `${photos} photos: p50 ${search.total.p50.toFixed(1)} ms, recall@10 ${search.recallAt10.toFixed(3)}`,
        );
        // The exact scan for comparison, where it takes seconds rather than minutes.
        const exact =
          photos <= 100_000
            ? await measureSearch(store, encode, data, 1, { exact: true, queries: 20 })
            : undefined;
        // The first searches of a process that has just opened the library: a connection of its own, so
        // that its cache is empty and what it caches does not count in this one's memory.
        let cold: AnnSearchLatency | undefined;
        if (index) {
          const fresh = await openLibraryStore(dataDir);
          try {
            cold = await measureSearch(fresh, encode, data, 1, { warmUp: false });
          } finally {
            fresh.close();
          }
        }
        const meta = join(data.dir, 'library', 'index-build.json');
        // The index is built once and cached with the library: its build time is the first run's.
        let indexBuildSeconds: number | undefined;
        let buildRss = peakRssAfterBuildMiB;
        if (indexed.length > 0) {
          indexBuildSeconds = buildSeconds;
          await writeFile(meta, JSON.stringify({ indexBuildSeconds, peakRssAfterBuildMiB }));
        } else if (existsSync(meta)) {
          const built = JSON.parse(await readFile(meta, 'utf8')) as {
            indexBuildSeconds: number;
            peakRssAfterBuildMiB: number;
          };
          indexBuildSeconds = built.indexBuildSeconds;
          buildRss = built.peakRssAfterBuildMiB;
        }
        rows.push({
          photos,
          ...(index ? { index } : {}),
          ...(cold ? { cold } : {}),
          ...(warmUp ? { warmUp } : {}),
          ...(data.writeSeconds !== undefined ? { writeSeconds: data.writeSeconds } : {}),
          ...(indexBuildSeconds !== undefined ? { indexBuildSeconds } : {}),
          peakRssAfterBuildMiB: buildRss,
          search,
          ...(exact ? { exact } : {}),
        });
        if (photos === options.s3Photos) s3 = await measureS3(dataDir, data, search, encode, options, log);
      } finally {
        store.close();
      }
    }
  } finally {
    await engine.close();
  }
  return {
    rows,
    ...(s3 ? { s3 } : {}),
    loadAverage: { start: loadStart, end: (await import('node:os')).loadavg() },
    measuredAt: new Date().toISOString(),
  };
}

async function measureS3(
  dataDir: string,
  data: AnnData,
  local: AnnSearchLatency,
  encode: (text: string) => Promise<unknown>,
  options: { cacheDir: string; rounds: number },
  log: (message: string) => void,
): Promise<NonNullable<AnnScaleResult['s3']>> {
  const bucket = 'lookbook-bench';
  const server = await startS3(bucket);
  try {
    const scratch = join(options.cacheDir, 'ann', 's3-data');
    // As `--store s3://…` with the standard AWS variables pointing at the loopback server.
    const location = storeLocation(scratch, `s3://${bucket}/library`, { ...process.env, ...server.env });
    await copyTables(dataDir, location);
    await mkdir(scratch, { recursive: true });
    const store = await openLibraryStore(scratch, location);
    try {
      const t0 = performance.now();
      await store.optimize({ annThreshold: DEFAULT_ANN_THRESHOLD });
      const indexBuildSeconds = (performance.now() - t0) / 1000;
      // As the app opens it (the local figures are measured the same way).
      await store.keepAnnIndexWarm(ANN_MODEL);
      const search = await measureSearch(store, encode, data, options.rounds);
      log(
        `S3 at ${data.rows}: p50 ${search.total.p50.toFixed(1)} ms (local ${local.total.p50.toFixed(1)} ms)`,
      );
      return { photos: data.rows, indexBuildSeconds, search, ratio: search.total.p50 / local.total.p50 };
    } finally {
      store.close();
    }
  } finally {
    server.child.kill('SIGTERM');
  }
}
