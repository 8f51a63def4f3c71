// One indexer per data directory, across processes. Two processes indexing the same library at once
// (two `lookbook index`, or the CLI while the app watches) race on the LanceDB tables: one fails with a
// commit conflict and both insert the same files and vectors, leaving duplicates that a later index does
// not repair. A lock file in the data directory makes the second one stop with a clear message instead.
import { hostname } from 'node:os';
import { join } from 'node:path';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { UserError } from '../errors.js';

export const INDEX_LOCK_FILE = 'indexing.lock';

interface LockInfo {
  pid: number;
  host: string;
  since: string;
}

export interface IndexLock {
  /** Takes the lock (a no-op when this process holds it); throws a UserError when another one does. */
  acquire(): void;
  /** Gives the lock back (a no-op when this process does not hold it). */
  release(): void;
  readonly held: boolean;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLock(path: string): LockInfo | undefined {
  try {
    const v = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockInfo>;
    if (typeof v.pid === 'number' && typeof v.host === 'string') {
      return { pid: v.pid, host: v.host, since: String(v.since ?? '') };
    }
  } catch {
    // Missing, half-written or not ours: treated as no lock.
  }
  return undefined;
}

export function createIndexLock(dataDir: string): IndexLock {
  const path = join(dataDir, INDEX_LOCK_FILE);
  let held = false;
  const me = (): LockInfo => ({ pid: process.pid, host: hostname(), since: new Date().toISOString() });

  function tryCreate(): boolean {
    try {
      writeFileSync(path, JSON.stringify(me()), { flag: 'wx' });
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw e;
    }
  }

  return {
    get held() {
      return held;
    },
    acquire() {
      if (held) return;
      for (let attempt = 0; attempt < 2; attempt++) {
        if (tryCreate()) {
          held = true;
          return;
        }
        const other = readLock(path);
        // Another host's process cannot be checked; one on this host that has exited (killed, crashed)
        // left a stale lock, taken over here. Pid reuse could keep a stale lock alive; the message names
        // the file so that it can be deleted.
        const stale = !other || (other.host === hostname() && other.pid !== process.pid && !alive(other.pid));
        if (other?.host === hostname() && other.pid === process.pid) {
          // Written by this process through another Library instance on the same data dir.
        } else if (!stale) {
          throw new UserError(
            `another Lookbook process (pid ${other.pid}${other.host === hostname() ? '' : ` on ${other.host}`}, ` +
              `since ${other.since}) is indexing this library; wait for it to finish or stop it ` +
              `(if no such process is running, delete ${path})`,
            'library-busy',
          );
        }
        rmSync(path, { force: true });
      }
      throw new UserError(`could not take the indexing lock ${path}; try again`, 'library-busy');
    },
    release() {
      if (!held) return;
      held = false;
      const current = readLock(path);
      if (current && current.pid === process.pid && current.host === hostname())
        rmSync(path, { force: true });
    },
  };
}
