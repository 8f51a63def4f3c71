import { cpus } from 'node:os';
import { existsSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { isAbsolute, join, resolve, sep } from 'node:path';
import { createClipEngine } from '../engine/clip-engine.js';
import type { ClipEngine, DeviceRequest } from '../engine/types.js';
import { UserError, describeError } from '../errors.js';
import { readActiveAdapter } from '../adapters/active-adapter.js';
import { createSearcher, photoFromRows } from '../search/searcher.js';
import { openLibraryStore, type FileRow, type LibraryStore } from '../store/library-store.js';
import { Gate, createSerializer } from './async-queue.js';
import { ensureDataDir } from '../host/data-dir.js';
import { createExclusionMatcher } from './exclusions.js';
import { createIndexLock } from './index-lock.js';
import {
  indexFiles,
  isRetryable,
  loadKnownSets,
  statScanned,
  thumbnailFile,
  type KnownSets,
} from './indexer.js';
import { createMediaPort, type MediaPort } from './media-port.js';
import { scanFolder, type ScannedFile } from './scanner.js';
import { readSettings, updateSettings, type FolderSettings, type LibrarySettings } from '../host/settings.js';
import type {
  FolderInfo,
  IndexingProgress,
  IndexStats,
  LibraryStatusInfo,
  Photo,
  SearchOptions,
  SearchQuery,
  SearchResponse,
  VectorTransform,
} from './types.js';
import { emptyIndexStats } from './types.js';
import { describeWatchLimit, watchFolders, type FolderWatcher } from './watcher.js';

export const DEMO_NOTICE = 'demo model: it only knows colours; `lookbook models pull …` for a real one';

export interface LibraryOptions {
  dataDir: string;
  /** Model spec (catalogue id, folder, 'demo'); default: settings.activeModel, else the demo model. */
  model?: string;
  device?: DeviceRequest;
  /** onnxruntime intra-op threads (default: settings.indexThreads, else the engine's choice). */
  threads?: number;
  /** Files decoded at once (default: settings.decodeConcurrency, else 4; 2 on one core). */
  decodeConcurrency?: number;
  /** Images per model call (default 16). */
  batchSize?: number;
  /** Rows of a model's vectors before an ANN index is built (default 50 000; at least 256). */
  annThreshold?: number;
  /** Watcher timing (tests shorten it). */
  watch?: { debounceMs?: number; stabilityMs?: number };
  /** Seconds a content may be unreferenced while watching before it is dropped (default 60). */
  orphanGraceSeconds?: number;
  /** Replaces main/media (tests of failure paths). */
  media?: MediaPort;
}

export interface ListPhotosOptions {
  folder?: string;
  offset?: number;
  limit?: number;
}

export interface Library {
  readonly dataDir: string;
  /** The active model's engine (indexing uses it; search uses it once its vectors are complete). */
  readonly engine: ClipEngine;
  // folders
  addFolder(path: string, options?: { excluded?: string[]; patterns?: string[] }): Promise<FolderInfo[]>;
  removeFolder(path: string): Promise<FolderInfo[]>;
  /** Excludes a sub-path of a folder (absolute, or relative to the folder) with everything under it. */
  excludePath(folder: string, path: string): Promise<FolderInfo[]>;
  /** Replaces a folder's glob-like exclusion patterns. */
  setExclusionPatterns(folder: string, patterns: string[]): Promise<FolderInfo[]>;
  listFolders(): Promise<FolderInfo[]>;
  // indexing
  /** Reconciles the database with the disk and indexes what changed. One run at a time. */
  index(): Promise<IndexStats>;
  /** index(), then watch the folders until stopWatching()/close(). */
  startWatching(): Promise<IndexStats>;
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
  status(): Promise<LibraryStatusInfo>;
  // search
  search(query: SearchQuery | string, options?: SearchOptions): Promise<SearchResponse>;
  /** Photos like a library photo (content id or path, itself excluded) or an image file / bytes. */
  similar(target: string | Buffer, options?: SearchOptions): Promise<SearchResponse>;
  /** H7: a tag filter for search's `tags` option. */
  setTagFilter(fn: ((tags: string[]) => Promise<Set<string>>) | undefined): void;
  /** H5: an adapter applied to query and image vectors (undefined: none). */
  setVectorTransform(t: VectorTransform | undefined): void;
  /** Re-reads the active model's active adapter (after training, activate or rollback). */
  reloadAdapter(): Promise<void>;
  // photos
  /** A photo by content id, the start of one (8+ hex digits, unique) or the path of a library file. */
  getPhoto(contentIdOrPath: string): Promise<Photo | undefined>;
  listPhotos(options?: ListPhotosOptions): Promise<{ total: number; items: Photo[] }>;
  thumbnailPath(contentId: string): string | undefined;
  /** The active model's vectors (raw, no adapter) for these contents; missing ids are absent. */
  getImageVectors(contentIds: string[]): Promise<Map<string, Float32Array>>;
  readonly store: LibraryStore;
  close(): Promise<void>;
}

function emptyProgress(): IndexingProgress {
  return {
    phase: 'idle',
    total: 0,
    done: 0,
    queued: 0,
    failed: 0,
    encoded: 0,
    reused: 0,
    imagesPerSecond: 0,
    etaSeconds: null,
    failures: [],
  };
}

function isUnder(path: string, folder: string): boolean {
  return path === folder || path.startsWith(folder.endsWith(sep) ? folder : folder + sep);
}

/** Whether an unchanged file (same size and mtime as its row) still needs work. */
function needsWork(file: ScannedFile, prev: FileRow | undefined, known: KnownSets): boolean {
  if (!prev || prev.size !== file.size || prev.mtimeMs !== file.mtimeMs) return true;
  switch (prev.status) {
    case 'indexed':
      return !prev.contentId || !known.vectors.has(prev.contentId) || !known.contents.has(prev.contentId);
    case 'skipped':
    case 'unsupported':
      return false;
    case 'failed':
      return isRetryable(prev);
    default:
      return true;
  }
}

export async function openLibrary(options: LibraryOptions): Promise<Library> {
  const dataDir = ensureDataDir(resolve(options.dataDir));
  const settings = readSettings(dataDir);
  const modelSpec = options.model ?? settings.activeModel ?? 'demo';
  const engine = await createClipEngine({
    model: modelSpec,
    device: options.device ?? (settings.device as DeviceRequest | undefined),
    threads: options.threads ?? settings.indexThreads,
    dataDir,
  });
  let store: LibraryStore;
  try {
    store = await openLibraryStore(dataDir);
  } catch (e) {
    await engine.close();
    throw e;
  }
  const modelKey = engine.model.id;
  // Remember which spec produced each vectors table, so search can fall back to a complete one.
  if ((settings.libraryModels as Record<string, string> | undefined)?.[modelKey] !== modelSpec) {
    updateSettings(dataDir, (s) => {
      s.libraryModels = {
        ...((s.libraryModels as Record<string, string> | undefined) ?? {}),
        [modelKey]: modelSpec,
      };
    });
  }

  const media = options.media ?? createMediaPort();
  const thumbnailsDir = join(dataDir, 'thumbnails');
  // Four files in flight even on 2 cores: each decode waits on file reads and on sharp's thread pool, and
  // with two the model sometimes found its queue empty (bench: +9% images/s, less CPU per photo).
  const decodeConcurrency =
    options.decodeConcurrency ?? settings.decodeConcurrency ?? (cpus().length > 1 ? 4 : 2);
  const batchSize = options.batchSize ?? 16;
  const annThreshold = options.annThreshold ?? 50_000;
  const orphanGraceMs = (options.orphanGraceSeconds ?? 60) * 1000;
  const gate = new Gate();
  const exclusive = createSerializer();
  const progressListeners = new Set<(p: IndexingProgress) => void>();
  const indexedListeners = new Set<(ids: string[]) => void>();
  let progress = emptyProgress();
  let stats: IndexStats | undefined;
  const totals: IndexStats = emptyIndexStats();
  const addToTotals = (r: IndexStats) => {
    for (const k of Object.keys(totals) as (keyof IndexStats)[]) {
      if (k !== 'imagesPerSecond' && k !== 'modelImagesPerSecond') totals[k] += r[k];
    }
    totals.imagesPerSecond = totals.seconds > 0 ? totals.seen / totals.seconds : 0;
    totals.modelImagesPerSecond = totals.modelSeconds > 0 ? totals.encoded / totals.modelSeconds : 0;
  };
  let aborted = false;
  let closed = false;
  let watcher: FolderWatcher | undefined;
  /** Set while some folders cannot be watched (the system's limit): the UI must not promise otherwise. */
  let watchWarning: string | undefined;
  let maintenanceTimer: NodeJS.Timeout | undefined;
  let pendingWatchWork: Promise<unknown> = Promise.resolve();
  let generation = 0;
  let tagFilter: ((tags: string[]) => Promise<Set<string>>) | undefined;
  let vectorTransform: VectorTransform | undefined;
  const orphanSince = new Map<string, number>();
  const otherEngines = new Map<string, Promise<ClipEngine>>();
  // Held for each index run, and for as long as the folders are watched (see index-lock.ts).
  const indexLock = createIndexLock(dataDir);
  let holdIndexLock = false;
  async function locked<T>(fn: () => Promise<T>): Promise<T> {
    indexLock.acquire();
    try {
      return await fn();
    } finally {
      if (!holdIndexLock) indexLock.release();
    }
  }
  let lastOptimize = 0;

  const emitProgress = (p: IndexingProgress) => {
    progress = p;
    for (const l of progressListeners) {
      try {
        l(p);
      } catch {
        // A listener's bug must not stop indexing.
      }
    }
  };

  // The folder list is read from settings.json at each full index (another process, such as the CLI,
  // may have changed it) and after our own changes; chokidar asks about every path, so it is cached.
  let folderCache:
    { folders: FolderSettings[]; matchers: Map<string, (path: string) => boolean> } | undefined;
  function refreshFolders(): void {
    folderCache = undefined;
  }
  function folderSettings(): FolderSettings[] {
    if (!folderCache) folderCache = { folders: readSettings(dataDir).folders ?? [], matchers: new Map() };
    return folderCache.folders;
  }

  function matcherFor(folder: FolderSettings): (path: string) => boolean {
    folderSettings();
    let m = folderCache!.matchers.get(folder.path);
    if (!m) {
      m = createExclusionMatcher({
        root: folder.path,
        excluded: folder.excluded ?? [],
        patterns: folder.patterns ?? [],
      });
      folderCache!.matchers.set(folder.path, m);
    }
    return m;
  }

  function folderOf(path: string): FolderSettings | undefined {
    return folderSettings().find((f) => isUnder(path, f.path));
  }

  function isExcludedAnywhere(path: string): boolean {
    const f = folderOf(path);
    // Parents of watched folders are watched paths too (chokidar asks about them): never excluded.
    if (!f) return !folderSettings().some((x) => isUnder(x.path, path));
    return matcherFor(f)(path);
  }

  async function dropOrphans(graceMs: number): Promise<number> {
    const orphans = await store.orphanContentIds();
    const now = Date.now();
    const current = new Set(orphans);
    for (const id of orphanSince.keys()) if (!current.has(id)) orphanSince.delete(id);
    const drop: string[] = [];
    for (const id of orphans) {
      const since = orphanSince.get(id) ?? now;
      orphanSince.set(id, since);
      if (now - since >= graceMs) drop.push(id);
    }
    if (drop.length === 0) return 0;
    await store.deleteVectorsEverywhere(drop);
    await store.deleteContents(drop);
    for (const id of drop) {
      knownCache?.contents.delete(id);
      knownCache?.vectors.delete(id);
    }
    for (const id of drop) {
      orphanSince.delete(id);
      await rm(thumbnailFile(thumbnailsDir, id), { force: true });
    }
    generation++;
    return drop.length;
  }

  async function maintain(force: boolean): Promise<void> {
    if (!force && Date.now() - lastOptimize < 10 * 60_000) return;
    lastOptimize = Date.now();
    await store.optimize({ annThreshold });
  }

  function ctx() {
    return {
      store,
      engine,
      media,
      modelKey,
      thumbnailsDir,
      decodeConcurrency,
      batchSize,
      gate,
      isAborted: () => aborted,
      emitProgress,
      emitIndexed: (ids: string[]) => {
        generation++;
        for (const l of indexedListeners) {
          // Listeners may be async (auto-tagging): their failure must not stop indexing.
          void Promise.resolve()
            .then(() => l(ids))
            .catch(() => undefined);
        }
      },
    };
  }

  // What contents and vectors exist: loaded at each full index, then kept up to date by the indexer
  // (adds) and dropOrphans (removals), so a watched change does not rescan the tables.
  let knownCache: KnownSets | undefined;
  async function runIndex(
    candidates: ScannedFile[],
    previous: Map<string, FileRow>,
    reload: boolean,
  ): Promise<IndexStats> {
    if (reload || !knownCache) knownCache = await loadKnownSets(store, modelKey);
    const known = knownCache;
    const work = candidates.filter((f) => needsWork(f, previous.get(f.path), known));
    const result = await indexFiles(ctx(), work, previous, known);
    result.seen = candidates.length;
    return result;
  }

  async function fullIndex(): Promise<IndexStats> {
    if (closed) throw new UserError('the library is closed', 'library-closed');
    emitProgress({ ...emptyProgress(), phase: 'scanning' });
    try {
      refreshFolders();
      const folders = folderSettings();
      const scanned: ScannedFile[] = [];
      const problemRows: FileRow[] = [];
      const missingRoots: string[] = [];
      for (const folder of folders) {
        const result = await scanFolder(folder.path, matcherFor(folder));
        if (!result.rootExists) missingRoots.push(folder.path);
        scanned.push(...result.files);
        for (const p of result.problems) {
          problemRows.push({
            path: p.path,
            folder: p.folder,
            contentId: null,
            size: 0,
            mtimeMs: 0,
            status: 'failed',
            code: p.code,
            reason: p.reason,
            updatedAt: Date.now(),
          });
        }
      }
      const rows = await store.allFiles();
      const previous = new Map(rows.map((r) => [r.path, r]));
      const present = new Set([...scanned.map((f) => f.path), ...problemRows.map((r) => r.path)]);
      const stale = rows
        .filter((r) => !present.has(r.path))
        // A folder that is missing (unplugged drive) keeps its photos until it comes back or is removed.
        .filter(
          (r) =>
            !missingRoots.some((root) => isUnder(r.path, root)) ||
            !folders.some((f) => isUnder(r.path, f.path)),
        )
        .map((r) => r.path);
      await store.deleteFiles(stale);
      await store.upsertFiles(problemRows);
      const result = await runIndex(scanned, previous, true);
      result.removed += stale.length;
      result.failed += problemRows.length;
      if (!aborted) {
        result.orphansDropped = await dropOrphans(0);
        await maintain(true);
      }
      stats = result;
      addToTotals(result);
      emitProgress({ ...progress, phase: 'done', removed: result.removed });
      return result;
    } catch (e) {
      emitProgress({ ...progress, phase: 'error', message: describeError(e) });
      throw e;
    }
  }

  async function processChanges(paths: string[]): Promise<void> {
    const folders = folderSettings();
    const candidates: ScannedFile[] = [];
    const gone: string[] = [];
    for (const path of [...new Set(paths)]) {
      const folder = folders.find((f) => isUnder(path, f.path));
      if (!folder || matcherFor(folder)(path)) continue;
      let info;
      try {
        info = statSync(path);
      } catch {
        gone.push(path);
        continue;
      }
      if (info.isDirectory()) {
        const result = await scanFolder(path, matcherFor(folder));
        candidates.push(...result.files.map((f) => ({ ...f, folder: folder.path })));
      } else if (info.isFile()) {
        const s = await statScanned(path, folder.path);
        if (s) candidates.push(s);
        else gone.push(path);
      }
    }
    for (const path of gone) {
      await store.deleteFiles([path]);
      await store.deleteFilesUnder(path);
    }
    const previous = new Map((await store.getFiles(candidates.map((c) => c.path))).map((r) => [r.path, r]));
    const result = await runIndex(candidates, previous, false);
    result.removed += gone.length;
    if (!aborted) result.orphansDropped = await dropOrphans(orphanGraceMs);
    stats = result;
    addToTotals(result);
    emitProgress({ ...progress, phase: 'done', removed: result.removed });
  }

  async function searchModel(): Promise<{ key: string; engine: ClipEngine }> {
    // While the active model's vectors are incomplete (just switched models), search a model whose
    // vectors cover the library, if there is one; indexing fills the active model's table meanwhile.
    const total = await store.countContents();
    const mine = await store.countVectors(modelKey);
    if (mine >= total) return { key: modelKey, engine };
    const specs = (readSettings(dataDir).libraryModels as Record<string, string> | undefined) ?? {};
    let best: { key: string; count: number } | undefined;
    for (const key of Object.keys(specs)) {
      if (key === modelKey) continue;
      const count = await store.countVectors(key);
      if (count > mine && count >= total && (!best || count > best.count)) best = { key, count };
    }
    if (!best) return { key: modelKey, engine };
    let other = otherEngines.get(best.key);
    if (!other) {
      other = createClipEngine({ model: specs[best.key]!, device: options.device, dataDir });
      otherEngines.set(best.key, other);
    }
    return { key: best.key, engine: await other };
  }

  const searcher = createSearcher({
    store,
    searchModel,
    contentIdsWithTags: () => tagFilter,
    // An adapter belongs to the model it was trained on: not applied while search falls back to another.
    vectorTransform: (key) => (key === modelKey ? vectorTransform : undefined),
    generation: () => generation,
    resolveContentId: (idOrPath) => contentIdOf(idOrPath),
  });

  /**
   * The photo a user names: a content id, the start of one (at least 8 hex digits, as `pairs list`
   * prints them; git-style, it must be unique), or the path of an indexed library file.
   */
  async function contentIdOf(ref: string): Promise<string | undefined> {
    if (/^[0-9a-f]{64}$/i.test(ref)) return ref.toLowerCase();
    const row = await store.getFile(resolve(ref));
    if (row?.status === 'indexed' && row.contentId) return row.contentId;
    if (!/^[0-9a-f]{8,63}$/i.test(ref)) return undefined;
    const ids = await store.contentIdsStartingWith(ref.toLowerCase(), 2);
    if (ids.length > 1)
      throw new UserError(`'${ref}' is the start of more than one photo id: give more of it`, 'ambiguous-id');
    return ids[0];
  }

  async function folderInfos(): Promise<FolderInfo[]> {
    const files = await store.allFiles();
    return folderSettings().map((f) => ({
      path: f.path,
      excluded: f.excluded ?? [],
      patterns: f.patterns ?? [],
      // Photos, as the library counts them: identical copies in the folder are one photo.
      photoCount: new Set(
        files.filter((r) => r.status === 'indexed' && isUnder(r.path, f.path)).map((r) => r.contentId),
      ).size,
      exists: existsSync(f.path),
    }));
  }

  function requireFolder(path: string): FolderSettings {
    refreshFolders();
    const abs = resolve(path);
    const f = folderSettings().find((x) => x.path === abs);
    if (!f) throw new UserError(`${abs} is not one of the library's folders`, 'folder-not-found');
    return f;
  }

  async function restartWatcher(): Promise<void> {
    refreshFolders();
    if (!watcher) return;
    await watcher.close();
    watchWarning = undefined;
    watcher = createWatcher();
    await watcher.ready;
  }

  function createWatcher(): FolderWatcher {
    return watchFolders({
      folders: folderSettings().map((f) => f.path),
      isExcluded: isExcludedAnywhere,
      debounceMs: options.watch?.debounceMs,
      stabilityMs: options.watch?.stabilityMs,
      onChanges: (paths) => {
        pendingWatchWork = exclusive(() => processChanges(paths)).catch((e) =>
          emitProgress({ ...progress, phase: 'error', message: describeError(e) }),
        );
      },
      onError: (e) => emitProgress({ ...progress, message: `watching: ${describeError(e)}` }),
      onLimitReached: (unwatched) => {
        watchWarning = describeWatchLimit(unwatched);
        emitProgress({ ...progress, message: watchWarning });
      },
    });
  }

  function changeSettings(change: (s: LibrarySettings) => void): void {
    updateSettings(dataDir, change);
    refreshFolders();
  }

  const library: Library = {
    dataDir,
    engine,
    store,
    get watching() {
      return watcher !== undefined;
    },

    async addFolder(path, opts = {}) {
      const abs = resolve(path);
      let info;
      try {
        info = statSync(abs);
      } catch {
        throw new UserError(`${abs} does not exist`, 'folder-not-found');
      }
      if (!info.isDirectory()) throw new UserError(`${abs} is not a folder`, 'not-a-folder');
      refreshFolders();
      const existing = folderSettings();
      const parent = existing.find((f) => isUnder(abs, f.path));
      if (parent) {
        throw new UserError(
          parent.path === abs
            ? `${abs} is already in the library`
            : `${abs} is already included through ${parent.path}`,
          'folder-already-added',
        );
      }
      const toAbs = (p: string) => (isAbsolute(p) ? resolve(p) : resolve(abs, p));
      changeSettings((s) => {
        // A folder that contains existing ones replaces them (their photos stay: same paths).
        const kept = (s.folders ?? []).filter((f) => !isUnder(f.path, abs));
        kept.push({ path: abs, excluded: (opts.excluded ?? []).map(toAbs), patterns: opts.patterns ?? [] });
        s.folders = kept;
      });
      await restartWatcher();
      // While watching, a new folder's photos are indexed at once (in the background).
      if (watcher) void library.index().catch(() => undefined);
      return folderInfos();
    },

    async removeFolder(path) {
      const f = requireFolder(path);
      changeSettings((s) => {
        s.folders = (s.folders ?? []).filter((x) => x.path !== f.path);
      });
      await exclusive(async () => {
        await store.deleteFilesUnder(f.path);
        await dropOrphans(0);
      });
      await restartWatcher();
      return folderInfos();
    },

    async excludePath(folder, path) {
      const f = requireFolder(folder);
      const abs = isAbsolute(path) ? resolve(path) : resolve(f.path, path);
      if (!isUnder(abs, f.path) || abs === f.path)
        throw new UserError(`${abs} is not inside ${f.path}`, 'not-in-folder');
      changeSettings((s) => {
        const target = (s.folders ?? []).find((x) => x.path === f.path);
        if (target) target.excluded = [...new Set([...(target.excluded ?? []), abs])];
      });
      await exclusive(async () => {
        await store.deleteFiles([abs]);
        await store.deleteFilesUnder(abs);
      });
      await restartWatcher();
      return folderInfos();
    },

    async setExclusionPatterns(folder, patterns) {
      const f = requireFolder(folder);
      changeSettings((s) => {
        const target = (s.folders ?? []).find((x) => x.path === f.path);
        if (target) target.patterns = patterns;
      });
      await restartWatcher();
      return folderInfos();
    },

    listFolders: folderInfos,

    index() {
      return exclusive(() => locked(fullIndex));
    },

    async startWatching() {
      if (watcher) throw new UserError('already watching', 'already-watching');
      indexLock.acquire();
      holdIndexLock = true;
      let result: IndexStats;
      try {
        result = await library.index();
      } catch (e) {
        holdIndexLock = false;
        indexLock.release();
        throw e;
      }
      watcher = createWatcher();
      await watcher.ready;
      maintenanceTimer = setInterval(() => {
        void exclusive(async () => {
          await dropOrphans(orphanGraceMs);
          await maintain(false);
        }).catch(() => undefined);
      }, 30_000);
      maintenanceTimer.unref();
      return result;
    },

    async stopWatching() {
      if (maintenanceTimer) clearInterval(maintenanceTimer);
      maintenanceTimer = undefined;
      const w = watcher;
      watcher = undefined;
      watchWarning = undefined;
      await w?.close();
      await pendingWatchWork;
      if (holdIndexLock) {
        holdIndexLock = false;
        await exclusive(async () => indexLock.release());
      }
    },

    async whenIdle() {
      await pendingWatchWork;
      await exclusive(async () => undefined);
    },

    pause() {
      gate.close();
      emitProgress({ ...progress, phase: progress.phase === 'indexing' ? 'paused' : progress.phase });
    },
    resume() {
      gate.open();
      emitProgress({ ...progress, phase: progress.phase === 'paused' ? 'indexing' : progress.phase });
    },

    onProgress(listener) {
      progressListeners.add(listener);
      return () => progressListeners.delete(listener);
    },
    onPhotosIndexed(listener) {
      indexedListeners.add(listener);
      return () => indexedListeners.delete(listener);
    },
    lastStats: () => stats,
    totalStats: () => ({ ...totals }),

    async status() {
      const files = await store.allFiles();
      const counts = { indexed: 0, failed: 0, unsupported: 0, skipped: 0, pending: 0 };
      for (const f of files) counts[f.status]++;
      const photoIds = new Set(
        files.filter((f) => f.status === 'indexed' && f.contentId).map((f) => f.contentId),
      );
      const failures = files
        .filter((f) => f.status === 'failed' || f.status === 'unsupported')
        .sort((a, b) => a.path.localeCompare(b.path))
        .map((f) => ({ path: f.path, code: f.code ?? 'unknown', reason: f.reason ?? '' }));
      const search = (await searchModel()).key;
      return {
        dataDir,
        photoCount: photoIds.size,
        files: counts,
        failures,
        folders: await folderInfos(),
        model: {
          id: engine.model.id,
          name: engine.model.name,
          embedDim: engine.model.embedDim,
          isDemo: engine.model.isDemo,
        },
        device: { ...engine.device },
        vectors: { indexed: await store.countVectors(modelKey), total: await store.countContents() },
        searchModel: search,
        annIndex: await store.hasAnnIndex(modelKey),
        indexing: progress,
        paused: gate.paused,
        watching: watcher !== undefined,
        ...(watchWarning ? { watchWarning } : {}),
        ...(engine.model.isDemo ? { notice: DEMO_NOTICE } : {}),
      };
    },

    search: (query, opts) => searcher.search(query, opts),

    async similar(target, opts = {}) {
      if (Buffer.isBuffer(target)) return searcher.search({ image: target }, opts);
      const abs = resolve(target);
      const id = await contentIdOf(target);
      if (id) return searcher.search({ similarTo: id }, { ...opts, exclude: [id] });
      if (!existsSync(abs))
        throw new UserError(`${abs} is neither a library photo nor an image file`, 'photo-not-found');
      return searcher.search({ image: await media.imageInput(abs) }, opts);
    },

    setTagFilter(fn) {
      tagFilter = fn;
    },
    setVectorTransform(t) {
      vectorTransform = t;
      generation++;
    },
    async reloadAdapter() {
      library.setVectorTransform((await readActiveAdapter(dataDir, modelKey))?.transform);
    },

    async getPhoto(contentIdOrPath) {
      const id = await contentIdOf(contentIdOrPath);
      if (!id) return undefined;
      const [content] = await store.getContents([id]);
      const files = (await store.filesForContents([id])).filter((f) => f.status === 'indexed');
      if (!content || files.length === 0) return undefined;
      return photoFromRows(content, files);
    },

    async listPhotos(opts = {}) {
      const result = await searcher.search('', {
        folder: opts.folder,
        offset: opts.offset ?? 0,
        limit: opts.limit ?? 100,
        sort: 'date-desc',
      });
      return { total: result.total, items: result.items.map(({ score: _score, ...photo }) => photo) };
    },

    thumbnailPath(contentId) {
      if (!/^[0-9a-f]{64}$/i.test(contentId)) return undefined;
      const p = thumbnailFile(thumbnailsDir, contentId.toLowerCase());
      return existsSync(p) ? p : undefined;
    },

    getImageVectors(contentIds) {
      return store.getVectors(modelKey, contentIds);
    },

    async close() {
      if (closed) return;
      closed = true;
      aborted = true;
      gate.open();
      await library.stopWatching();
      await exclusive(async () => undefined);
      for (const e of otherEngines.values()) await (await e.catch(() => undefined))?.close();
      await engine.close();
      store.close();
    },
  };
  try {
    await library.reloadAdapter();
  } catch (e) {
    // A damaged adapter file must not keep the library from opening: search runs zero-shot.
    emitProgress({ ...progress, message: `adapter not loaded: ${describeError(e)}` });
  }
  return library;
}
