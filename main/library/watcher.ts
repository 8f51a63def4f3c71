import { watch, type FSWatcher } from 'chokidar';

// Watches the library's folders and reports changed paths in batches. A rename or move arrives as an
// unlink and an add; batching them (a short quiet period) lets the indexer see both at once, so the
// moved photo keeps its content (no re-encode). The indexer decides what each path now is: this file
// only says "look at these paths again".

export interface WatcherOptions {
  folders: string[];
  isExcluded(path: string): boolean;
  /** Called with absolute paths (files or folders) that were added, changed or removed. */
  onChanges(paths: string[]): void;
  onError?(e: unknown): void;
  /**
   * Folders left unwatched because the system's limit on watchers is reached (Linux: inotify's
   * max_user_watches, ENOSPC), all of them so far; once after the initial walk, then after each burst.
   */
  onLimitReached?(unwatched: string[]): void;
  /** Quiet period before a batch is delivered, ms. */
  debounceMs?: number;
  /** How long a file's size must stay the same before it is read (a copy in progress), ms. */
  stabilityMs?: number;
}

export interface FolderWatcher {
  ready: Promise<void>;
  close(): Promise<void>;
}

export function watchFolders(options: WatcherOptions): FolderWatcher {
  const debounceMs = options.debounceMs ?? 500;
  const stabilityMs = options.stabilityMs ?? 1000;
  let pending = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    timer = undefined;
    const paths = [...pending];
    pending = new Set();
    if (paths.length) options.onChanges(paths);
  };
  const touch = (path: string) => {
    pending.add(path);
    if (timer) clearTimeout(timer);
    timer = setTimeout(flush, debounceMs);
  };
  const watcher: FSWatcher = watch(options.folders, {
    ignoreInitial: true,
    persistent: true,
    // chokidar 4 has no globs: one function decides, the same one the scanner uses.
    ignored: (path: string) => options.isExcluded(path),
    awaitWriteFinish: { stabilityThreshold: stabilityMs, pollInterval: Math.min(100, stabilityMs) },
    // Links are indexed by the scan (with loop detection); following them here could watch a loop.
    followSymlinks: false,
  });
  for (const event of ['add', 'change', 'unlink', 'addDir', 'unlinkDir'] as const) {
    watcher.on(event, (path: string) => touch(path));
  }
  // chokidar reports one error per folder past the limit (thousands in a large library): they are
  // gathered into one report instead.
  const unwatched = new Set<string>();
  let isReady = false;
  let limitTimer: NodeJS.Timeout | undefined;
  const reportLimit = () => {
    limitTimer = undefined;
    if (unwatched.size) options.onLimitReached?.([...unwatched]);
  };
  watcher.on('error', (e) => {
    const error = e as NodeJS.ErrnoException;
    if (error.code !== 'ENOSPC') return options.onError?.(e);
    unwatched.add(error.path ?? '?');
    if (isReady && !limitTimer) limitTimer = setTimeout(reportLimit, debounceMs);
  });
  const ready = new Promise<void>((resolve) =>
    watcher.once('ready', () => {
      isReady = true;
      reportLimit();
      resolve();
    }),
  );
  return {
    ready,
    async close() {
      if (timer) clearTimeout(timer);
      if (limitTimer) clearTimeout(limitTimer);
      timer = limitTimer = undefined;
      pending.clear();
      await watcher.close();
    },
  };
}

/** What a person needs to know when folders cannot be watched, and how to fix it. */
export function describeWatchLimit(unwatched: string[]): string {
  const folders = unwatched.length === 1 ? '1 folder' : `${unwatched.length} folders`;
  return (
    `Not watching ${folders} for changes (such as ${unwatched[0]}): the system's limit on watched ` +
    `folders is reached. Photos added or changed there are found at the next rescan (when Lookbook ` +
    `starts, with Rescan, or with \`lookbook index\`). To watch every folder on Linux, raise the limit: ` +
    `sudo sysctl fs.inotify.max_user_watches=524288 (and add fs.inotify.max_user_watches=524288 to ` +
    `/etc/sysctl.conf to keep it).`
  );
}
