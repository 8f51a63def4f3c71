import { watch as probeWatch } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { subscribe, type AsyncSubscription, type Event } from '@parcel/watcher';

// Watches the library's folders and reports changed paths in batches. A rename or move arrives as an
// unlink and an add; batching them (a short quiet period) lets the indexer see both at once, so the
// moved photo keeps its content (no re-encode). The indexer decides what each path now is: this file
// only says "look at these paths again".
//
// @parcel/watcher (native; inotify per folder on Linux, FSEvents on macOS, ReadDirectoryChangesW on
// Windows) replaced chokidar, which keeps JavaScript state and a stat for every file. Measured with
// bench/watcher-memory.ts (small files, 100 a folder, load average ~21 on 2 shared cores), RSS above the
// idle process once ready, and time to ready:
//   20,000 files:  chokidar as configured 179 MB, 5.2 s; chokidar with events only 141 MB, 6.7 s;
//                  @parcel/watcher 6 MB, 0.4 s
//   100,000 files: chokidar 625 MB, 103 s; events only 677 MB, 35 s; @parcel/watcher 26 MB, 3.0 s
// Configuring chokidar down (no awaitWriteFinish) does not help: its state per file is the cost.
// It has no "wait until the write is finished": a changed file is reported once its size and mtime have
// stayed the same for `stabilityMs` (a copy in progress), which costs a stat per changed file only.
//
// Linux limits the folders one user may watch (fs.inotify.max_user_watches). @parcel/watcher watches a
// whole tree or nothing: past the limit, subscribing fails with "inotify_add_watch … No space left on
// device", and the watches it added before failing stay held until its last subscription closes. Then
// every subscription is closed (freeing them) and the folders are watched one by one, top down (each
// subscription ignores its subfolders, which get their own), as many as the system allows; the rest are
// rescanned every `rescanMs` and named once in a notice, so a change there is late, never missed.

export interface WatcherOptions {
  folders: string[];
  isExcluded(path: string): boolean;
  /**
   * Paths and name patterns under a folder that the native watcher need not walk or watch (excluded
   * folders, hidden ones): a saving only, since every event is also checked with isExcluded.
   */
  nativeIgnore?(folder: string): (string | RegExp)[];
  /** Called with absolute paths (files or folders) that were added, changed or removed. */
  onChanges(paths: string[]): void;
  onError?(e: unknown): void;
  /**
   * Folders left unwatched because the system's limit on watchers is reached (Linux: inotify's
   * max_user_watches), all of them so far; once after the first walk, then when more join them. They
   * are rescanned every `rescanMs` (each rescan reports the folder as changed, through onChanges).
   */
  onLimitReached?(unwatched: string[]): void;
  /** Quiet period before a batch is delivered, ms. */
  debounceMs?: number;
  /** How long a file's size and mtime must stay the same before it is read (a copy in progress), ms. */
  stabilityMs?: number;
  /** How often folders that cannot be watched are rescanned, ms (default 60 s). */
  rescanMs?: number;
}

export interface FolderWatcher {
  ready: Promise<void>;
  close(): Promise<void>;
}

/** How @parcel/watcher says the system's limit on watched folders is reached (it has no error code). */
function isWatchLimit(e: unknown): boolean {
  const error = e as NodeJS.ErrnoException;
  return error?.code === 'ENOSPC' || /No space left on device|ENOSPC/i.test(String(error?.message ?? e));
}

export function watchFolders(options: WatcherOptions): FolderWatcher {
  const debounceMs = options.debounceMs ?? 500;
  const stabilityMs = options.stabilityMs ?? 1000;
  const rescanMs = options.rescanMs ?? 60_000;
  const pollMs = Math.max(10, Math.min(100, stabilityMs));
  // A batch waits for files still being written, but not for ever (a file written for minutes): the
  // removals and finished files in it go out after this long.
  const maxHoldMs = 2 * (stabilityMs + debounceMs);
  let closed = false;

  // ---- batching ----
  let pending = new Set<string>();
  let pendingSince = 0;
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    timer = undefined;
    if (closed) return;
    if (settling.size > 0 && Date.now() - pendingSince < maxHoldMs) {
      timer = setTimeout(flush, debounceMs);
      return;
    }
    const paths = [...pending];
    pending = new Set();
    if (paths.length) options.onChanges(paths);
  };
  const touch = (path: string) => {
    if (closed) return;
    if (pending.size === 0) pendingSince = Date.now();
    pending.add(path);
    if (timer) clearTimeout(timer);
    timer = setTimeout(flush, debounceMs);
  };

  // ---- stability of added and changed files ----
  const settling = new Map<string, { size: number; mtimeMs: number; since: number; created: boolean }>();
  let pollTimer: NodeJS.Timeout | undefined;
  const settle = (path: string, created: boolean) => {
    const seen = settling.get(path);
    if (!seen) settling.set(path, { size: -1, mtimeMs: -1, since: Date.now(), created });
    else if (created) seen.created = true;
    pollTimer ??= setTimeout(() => void poll(), pollMs);
  };
  async function poll(): Promise<void> {
    const now = Date.now();
    await Promise.all(
      [...settling].map(async ([path, seen]) => {
        const info = await stat(path).catch(() => undefined);
        if (!info) {
          settling.delete(path); // gone again: the indexer finds it missing
          touch(path);
        } else if (info.isDirectory()) {
          // A folder's own changes (its date, its permissions) say nothing about the photos in it.
          settling.delete(path);
          if (seen.created) folderAppeared(path);
        } else if (info.size !== seen.size || info.mtimeMs !== seen.mtimeMs) {
          settling.set(path, { ...seen, size: info.size, mtimeMs: info.mtimeMs, since: now });
        } else if (now - seen.since >= stabilityMs) {
          settling.delete(path);
          touch(path);
        }
      }),
    );
    pollTimer = undefined;
    if (settling.size > 0 && !closed) pollTimer = setTimeout(() => void poll(), pollMs);
  }

  const onEvents = (err: Error | null, events: Event[]) => {
    if (closed) return;
    if (err) options.onError?.(err);
    for (const event of events) {
      if (options.isExcluded(event.path)) continue;
      if (event.type === 'delete') {
        settling.delete(event.path);
        touch(event.path);
      } else settle(event.path, event.type === 'create');
    }
  };

  // ---- subscriptions, and the folders past the system's limit ----
  const subscriptions = new Map<string, AsyncSubscription>();
  const unwatched = new Set<string>();
  let reported = 0;
  let rescanTimer: NodeJS.Timeout | undefined;
  const reportLimit = () => {
    if (closed || unwatched.size === reported) return;
    reported = unwatched.size;
    options.onLimitReached?.([...unwatched]);
    rescanTimer ??= setInterval(() => {
      for (const folder of unwatched) touch(folder);
    }, rescanMs);
  };

  /** The folder with its whole tree: one subscription. Throws when the system's limit is reached. */
  async function subscribeTree(folder: string, ignore: (string | RegExp)[] = []): Promise<void> {
    const ignored = [...(options.nativeIgnore?.(folder) ?? []), ...ignore];
    const sub = await subscribe(folder, onEvents, ignored.length ? { ignore: ignored } : {});
    if (closed) await sub.unsubscribe();
    else subscriptions.set(folder, sub);
  }

  /** Subfolders of a folder that the library looks into (links are not followed, as in the scan). */
  async function subfolders(folder: string): Promise<string[]> {
    const entries = await readdir(folder, { withFileTypes: true }).catch(() => []);
    return entries
      .filter((e) => e.isDirectory())
      .map((e) => join(folder, e.name))
      .filter((p) => !options.isExcluded(p));
  }

  /**
   * Past the limit: folders watched one at a time, top down, as many as the system allows. The first
   * that cannot be watched and every folder still queued (each with its whole tree) are rescanned.
   */
  async function watchOneByOne(queue: string[]): Promise<void> {
    let full = false;
    for (let i = 0; i < queue.length && !closed; i++) {
      const folder = queue[i]!;
      if (full) {
        unwatched.add(folder);
        continue;
      }
      const children = await subfolders(folder);
      try {
        await subscribeTree(folder, children);
        queue.push(...children);
      } catch (e) {
        if (isWatchLimit(e)) {
          full = true;
          unwatched.add(folder);
        } else if (
          await stat(folder).then(
            () => true,
            () => false,
          )
        )
          options.onError?.(e); // (a folder gone meanwhile is no news: its deletion is reported)
      }
    }
  }

  /** Everything held so far let go: a failed subscription's watches are only freed this way. */
  async function unsubscribeAll(): Promise<void> {
    const subs = [...subscriptions.values()];
    subscriptions.clear();
    await Promise.all(subs.map((s) => s.unsubscribe().catch(() => undefined)));
  }

  /**
   * A folder created while watching (Linux; FSEvents and ReadDirectoryChangesW cover a whole tree).
   * @parcel/watcher adds a watch for the new folder but not for the folders already inside it (a
   * folder moved in with its subfolders, or made with them at once): those are watched one by one. When
   * the system's limit is reached it skips the new folder without a word: a quick probe (one watch, let
   * go at once) says so, and the folder joins the rescanned ones. A folder that had a subscription of
   * its own (deleted and created again) gets a new one: its parent's subscription ignores it.
   */
  function folderAppeared(path: string): void {
    touch(path);
    if (process.platform !== 'linux') return;
    void (async () => {
      const own = subscriptions.get(path);
      if (own) {
        subscriptions.delete(path);
        await own.unsubscribe().catch(() => undefined);
        await watchOneByOne([path]);
      } else {
        try {
          probeWatch(path).close();
        } catch (e) {
          if (!isWatchLimit(e)) return;
          unwatched.add(path);
          reportLimit();
          return;
        }
        await watchOneByOne(await subfolders(path));
      }
      reportLimit();
    })().catch((e: unknown) => options.onError?.(e));
  }

  async function start(): Promise<void> {
    const queue = [...options.folders];
    for (let i = 0; i < queue.length && !closed; i++) {
      try {
        await subscribeTree(queue[i]!);
      } catch (e) {
        if (!isWatchLimit(e)) {
          options.onError?.(e);
          continue;
        }
        await unsubscribeAll();
        await watchOneByOne([...options.folders]);
        break;
      }
    }
    reportLimit();
  }

  const ready = start().catch((e: unknown) => options.onError?.(e));
  return {
    ready,
    async close() {
      closed = true;
      await ready;
      for (const t of [timer, pollTimer]) if (t) clearTimeout(t);
      if (rescanTimer) clearInterval(rescanTimer);
      timer = pollTimer = rescanTimer = undefined;
      pending.clear();
      settling.clear();
      await unsubscribeAll();
    },
  };
}

/** What a person needs to know when folders cannot be watched, and how to fix it. */
export function describeWatchLimit(unwatched: string[]): string {
  const folders = unwatched.length === 1 ? '1 folder' : `${unwatched.length} folders`;
  return (
    `Not watching ${folders} for changes (such as ${unwatched[0]}): the system's limit on watched ` +
    `folders is reached. Photos added or changed there are found at the next rescan (every minute ` +
    `while Lookbook is open, when it starts, with Rescan, or with \`lookbook index\`). To watch every ` +
    `folder on Linux, raise the limit: sudo sysctl fs.inotify.max_user_watches=524288 (and add ` +
    `fs.inotify.max_user_watches=524288 to /etc/sysctl.conf to keep it).`
  );
}
