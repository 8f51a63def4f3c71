import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describeError } from '../errors.js';
import type { MediaErrorCode } from '../media/errors.js';

// Walks a watched folder (with subfolders) and lists its files with size and mtime: what the indexer
// reconciles the database against. A problem with one entry (permission, a symlink loop, a dangling link)
// becomes a per-path problem; the walk always goes on.

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
  code: MediaErrorCode | 'symlink-loop';
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

/**
 * `isAborted`: asked before each entry, so that Ctrl+C stops a walk of a huge tree at once; the result is
 * then partial and the caller must not take a file missing from it for a file deleted.
 */
export async function scanFolder(
  folder: string,
  isExcluded: (path: string) => boolean,
  isAborted: () => boolean = () => false,
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
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (e) {
      problems.push(problemFromError(dir, folder, e));
      return;
    }
    names.sort();
    for (const name of names) {
      if (isAborted()) return;
      const path = join(dir, name);
      if (isExcluded(path)) continue;
      let info;
      try {
        info = await lstat(path);
        if (info.isSymbolicLink()) info = await stat(path);
      } catch (e) {
        problems.push(problemFromError(path, folder, e));
        continue;
      }
      if (info.isDirectory()) await walk(path);
      else if (info.isFile()) files.push({ path, folder, size: info.size, mtimeMs: info.mtimeMs });
    }
  }

  await walk(folder);
  return { files, problems, rootExists: true };
}
