import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import type { ClipEngine } from '../engine/types.js';
import { UserError } from '../errors.js';
import { ensureDataDir } from '../host/data-dir.js';
import { readSettings } from '../host/settings.js';
import type { LibraryStore } from '../store/library-store.js';
import { DEFAULT_ANN_THRESHOLD } from '../store/library-store.js';
import { Gate, createSerializer } from './async-queue.js';
import {
  createFolderOperations,
  createFolderRegistry,
  ensureRoots,
  folderInfos,
  type FolderOperations,
} from './folders.js';
import { describeHolder, type LockHolder } from './index-lock.js';
import type { IndexerContext } from './indexer.js';
import { createMediaPort, type MediaPort } from './media-port.js';
import { createOrphanSweeper } from './orphans.js';
import { createPhotoLookup, type PhotoLookup } from './photos.js';
import { createReconciler } from './reconcile.js';
import { createRunState } from './run-state.js';
import { libraryStatus, type LibraryStatus } from './status.js';
import type { IndexingProgress, IndexStats } from './types.js';
import { createWatching, type StartOptions } from './watching.js';
import { createWriterLock } from './writer-lock.js';

export type { LockHolder, StartOptions };
export { describeHolder };

// The library: its folders, the database kept in step with them (a full index, then watching), and
// the photos it holds. One model's engine writes its vectors; search, tagging and fine-tuning are
// built on top of it by the composition root (main/core/open-core.ts), which also opens the engine and
// the store. Each concern lives in its own file beside this one; this file only wires them.

export interface LibraryOptions {
  dataDir: string;
  /** The active model's engine: indexing writes its vectors (the composition root opens it). */
  engine: ClipEngine;
  store: LibraryStore;
  /** Files decoded at once (default: settings.decodeConcurrency, else 4; 2 on one core). */
  decodeConcurrency?: number;
  /** Images per model call (default 16). */
  batchSize?: number;
  /** Rows of a model's vectors before an ANN index is built (default 50 000; at least 256). */
  annThreshold?: number;
  /**
   * Watcher timing, how often folders past the system's watch limit are rescanned, and how often a
   * watcher waiting for another process's lock looks (tests shorten them).
   */
  watch?: { debounceMs?: number; stabilityMs?: number; lockPollMs?: number; rescanMs?: number };
  /** Seconds a content may be unreferenced while watching before it is dropped (default 60). */
  orphanGraceSeconds?: number;
  /** Replaces main/media (tests of failure paths). */
  media?: MediaPort;
  /** Timing of the store's writer lease, for tables shared with other computers (tests shorten it). */
  writerLease?: { heartbeatMs?: number; leaseTtlMs?: number };
}

export interface Library extends FolderOperations, PhotoLookup {
  readonly dataDir: string;
  /** The active model's engine (indexing uses it; search uses it once its vectors are complete). */
  readonly engine: ClipEngine;
  readonly store: LibraryStore;
  // indexing
  /** Reconciles the database with the disk and indexes what changed. One run at a time. */
  index(): Promise<IndexStats>;
  /** index(), then watch the folders until stopWatching()/close(); see StartOptions for a busy library. */
  startWatching(options?: StartOptions): Promise<IndexStats>;
  /**
   * Another live process that holds this library (indexing or watching it), if any: on this computer,
   * or, for tables shared with other computers, on any of them.
   */
  lockHolder(): Promise<LockHolder | undefined>;
  stopWatching(): Promise<void>;
  readonly watching: boolean;
  /** Resolves when no indexing run or watched change is pending. */
  whenIdle(): Promise<void>;
  pause(): void;
  resume(): void;
  onProgress(listener: (p: IndexingProgress) => void): () => void;
  /** Content ids just indexed (new content for the active model): tagging auto-tags them. */
  onPhotosIndexed(listener: (contentIds: string[]) => void): () => void;
  /** The last run's counters (encoded, engineCalls, imagesPerSecond, modelImagesPerSecond…). */
  lastStats(): IndexStats | undefined;
  /** Counters summed over every run since the library was opened (watch batches included). */
  totalStats(): IndexStats;
  /** Counts, folders, model and indexing state (search adds which model's vectors it uses). */
  status(): Promise<LibraryStatus>;
  /** Bumped by every change to the photos or vectors, so search refreshes what it caches. */
  generation(): number;
  // photos
  /** The active model's vectors (raw, no adapter) for these contents; missing ids are absent. */
  getImageVectors(contentIds: string[]): Promise<Map<string, Float32Array>>;
  /** What the engine reads for an image file (decoded upright where the engine cannot read it itself). */
  imageInput(path: string): Promise<string | Buffer>;
  /** A message for whoever follows the library's progress (it keeps the phase). */
  notify(message: string): void;
  close(): Promise<void>;
}

export async function openLibrary(options: LibraryOptions): Promise<Library> {
  const dataDir = ensureDataDir(resolve(options.dataDir));
  const { engine, store } = options;
  const settings = readSettings(dataDir);
  const modelKey = engine.model.id;
  const media = options.media ?? createMediaPort();
  const thumbnailsDir = join(dataDir, 'thumbnails');
  // Four files in flight even on 2 cores: each decode waits on file reads and on sharp's thread pool, and
  // with two the model sometimes found its queue empty (bench: +9% images/s, less CPU per photo).
  const decodeConcurrency =
    options.decodeConcurrency ?? settings.decodeConcurrency ?? (cpus().length > 1 ? 4 : 2);
  const annThreshold = options.annThreshold ?? DEFAULT_ANN_THRESHOLD;
  const gate = new Gate();
  // Every write to the tables goes through here: an index run, a watched batch, a folder removal.
  const exclusive = createSerializer();
  const run = createRunState();
  const indexedListeners = new Set<(ids: string[]) => void>();
  const registry = createFolderRegistry(dataDir);
  // The store translates paths through this machine's roots (see [Note: roots]); a root mapped by
  // another process (`lookbook roots map` next to the app) shows within a second.
  store.useRootPaths(() => {
    registry.refreshIfChanged();
    return registry.rootPaths();
  });
  await ensureRoots(registry, store);
  const photos = createPhotoLookup(store, thumbnailsDir, (path, out) => media.makeThumbnail(path, out));
  let aborted = false;
  let closed = false;
  let closing: Promise<void> | undefined;
  let generation = 0;
  let lastOptimize = 0;

  async function maintain(force: boolean): Promise<void> {
    if (!force && Date.now() - lastOptimize < 10 * 60_000) return;
    lastOptimize = Date.now();
    await store.optimize({ annThreshold });
  }

  const indexer = (): IndexerContext => ({
    store,
    engine,
    media,
    modelKey,
    thumbnailsDir,
    decodeConcurrency,
    batchSize: options.batchSize ?? 16,
    gate,
    isAborted: () => aborted,
    inLibrary: (path) => {
      // Another process (`lookbook folders remove`) may have changed the folders: looked at every second.
      registry.refreshIfChanged();
      return registry.contains(path);
    },
    emitProgress: run.emitProgress,
    emitIndexed: (ids: string[]) => {
      generation++;
      for (const l of indexedListeners) {
        // Listeners may be async (auto-tagging): their failure must not stop indexing.
        void Promise.resolve()
          .then(() => l(ids))
          .catch(() => undefined);
      }
    },
  });

  const orphanGraceMs = (options.orphanGraceSeconds ?? 60) * 1000;
  const orphans = createOrphanSweeper({
    store,
    thumbnailsDir,
    known: () => reconciler.known(),
    onDropped: () => generation++,
  });
  const reconciler = createReconciler({
    store,
    modelKey,
    registry,
    run,
    orphans,
    indexer,
    isAborted: () => aborted,
    orphanGraceMs,
    maintain,
  });

  // Held for each index run, and for as long as the folders are watched (see writer-lock.ts).
  const lock = createWriterLock({
    dataDir,
    store,
    ...options.writerLease,
    onLost: (message) => {
      aborted = true;
      run.notify(message);
    },
  });
  async function locked<T>(fn: () => Promise<T>): Promise<T> {
    await lock.acquire();
    try {
      return await fn();
    } finally {
      if (!watching.holdsLock) await lock.release();
    }
  }
  const index = () =>
    exclusive(() =>
      locked(async () => {
        if (closed) throw new UserError('the library is closed', 'library-closed');
        registry.refresh();
        // A computer with no folder of a shared library has nothing to index: photos under roots it has
        // not mapped are never touched (see [Note: roots]), so this says what to do instead.
        if (store.location.shared && registry.list().length === 0)
          throw new UserError(
            "this computer has none of the shared library's folders: say where they are here " +
              '(`lookbook roots list`, then `lookbook roots map ROOT PATH`) or add one (`lookbook folders add <folder>`)',
            'no-folders',
          );
        return reconciler.fullIndex();
      }),
    );

  const watching = createWatching({
    registry,
    reconciler,
    run,
    lock,
    exclusive,
    index,
    periodic: async () => {
      await orphans.drop(orphanGraceMs);
      await maintain(false);
    },
    watch: options.watch,
  });

  const folders = createFolderOperations({
    registry,
    store,
    exclusive,
    dropOrphans: orphans.drop,
    followFolders: watching.followFolders,
    indexInBackground: () => void index().catch(() => undefined),
  });

  const library: Library = {
    dataDir,
    engine,
    store,
    get watching() {
      return watching.active;
    },
    ...folders,
    ...photos,

    index,
    startWatching: watching.start,
    lockHolder: () => lock.holder(),
    stopWatching: watching.stop,
    async whenIdle() {
      await watching.pending();
      await exclusive(async () => undefined);
    },
    pause() {
      gate.close();
      const p = run.progress();
      run.emitProgress({ ...p, phase: p.phase === 'indexing' ? 'paused' : p.phase });
    },
    resume() {
      gate.open();
      const p = run.progress();
      run.emitProgress({ ...p, phase: p.phase === 'paused' ? 'indexing' : p.phase });
    },
    onProgress: run.onProgress,
    onPhotosIndexed(listener) {
      indexedListeners.add(listener);
      return () => indexedListeners.delete(listener);
    },
    lastStats: run.lastStats,
    totalStats: run.totalStats,
    status: () =>
      libraryStatus({
        dataDir,
        store,
        engine,
        folders: () => folderInfos(registry, store),
        progress: run.progress(),
        paused: gate.paused,
        watching: watching.active,
        watchWarning: watching.warning,
      }),
    generation: () => generation,

    getImageVectors: (contentIds) => store.getVectors(modelKey, contentIds),
    imageInput: (path) => media.imageInput(path),

    // Every caller waits for the same close: a second close() returns only once the last write is done.
    close: () =>
      (closing ??= (async () => {
        closed = true;
        aborted = true;
        gate.open();
        await watching.stop();
        await exclusive(async () => undefined);
      })()),
    notify: run.notify,
  };
  return library;
}
