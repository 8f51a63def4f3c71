// [Note: temporary files] Every file Lookbook writes goes to a temporary name beside its target and is
// then renamed over it: a reader (or a run after a crash) sees the old file or the new one, never half a
// file. One naming convention for all of them,
//
//     .<target name>.<pid>.<8 hex digits>.tmp        e.g.  .ab12…ef.webp.4711.9f3c0a1b.tmp
//
// hidden (the scanner and the model listing skip dot-names), unique per writer (pid and random digits),
// and recognisable: sweepTempFiles removes what a killed run (kill -9, power loss) left behind, and only
// names of this exact shape, so nothing else in the data directory is ever touched. The pid in the name
// tells a leftover (its process is gone) from work in progress in another live process.
import { randomBytes } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { lstat, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

const TEMP_NAME = /^\..+\.(\d+)\.[0-9a-f]{8}\.tmp$/;

/** A fresh temporary path beside `target` (same folder, so the final rename stays on one file system). */
export function tempPathFor(target: string): string {
  return join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/** The pid that wrote a temporary file or folder of this name; undefined if the name is not one of ours. */
export function tempNameOwner(name: string): number | undefined {
  const m = TEMP_NAME.exec(name);
  return m ? Number(m[1]) : undefined;
}

/**
 * Writes `data` to `target` through a temporary file and a rename. On failure the temporary file is
 * removed and any earlier `target` is left as it was.
 */
export async function writeFileAtomic(
  target: string,
  data: string | Uint8Array,
  options: { mode?: number } = {},
): Promise<void> {
  const tmp = tempPathFor(target);
  try {
    // 'wx': never write through a file that happens to exist under the temporary name. A mode (0o600
    // for a secret) applies from the start: the temporary file is never readable by others either.
    await writeFile(tmp, data, { flag: 'wx', ...(options.mode === undefined ? {} : { mode: options.mode }) });
    await rename(tmp, target);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/** Whether a process with this pid runs now (EPERM: it runs, as another user). */
export function isProcessAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface SweepOptions {
  /** Look into sub-folders (default true). */
  recursive?: boolean;
  /** A file of a live process untouched for this long is a leftover whose pid was reused (default 60 s). */
  staleMs?: number;
  /** For tests: whether a pid is alive. */
  isAlive?(pid: number): boolean;
  now?: number;
}

/**
 * Removes the temporary files and folders (see [Note: temporary files]) that killed runs left under
 * `roots` (searched recursively unless told not to; a root that does not exist is fine). One is removed when the process
 * that wrote it is gone, or — a plain file only — when it has not been written to for `staleMs`: a
 * writer that is alive keeps touching its file, so an old one belongs to a process whose pid was reused.
 * Folders of a live process are kept (a model import may sit still for minutes while it is probed).
 * Our own process's are always kept. Errors are ignored: the sweep is housekeeping, and another process
 * may be sweeping or finishing the same files. Returns the paths removed.
 */
export async function sweepTempFiles(roots: readonly string[], opts: SweepOptions = {}): Promise<string[]> {
  const staleMs = opts.staleMs ?? 60_000;
  const isAlive = opts.isAlive ?? isProcessAlive;
  const now = opts.now ?? Date.now();
  const removed: string[] = [];

  async function visit(dir: string): Promise<void> {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      const owner = tempNameOwner(entry.name);
      if (owner === undefined) {
        // Links are not followed: the sweep stays inside the data directory.
        if (entry.isDirectory() && opts.recursive !== false) await visit(path);
        continue;
      }
      if (owner === process.pid) continue;
      let leftover = !isAlive(owner);
      if (!leftover && entry.isFile()) {
        const stat = await lstat(path).catch(() => undefined);
        leftover = stat !== undefined && now - stat.mtimeMs > staleMs;
      }
      if (!leftover) continue;
      try {
        await rm(path, { recursive: true, force: true });
        removed.push(path);
      } catch {
        // Gone already, or not ours to remove after all: the next start looks again.
      }
    }
  }

  for (const root of roots) await visit(root);
  return removed;
}
