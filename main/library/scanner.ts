import { isUtf8 } from 'node:buffer';
import type { Dirent, Stats } from 'node:fs';
import { lstatSync, statSync } from 'node:fs';
import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import { sep } from 'node:path';
import { describeError } from '../errors.js';
import type { MediaErrorCode } from '../media/errors.js';
import { formatFromExtension } from '../media/formats.js';

// Walks a watched folder (with subfolders) and lists its files with size and mtime: what the indexer
// reconciles the database against. A problem with one entry (permission, a symlink loop, a dangling link)
// becomes a per-path problem; the walk always goes on.
//
// Two kinds of entry get a problem of their own instead of being skipped in silence:
// - a name that is not valid UTF-8 (Latin-1 names from old drives and network shares): the library keys
//   photos by their path as a string, and such a name has no exact string form (Node turns the odd bytes
//   into U+FFFD, a path that does not exist), so it is reported with what to do: rename it. The name is
//   shown with U+FFFD where the odd bytes are.
// - an entry named like a photo that is not a regular file (a named pipe, a device, a socket, or a link to
//   one): reading it could block forever or never end, so it is not opened.

export interface ScannedFile {
  path: string;
  folder: string;
  size: number;
  mtimeMs: number;
}

export interface ScanProblem {
  path: string;
  folder: string;
  /** main/media's codes, so a file the scan cannot read is grouped with photos that failed the same way. */
  code: MediaErrorCode | 'symlink-loop' | 'bad-file-name';
  reason: string;
}

export interface ScanResult {
  files: ScannedFile[];
  problems: ScanProblem[];
  /** False when the watched folder itself is missing (unplugged drive): its photos are then kept, not dropped. */
  rootExists: boolean;
}

function problemFromError(path: string, folder: string, e: unknown): ScanProblem {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') {
    return {
      path,
      folder,
      code: 'permission-denied',
      reason: `${path}: permission denied; Lookbook cannot read it`,
    };
  }
  if (code === 'ELOOP') {
    return {
      path,
      folder,
      code: 'symlink-loop',
      reason: `${path}: symbolic links point at each other in a loop`,
    };
  }
  if (code === 'ENOENT') {
    return { path, folder, code: 'missing', reason: `${path}: a link to something that no longer exists` };
  }
  if (code === 'ENAMETOOLONG') {
    return { path, folder, code: 'io-error', reason: `${path}: the path is too long for this system` };
  }
  return { path, folder, code: 'io-error', reason: `${path}: could not be read (${describeError(e)})` };
}

/** Entries of one folder whose type, size and mtime are asked for at once. */
const STAT_BATCH = 64;
/**
 * The average time of a synchronous stat above which a walk switches to asynchronous ones. On a local
 * disk whose folders the system has cached, a stat takes a few microseconds, and asking synchronously is
 * 3-4× faster than going through libuv's thread pool (100,000 files: 0.44 against 1.5-2.1 s on this
 * machine, bench/restart-cost.ts); on a network share or a cold disk a stat waits for the device, and
 * parallel asynchronous stats hide that wait (and do not hold up the process meanwhile).
 */
const SLOW_STAT_MS = 0.2;

/**
 * `isAborted`: asked before each entry, so that Ctrl+C stops a walk of a huge tree at once; the result is
 * then partial and the caller must not take a file missing from it for a file deleted. `slowStatMs`: see
 * SLOW_STAT_MS (a test sets 0 to walk the asynchronous path after the first batch).
 */
export async function scanFolder(
  folder: string,
  isExcluded: (path: string) => boolean,
  isAborted: () => boolean = () => false,
  { slowStatMs = SLOW_STAT_MS }: { slowStatMs?: number } = {},
): Promise<ScanResult> {
  const files: ScannedFile[] = [];
  const problems: ScanProblem[] = [];
  try {
    if (!(await stat(folder)).isDirectory()) return { files, problems, rootExists: false };
  } catch {
    return { files, problems, rootExists: false };
  }
  // Real paths of folders already walked: a link back to an ancestor is reported once, not followed forever.
  const visited = new Set<string>();
  // Stats are asked synchronously while they are fast (see SLOW_STAT_MS), for the rest of the walk.
  let statsAreFast = true;

  async function walk(dir: string): Promise<void> {
    if (isAborted()) return;
    let real: string;
    try {
      real = await realpath(dir);
    } catch (e) {
      problems.push(problemFromError(dir, folder, e));
      return;
    }
    if (visited.has(real)) {
      problems.push({
        path: dir,
        folder,
        code: 'symlink-loop',
        reason: `${dir}: a link to a folder already included (${real}); skipped to avoid a loop`,
      });
      return;
    }
    visited.add(real);
    // Names as bytes: read as strings, a name that is not valid UTF-8 would come back altered. The entry
    // types come with the names (no lstat per entry); only files are stat'ed, for their size and mtime.
    let dirents: Dirent<Buffer>[];
    try {
      dirents = await readdir(dir, { encoding: 'buffer', withFileTypes: true });
    } catch (e) {
      problems.push(problemFromError(dir, folder, e));
      return;
    }
    // Each entry's path, joined once (`dir` is already normal: it was joined the same way or resolved).
    const prefix = dir.endsWith(sep) ? dir : dir + sep;
    const entries = dirents.map((d) => {
      const name = d.name.toString('utf8');
      return { dirent: d, name, path: prefix + name };
    });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    // What each entry is, looked up STAT_BATCH at a time: synchronously while stats are fast (see
    // SLOW_STAT_MS), else in parallel, which keeps libuv's thread pool busy (100,000 files: 6-8 s against
    // 17-19 s one at a time, on 2 busy cores; 256 at a time was no faster); folders are walked in order.
    const infos: (Stats | 'directory' | 'excluded' | 'bad-name' | Error)[] = new Array(entries.length);
    /** What entry `i` is, short of its size and mtime: undefined for a file or link (to be stat'ed). */
    const kind = (i: number): (typeof infos)[number] | undefined => {
      const { dirent, path } = entries[i]!;
      if (isExcluded(path)) return 'excluded';
      if (!isUtf8(dirent.name)) return 'bad-name';
      if (dirent.isDirectory()) return 'directory';
      return undefined;
    };
    // A file needs its size and mtime; a link is followed; an entry of unknown type (some network file
    // systems do not say) or a special file is asked about without following it.
    const lookUp = async (i: number): Promise<void> => {
      const { dirent, path } = entries[i]!;
      try {
        if (dirent.isFile() || dirent.isSymbolicLink()) infos[i] = await stat(path);
        else {
          const info = await lstat(path);
          infos[i] = info.isSymbolicLink() ? await stat(path) : info;
        }
      } catch (e) {
        infos[i] = e instanceof Error ? e : new Error(String(e));
      }
    };
    const lookUpSync = (i: number): void => {
      const { dirent, path } = entries[i]!;
      try {
        if (dirent.isFile() || dirent.isSymbolicLink()) infos[i] = statSync(path);
        else {
          const info = lstatSync(path);
          infos[i] = info.isSymbolicLink() ? statSync(path) : info;
        }
      } catch (e) {
        infos[i] = e instanceof Error ? e : new Error(String(e));
      }
    };
    for (let start = 0; start < entries.length; start += STAT_BATCH) {
      if (isAborted()) return;
      const end = Math.min(entries.length, start + STAT_BATCH);
      const toStat: number[] = [];
      for (let i = start; i < end; i++) {
        const k = kind(i);
        if (k === undefined) toStat.push(i);
        else infos[i] = k;
      }
      if (toStat.length === 0) continue;
      if (statsAreFast) {
        const t0 = performance.now();
        for (const i of toStat) lookUpSync(i);
        if (performance.now() - t0 > slowStatMs * toStat.length) statsAreFast = false;
        // Let the rest of the process (a search, a progress event) in between batches.
        await new Promise((r) => setImmediate(r));
      } else await Promise.all(toStat.map(lookUp));
    }
    for (let i = 0; i < entries.length; i++) {
      if (isAborted()) return;
      const { dirent, path } = entries[i]!;
      const info = infos[i]!;
      if (info === 'excluded') continue;
      if (info === 'bad-name') {
        await reportBadName(Buffer.concat([Buffer.from(dir + sep), dirent.name]), path);
        continue;
      }
      if (info instanceof Error) {
        problems.push(problemFromError(path, folder, info));
        continue;
      }
      if (info === 'directory' || info.isDirectory()) await walk(path);
      else if (info.isFile()) files.push({ path, folder, size: info.size, mtimeMs: info.mtimeMs });
      else {
        const problem = specialFileProblem(path, folder, info);
        if (problem) problems.push(problem);
      }
    }
  }

  const badNames = new Set<string>();
  /** A folder, or a file named like a photo, whose name is not valid UTF-8 (`rawPath`: its exact bytes). */
  async function reportBadName(rawPath: Buffer, shown: string): Promise<void> {
    const info = await stat(rawPath).catch(() => undefined);
    const isFolder = info?.isDirectory() ?? false;
    if (!isFolder && !looksLikePhoto(shown)) return;
    // Two names that differ only in their odd bytes show the same: one status covers both.
    if (badNames.has(shown)) return;
    badNames.add(shown);
    problems.push({
      path: shown,
      folder,
      code: 'bad-file-name',
      reason: isFolder
        ? `${shown}: the folder name is not valid UTF-8 (its odd bytes show as \uFFFD); rename it to index the photos in it`
        : `${shown}: the file name is not valid UTF-8 (its odd bytes show as \uFFFD); rename it to index it`,
    });
  }

  await walk(folder);
  return { files, problems, rootExists: true };
}

/**
 * A pipe, device or socket named like a photo gets a status saying what it is (opening a pipe would
 * block the indexer); anything else that is neither a file nor a folder is not Lookbook's business.
 */
export function specialFileProblem(path: string, folder: string, info: Stats): ScanProblem | undefined {
  if (!looksLikePhoto(path)) return undefined;
  return {
    path,
    folder,
    code: 'not-a-file',
    reason: `${path}: not a regular file (${specialKind(info)}); Lookbook reads only ordinary files`,
  };
}

/** Named like a photo (or an image type Lookbook reports as unsupported): worth a status when unreadable. */
function looksLikePhoto(path: string): boolean {
  return formatFromExtension(path) !== undefined;
}

function specialKind(info: Stats): string {
  if (info.isFIFO()) return 'a named pipe';
  if (info.isCharacterDevice() || info.isBlockDevice()) return 'a device';
  if (info.isSocket()) return 'a socket';
  return 'not a file or a folder';
}
