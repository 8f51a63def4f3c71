import { statSync } from 'node:fs';
import type { FolderSettings } from '../host/settings.js';
import { isUnder } from '../paths.js';
import type { FileRow, FileState, LibraryStore } from '../store/library-store.js';
import { dropUnmappedRoots, type FolderRegistry } from './folders.js';
import {
  indexFiles,
  isRetryable,
  loadKnownSets,
  statScanned,
  type IndexerContext,
  type KnownSets,
} from './indexer.js';
import type { OrphanSweeper } from './orphans.js';
import type { RunState } from './run-state.js';
import { emptyIndexStats, emptyProgress } from './types.js';
import { scanFolder, specialFileProblem, type ScanProblem, type ScannedFile } from './scanner.js';
import type { IndexStats } from './types.js';
import { describeError } from '../errors.js';

// Reconciling the database with the disk: a full run scans every folder, drops rows of files that are
// gone and indexes what is new or changed; a watched batch does the same for the paths that changed.

/**
 * Whether a scanned file needs reading. A file whose size and mtime match its row is trusted to hold the
 * content the row names: it is neither opened nor hashed (a restart over an unchanged library reads no
 * photo); only a new or changed file, or one whose content or vector is missing, is read.
 */
function needsWork(file: ScannedFile, prev: FileState | undefined, known: KnownSets): boolean {
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

/** Whether a content exists that no file row refers to. */
function hasOrphans(rows: readonly FileState[], known: KnownSets): boolean {
  const referenced = new Set<string>();
  for (const r of rows) if (r.contentId) referenced.add(r.contentId);
  for (const id of known.contents) if (!referenced.has(id)) return true;
  return false;
}

/** The file row of a path the scan could not index, with the reason a person reads. */
function problemRow(p: ScanProblem): FileRow {
  return {
    path: p.path,
    folder: p.folder,
    contentId: null,
    size: 0,
    mtimeMs: 0,
    status: 'failed',
    code: p.code,
    reason: p.reason,
    updatedAt: Date.now(),
  };
}

export interface ReconcileDeps {
  store: LibraryStore;
  modelKey: string;
  registry: FolderRegistry;
  run: RunState;
  orphans: OrphanSweeper;
  /** The indexer's context for one run. */
  indexer(): IndexerContext;
  isAborted(): boolean;
  /** Seconds an unreferenced content is kept while watching (a rename may be under way). */
  orphanGraceMs: number;
  /** Compacts the tables and builds the ANN index when due (`force`: now). */
  maintain(force: boolean): Promise<void>;
}

export interface Reconciler {
  /** Scans every folder and indexes what changed. */
  fullIndex(): Promise<IndexStats>;
  /** Indexes the paths the watcher reported (files or folders, present or gone). */
  processChanges(paths: string[]): Promise<void>;
  /** The indexer's cache of existing contents and vectors (undefined before the first run). */
  known(): KnownSets | undefined;
}

export function createReconciler(deps: ReconcileDeps): Reconciler {
  const { store, registry, run } = deps;
  // What contents and vectors exist: loaded at each full index, then kept up to date by the indexer
  // (adds) and the orphan sweeper (removals), so a watched change does not rescan the tables.
  let knownCache: KnownSets | undefined;

  /** The folder list as a string, to see whether it changed during a run. */
  const folderList = () => JSON.stringify(registry.list());

  /**
   * After a run during which the folders changed (a folder removed here or by another process, a path
   * excluded): rows outside the folders are removed. The run skipped such files from the moment it saw
   * the change, but a batch may have been written just before another process's removal deleted its
   * rows; this closes that gap. Returns how many rows were removed.
   */
  async function removeRowsOutside(before: string): Promise<number> {
    registry.refresh();
    if (folderList() === before) return 0;
    const outside = (await store.allFileStates())
      .filter((r) => !registry.contains(r.path))
      .map((r) => r.path);
    await store.deleteFiles(outside);
    return outside.length;
  }

  /**
   * Indexes the candidates that need it; `work` is how many did (0: nothing was read or written).
   * `loaded`: the contents and vectors just read from the store (a full run), else the cache is used.
   */
  async function runIndex(
    candidates: ScannedFile[],
    previous: ReadonlyMap<string, FileState>,
    loaded?: KnownSets,
  ): Promise<{ result: IndexStats; work: number }> {
    if (loaded) knownCache = loaded;
    knownCache ??= await loadKnownSets(store, deps.modelKey);
    const known = knownCache;
    const work = candidates.filter((f) => needsWork(f, previous.get(f.path), known));
    const result = await indexFiles(deps.indexer(), work, previous, known);
    result.seen = candidates.length;
    return { result, work: work.length };
  }

  async function fullIndex(): Promise<IndexStats> {
    run.emitProgress({ ...emptyProgress(), phase: 'scanning' });
    try {
      registry.refresh();
      const folders = registry.list();
      const foldersAtStart = folderList();
      const scanned: ScannedFile[] = [];
      const problemRows: FileRow[] = [];
      const missingRoots: string[] = [];
      // What the store holds is read while the disk is walked (the store's reads run on its own threads).
      const stored = Promise.all([store.allFileStates(), loadKnownSets(store, deps.modelKey)]);
      stored.catch(() => undefined); // awaited below; a failure must not go unhandled meanwhile
      for (const folder of folders) {
        const result = await scanFolder(folder.path, registry.matcherFor(folder), deps.isAborted);
        if (!result.rootExists) missingRoots.push(folder.path);
        scanned.push(...result.files);
        problemRows.push(...result.problems.map(problemRow));
      }
      if (deps.isAborted()) {
        await stored.catch(() => undefined);
        // Stopped during the scan (Ctrl+C, close): the list is partial, so nothing is taken for deleted.
        const stopped = emptyIndexStats();
        run.finished(stopped);
        return stopped;
      }
      // Rows of roots this machine does not map are not listed below, so never taken for gone files.
      const leftover = await dropUnmappedRoots(registry, store);
      // The scan is compared with what the store holds, read column-wise (no row objects).
      const [rows, known] = await stored;
      // Plain loops: at 100,000 files, the intermediate arrays of map/spread cost as much as the reads.
      const previous = new Map<string, FileState>();
      for (const r of rows) previous.set(r.path, r);
      // A path with two rows (two machines appending to one shared store): repaired before any append.
      if (previous.size < rows.length) await store.removeDuplicateFiles();
      const present = new Set<string>();
      for (const f of scanned) present.add(f.path);
      for (const r of problemRows) present.add(r.path);
      const stale = rows
        .filter((r) => !present.has(r.path))
        // A folder that is missing (unplugged drive) keeps its photos until it comes back or is removed.
        .filter(
          (r) =>
            !missingRoots.some((root) => isUnder(r.path, root)) ||
            !folders.some((f) => isUnder(r.path, f.path)),
        )
        .map((r) => r.path);
      // A problem already recorded as it is now is not written again: an unchanged library writes nothing.
      const newProblems = problemRows.filter((p) => {
        const prev = previous.get(p.path);
        return prev?.status !== p.status || prev.code !== p.code;
      });
      await store.deleteFiles(stale);
      await store.upsertFiles(newProblems);
      const { result, work } = await runIndex(scanned, previous, known);
      const outside = await removeRowsOutside(foldersAtStart);
      result.removed += leftover + stale.length + outside;
      result.failed += problemRows.length;
      if (!deps.isAborted()) {
        const changed = leftover + stale.length + newProblems.length + work + outside > 0;
        // Unchanged, the rows just read tell whether any content lost its last file (a run stopped
        // before its sweep): the sweep's own reads are skipped when none did.
        if (changed || hasOrphans(rows, known)) result.orphansDropped = await deps.orphans.drop(0);
        // Compaction after a run that wrote nothing would only rewrite the same tables (seconds at
        // 100,000 photos): a restart with nothing changed skips it; the watcher's timer still runs it.
        if (changed || result.orphansDropped > 0) await deps.maintain(true);
      }
      run.finished(result);
      return result;
    } catch (e) {
      run.emitProgress({ ...run.progress(), phase: 'error', message: describeError(e) });
      throw e;
    }
  }

  async function processChanges(paths: string[]): Promise<void> {
    const foldersAtStart = folderList();
    const candidates: ScannedFile[] = [];
    const problems: ScanProblem[] = [];
    const gone: string[] = [];
    /** Files of a rescanned folder that the store holds and the scan did not find. */
    const vanished: string[] = [];
    const scan = async (dir: string, folder: FolderSettings) => {
      const result = await scanFolder(dir, registry.matcherFor(folder), deps.isAborted);
      candidates.push(...result.files.map((f) => ({ ...f, folder: folder.path })));
      problems.push(...result.problems.map((p) => ({ ...p, folder: folder.path })));
      // A folder is compared whole (a folder past the system's watch limit is rescanned this way, and
      // nothing reported its deletions): what the store holds under it and the scan did not find is gone.
      if (!result.rootExists || deps.isAborted()) return;
      const found = new Set([...result.files, ...result.problems].map((f) => f.path));
      for (const path of await store.pathsUnder(dir)) if (!found.has(path)) vanished.push(path);
    };
    for (const path of [...new Set(paths)]) {
      const folder = registry.folderOf(path);
      if (!folder || registry.matcherFor(folder)(path)) continue;
      let info;
      try {
        info = statSync(path);
      } catch {
        gone.push(path);
        continue;
      }
      if (info.isDirectory()) await scan(path, folder);
      else if (info.isFile()) {
        const s = await statScanned(path, folder.path);
        if (s) candidates.push(s);
        else gone.push(path);
      } else {
        const problem = specialFileProblem(path, folder.path, info);
        if (problem) problems.push(problem);
      }
    }
    for (const path of gone) {
      await store.deleteFiles([path]);
      await store.deleteFilesUnder(path);
    }
    await store.deleteFiles(vanished);
    await store.upsertFiles(problems.map(problemRow));
    const previous = new Map((await store.getFiles(candidates.map((c) => c.path))).map((r) => [r.path, r]));
    const { result } = await runIndex(candidates, previous);
    result.removed += gone.length + vanished.length + (await removeRowsOutside(foldersAtStart));
    if (!deps.isAborted()) result.orphansDropped = await deps.orphans.drop(deps.orphanGraceMs);
    run.finished(result);
  }

  return { fullIndex, processChanges, known: () => knownCache };
}
