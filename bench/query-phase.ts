// Query latency at one library size: flat (brute-force) search and with the ANN index the store builds
// (store.optimize), on the same rows. Writing 100k rows and building their index takes minutes on a small
// machine, so both libraries are kept in bench/out and reused by later runs (the rows are deterministic).
import { existsSync } from 'node:fs';
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openCore, type Core } from '../main/core/open-core.js';
import { DEFAULT_ANN_THRESHOLD } from '../main/store/maintenance.js';
import { measureAlbumPages, type AlbumPageLatency } from './album-pages.js';
import { BENCH_QUERIES, fillSyntheticLibrary, measureQueries, type QueryLatency } from './query-latency.js';
import { measureTimeline, type TimelineLatency } from './timeline-latency.js';

/** The library's default: vector tables of at least this many rows get an ANN index (maintenance.ts). */
export const LIBRARY_ANN_THRESHOLD = DEFAULT_ANN_THRESHOLD;
/** Bump when the synthetic rows change, so cached libraries are rebuilt. */
const CACHE_VERSION = 1;

export interface QueryScaleResult {
  photos: number;
  fillSeconds: number;
  flat: QueryLatency;
  /** Absent when the index was not built (too few rows for IVF_PQ). */
  indexed?: QueryLatency;
  indexBuildSeconds?: number;
  /** The Photos view's first screen (timeline + newest month), on the flat library; absent in older runs. */
  timeline?: TimelineLatency;
  /** When the libraries were built: this run, or the earlier run whose cached libraries were reused. */
  builtAt: string;
  reused: boolean;
  /** Which of the two the library uses at this size with its default settings. */
  libraryUses: 'flat' | 'indexed';
  /** Opening albums, in the library the default settings use (absent in results of older runs). */
  albums?: AlbumPageLatency;
}

interface CacheMeta {
  version: number;
  photos: number;
  fillSeconds: number;
  indexBuildSeconds?: number;
  builtAt: string;
}

async function withCore<T>(dataDir: string, model: string, fn: (core: Core) => Promise<T>): Promise<T> {
  const core = await openCore({ dataDir, model });
  try {
    return await fn(core);
  } finally {
    await core.close();
  }
}

/** Builds the flat and indexed libraries of `photos` synthetic rows under `dir`. */
async function build(dir: string, model: string, photos: number): Promise<CacheMeta> {
  await rm(dir, { recursive: true, force: true });
  const flatDir = join(dir, 'flat');
  const fillSeconds = await withCore(flatDir, model, async ({ library }) => {
    const fill = await fillSyntheticLibrary(library, 0, photos);
    // Compacted as the library leaves it after indexing, without an index.
    await library.store.optimize({ annThreshold: Number.MAX_SAFE_INTEGER });
    return fill.seconds;
  });
  let indexBuildSeconds: number | undefined;
  if (photos >= 256) {
    const indexedDir = join(dir, 'indexed');
    await cp(flatDir, indexedDir, { recursive: true });
    indexBuildSeconds = await withCore(indexedDir, model, async ({ library }) => {
      const t0 = performance.now();
      // The call the library makes after indexing, with its threshold lowered to this size.
      await library.store.optimize({ annThreshold: photos });
      const seconds = (performance.now() - t0) / 1000;
      if (!(await library.store.hasAnnIndex(library.engine.model.id)))
        throw new Error('no ANN index was built');
      return seconds;
    });
  }
  const meta: CacheMeta = {
    version: CACHE_VERSION,
    photos,
    fillSeconds,
    ...(indexBuildSeconds !== undefined ? { indexBuildSeconds } : {}),
    builtAt: new Date().toISOString(),
  };
  await writeFile(join(dir, 'meta.json'), JSON.stringify(meta));
  return meta;
}

async function cached(dir: string, photos: number): Promise<CacheMeta | undefined> {
  try {
    const meta = JSON.parse(await readFile(join(dir, 'meta.json'), 'utf8')) as CacheMeta;
    const complete = existsSync(join(dir, 'flat')) && (photos < 256 || existsSync(join(dir, 'indexed')));
    return meta.version === CACHE_VERSION && meta.photos === photos && complete ? meta : undefined;
  } catch {
    return undefined;
  }
}

export async function measureQueryScale(options: {
  model: string;
  photos: number;
  rounds: number;
  /** Where the libraries are kept (reused when already built there). */
  cacheDir: string;
  queries?: readonly string[];
}): Promise<QueryScaleResult> {
  const dir = join(options.cacheDir, `queries-${options.photos}`);
  await mkdir(options.cacheDir, { recursive: true });
  const previous = await cached(dir, options.photos);
  const meta = previous ?? (await build(dir, options.model, options.photos));
  if (previous) {
    // Libraries built by an older store lack what its optimize() adds now (scalar indexes): the call the
    // library makes after every indexing run brings them up to date, and is cheap when they are.
    await withCore(join(dir, 'flat'), options.model, ({ library }) =>
      library.store.optimize({ annThreshold: Number.MAX_SAFE_INTEGER }),
    );
    if (meta.indexBuildSeconds !== undefined)
      await withCore(join(dir, 'indexed'), options.model, ({ library }) =>
        library.store.optimize({ annThreshold: options.photos }),
      );
  }
  const queries = options.queries ?? BENCH_QUERIES;
  const measure = (sub: string) =>
    withCore(join(dir, sub), options.model, (core) => measureQueries(core, queries, options.rounds));
  const flat = await measure('flat');
  // Opened afresh: the first screen after opening is the cold figure (no vector search involved).
  const timeline = await withCore(join(dir, 'flat'), options.model, (core) =>
    measureTimeline(core, options.rounds),
  );
  const indexed = meta.indexBuildSeconds !== undefined ? await measure('indexed') : undefined;
  const libraryUses = options.photos >= LIBRARY_ANN_THRESHOLD ? 'indexed' : 'flat';
  const albums = await withCore(
    join(dir, libraryUses === 'indexed' && indexed ? 'indexed' : 'flat'),
    options.model,
    (core) => measureAlbumPages(core, queries[0]!, options.rounds),
  );
  return {
    photos: options.photos,
    fillSeconds: meta.fillSeconds,
    flat,
    timeline,
    ...(indexed ? { indexed, indexBuildSeconds: meta.indexBuildSeconds } : {}),
    builtAt: meta.builtAt,
    reused: previous !== undefined,
    libraryUses,
    albums,
  };
}
