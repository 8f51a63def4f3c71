import { setTimeout as sleep } from 'node:timers/promises';
import { describeError, isUserError, UserError } from '../errors.js';
import type { FolderRegistry } from './folders.js';
import type { WriterLock } from './writer-lock.js';
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
  lock: WriterLock;
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
  /** A full index run (taken under the lock by the caller). */
  index(): Promise<IndexStats>;
  /** The periodic work while watching: orphans past their grace period, table maintenance. */
  periodic(): Promise<void>;
  watch?: { debounceMs?: number; stabilityMs?: number; lockPollMs?: number };
}

export interface StartOptions {
  /**
   * When another process holds the library (a `lookbook index` run), wait for it to finish instead of
   * failing: the progress says "waiting for <command> (pid N) to finish", and watching starts as soon
   * as the lock is free (a server started meanwhile must not stay unwatched for good).
   */
  waitIfBusy?: boolean;
}

export interface Watching {
  readonly active: boolean;
  /** Set while some folders cannot be watched (the system's limit): the UI must not promise otherwise. */
  readonly warning: string | undefined;
  /** A full index, then watch until stop(). */
  start(options?: StartOptions): Promise<IndexStats>;
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
  // Aborted by stop(): ends a start() that is waiting for another process's lock.
  let waiting: AbortController | undefined;
  // Counts stop() calls: a start() whose index run was interrupted by one must not start the watcher.
  let stops = 0;

  /** Takes the lock for watching; with `wait`, polls until the other process lets go of it. */
  async function takeLock(wait: boolean): Promise<void> {
    const pollMs = deps.watch?.lockPollMs ?? 1000;
    let said = '';
    waiting = new AbortController();
    const { signal } = waiting;
    try {
      for (;;) {
        try {
          await deps.lock.acquire({ watching: true });
          return; // The full index that follows replaces the waiting message with its progress.
        } catch (e) {
          if (!wait || !isUserError(e) || e.code !== 'library-busy') throw e;
        }
        const h = await deps.lock.holder();
        const message = h
          ? `waiting for ${h.command || 'another Lookbook process'} (pid ${h.pid}) to finish`
          : '';
        if (message && message !== said) run.notify(message);
        said = message || said;
        try {
          await sleep(pollMs, undefined, { signal });
        } catch {
          throw new UserError('stopped while waiting for the library to be free', 'library-closed');
        }
      }
    } finally {
      waiting = undefined;
    }
  }

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

    async start(options = {}) {
      if (watcher) throw new UserError('already watching', 'already-watching');
      const stopsAtStart = stops;
      await takeLock(options.waitIfBusy === true);
      holdLock = true;
      let result: IndexStats;
      try {
        result = await deps.index();
      } catch (e) {
        holdLock = false;
        await deps.lock.release();
        throw e;
      }
      if (stops !== stopsAtStart) {
        // Stopped (Ctrl+C, close) during the first index: no watcher; the lock goes back.
        holdLock = false;
        await deps.exclusive(() => deps.lock.release());
        return result;
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
      stops++;
      waiting?.abort();
      if (maintenanceTimer) clearInterval(maintenanceTimer);
      maintenanceTimer = undefined;
      const w = watcher;
      watcher = undefined;
      warning = undefined;
      await w?.close();
      await pendingWork;
      if (holdLock) {
        holdLock = false;
        await deps.exclusive(() => deps.lock.release());
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
