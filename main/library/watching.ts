import { describeError, UserError } from '../errors.js';
import type { FolderRegistry } from './folders.js';
import type { IndexLock } from './index-lock.js';
import type { Reconciler } from './reconcile.js';
import type { RunState } from './run-state.js';
import type { IndexStats } from './types.js';
import { describeWatchLimit, watchFolders, type FolderWatcher } from './watcher.js';

// Keeping the library up to date while it is open: the folders watched, each batch of changes indexed
// in turn with every other write, orphans and table maintenance on a timer, and the index lock held
// for the whole time (another process must not index the same library meanwhile).

export interface WatchingDeps {
  registry: FolderRegistry;
  reconciler: Reconciler;
  run: RunState;
  lock: IndexLock;
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
  /** A full index run (taken under the lock by the caller). */
  index(): Promise<IndexStats>;
  /** The periodic work while watching: orphans past their grace period, table maintenance. */
  periodic(): Promise<void>;
  watch?: { debounceMs?: number; stabilityMs?: number };
}

export interface Watching {
  readonly active: boolean;
  /** Set while some folders cannot be watched (the system's limit): the UI must not promise otherwise. */
  readonly warning: string | undefined;
  /** A full index, then watch until stop(). */
  start(): Promise<IndexStats>;
  stop(): Promise<void>;
  /** After the folder list changed: the watcher follows it. Returns whether the folders are watched. */
  followFolders(): Promise<boolean>;
  /** Resolves when the batch of changes in hand has been indexed. */
  pending(): Promise<unknown>;
  /** Whether the index lock stays held between runs (while watching). */
  readonly holdsLock: boolean;
}

export function createWatching(deps: WatchingDeps): Watching {
  const { registry, run } = deps;
  let watcher: FolderWatcher | undefined;
  let warning: string | undefined;
  let maintenanceTimer: NodeJS.Timeout | undefined;
  let pendingWork: Promise<unknown> = Promise.resolve();
  let holdLock = false;

  function createWatcher(): FolderWatcher {
    return watchFolders({
      folders: registry.list().map((f) => f.path),
      isExcluded: registry.isExcludedAnywhere,
      debounceMs: deps.watch?.debounceMs,
      stabilityMs: deps.watch?.stabilityMs,
      onChanges: (paths) => {
        pendingWork = deps
          .exclusive(() => deps.reconciler.processChanges(paths))
          .catch((e) => run.emitProgress({ ...run.progress(), phase: 'error', message: describeError(e) }));
      },
      onError: (e) => run.notify(`watching: ${describeError(e)}`),
      onLimitReached: (unwatched) => {
        warning = describeWatchLimit(unwatched);
        run.notify(warning);
      },
    });
  }

  const watching: Watching = {
    get active() {
      return watcher !== undefined;
    },
    get warning() {
      return warning;
    },
    get holdsLock() {
      return holdLock;
    },

    async start() {
      if (watcher) throw new UserError('already watching', 'already-watching');
      deps.lock.acquire();
      holdLock = true;
      let result: IndexStats;
      try {
        result = await deps.index();
      } catch (e) {
        holdLock = false;
        deps.lock.release();
        throw e;
      }
      watcher = createWatcher();
      await watcher.ready;
      maintenanceTimer = setInterval(() => {
        void deps.exclusive(deps.periodic).catch(() => undefined);
      }, 30_000);
      maintenanceTimer.unref();
      return result;
    },

    async stop() {
      if (maintenanceTimer) clearInterval(maintenanceTimer);
      maintenanceTimer = undefined;
      const w = watcher;
      watcher = undefined;
      warning = undefined;
      await w?.close();
      await pendingWork;
      if (holdLock) {
        holdLock = false;
        await deps.exclusive(async () => deps.lock.release());
      }
    },

    async followFolders() {
      registry.refresh();
      if (!watcher) return false;
      await watcher.close();
      warning = undefined;
      watcher = createWatcher();
      await watcher.ready;
      return true;
    },

    pending: () => pendingWork,
  };
  return watching;
}
