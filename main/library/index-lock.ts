// One indexer per data directory, across processes. Two processes indexing the same library at once
// (two `lookbook index`, or the CLI while the app watches) race on the LanceDB tables: one fails with a
// commit conflict and both insert the same files and vectors, leaving duplicates that a later index does
// not repair. A lock file in the data directory makes the second one stop with a clear message instead.
//
// The lock file says who holds it: pid, host, since when, the command line, and whether the holder
// watches the folders (`lookbook serve`, the app, `index --watch`: it keeps the library for as long as it
// runs) or only runs one index (it will finish by itself). Messages name that process and never suggest
// deleting the lock of a live one; a lock left by a process that has exited is taken over without asking.
// Its temporary files follow [Note: temporary files], so the sweep at the next start removes any that a
// killed process left.
import { hostname } from 'node:os';
import { basename, join } from 'node:path';
import { linkSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { UserError } from '../errors.js';
import { isProcessAlive, tempPathFor } from '../temp-files.js';

export const INDEX_LOCK_FILE = 'indexing.lock';

/** Who holds the lock, as its file says. */
export interface LockHolder {
  pid: number;
  host: string;
  /** ISO date the lock was taken. */
  since: string;
  /** The holder's command line, as a person would type it (`lookbook serve --port 0`); '' if unknown. */
  command: string;
  /** True while the holder watches the folders: it keeps the library until it is stopped. */
  watching: boolean;
  /**
   * Held through the shared store's lease (writer-lock.ts), not this data directory's lock file: the
   * holder is another data directory, usually another computer, and this process may still read.
   */
  viaStore?: boolean;
}

export interface IndexLock {
  /**
   * Takes the lock (a no-op when this process holds it); throws a UserError ('library-busy') when another
   * live process does. `watching`: this process will keep it while it watches the folders.
   */
  acquire(options?: { watching?: boolean }): void;
  /** Gives the lock back (a no-op when this process does not hold it). */
  release(): void;
  readonly held: boolean;
  /** Another process holding the lock (one on this host that has exited does not count), if any. */
  holder(): LockHolder | undefined;
}

function readLock(path: string): LockHolder | undefined {
  try {
    const v = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockHolder>;
    if (typeof v.pid === 'number' && typeof v.host === 'string') {
      return {
        pid: v.pid,
        host: v.host,
        since: String(v.since ?? ''),
        // Locks written before the command was recorded have none.
        command: typeof v.command === 'string' ? v.command : '',
        watching: v.watching === true,
      };
    }
  } catch {
    // Missing or not ours: treated as no lock. (Never half-written: see tryCreate.)
  }
  return undefined;
}

/**
 * This process's command line as a person would type it: `lookbook index`, not
 * `/usr/bin/node /…/main/cli/cli.ts --data-dir /… index` (the data directory is the library in question,
 * so it is left out).
 */
export function currentCommand(argv: readonly string[] = process.argv): string {
  const script = basename(argv[1] ?? '');
  const args: string[] = [];
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--data-dir') i++;
    else if (!a.startsWith('--data-dir=') && a !== '--verbose') args.push(a);
  }
  const isCli = /^(cli\.[cm]?[jt]s|lookbook(\.[cm]?js)?)$/.test(script);
  const program = isCli ? 'lookbook' : [basename(argv[0] ?? 'node'), script].filter(Boolean).join(' ');
  return [program, ...args].join(' ');
}

/** "`lookbook serve` (pid 1234, since 3/12/2026, 14:03:12)", for messages. */
export function describeHolder(h: LockHolder): string {
  const since = Number.isNaN(Date.parse(h.since)) ? h.since : new Date(h.since).toLocaleString();
  const where = h.host === hostname() ? '' : ` on ${h.host}`;
  const who = h.command ? `\`${h.command}\`` : 'another Lookbook process';
  return `${who} (pid ${h.pid}${where}${since ? `, since ${since}` : ''})`;
}

/**
 * The message for a library another process holds. `takeOver`: what the person may do when the holder
 * runs on another computer, which cannot be checked from here (a lock file to delete, or a wait).
 */
export function busyError(h: LockHolder, takeOver: string): UserError {
  const who = describeHolder(h);
  let message = h.watching
    ? `this library is open in ${who}, which watches its folders and indexes changes itself; ` +
      'use it (its page or window), or stop it (Ctrl+C where it runs) and try again'
    : `${who} is indexing this library; wait for it to finish and try again`;
  // Only a process on another machine (a library on a network drive) cannot be checked: there, and only
  // there, the person may have to remove a lock that machine left behind.
  if (h.host !== hostname()) message += ` (if Lookbook no longer runs on ${h.host}, ${takeOver})`;
  return new UserError(message, 'library-busy');
}

export function createIndexLock(dataDir: string): IndexLock {
  const path = join(dataDir, INDEX_LOCK_FILE);
  let held = false;
  const mine = (h: LockHolder | undefined) => h?.pid === process.pid && h.host === hostname();
  const stale = (h: LockHolder | undefined) =>
    !h || (h.host === hostname() && !mine(h) && !isProcessAlive(h.pid));

  /**
   * Creates the lock file with its whole content, or returns false when it exists. The content is
   * written to a temporary file first and hard-linked to the lock's name (which fails if the name
   * exists): another process never sees an empty or half-written lock, which it would take for a stale
   * one. Where the file system has no hard links, an exclusive create is the fallback.
   */
  function tryCreate(watching: boolean): boolean {
    const me: LockHolder = {
      pid: process.pid,
      host: hostname(),
      since: new Date().toISOString(),
      command: currentCommand(),
      watching,
    };
    const text = JSON.stringify(me);
    const tmp = tempPathFor(path);
    try {
      writeFileSync(tmp, text);
      linkSync(tmp, path);
      return true;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') return false;
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS') throw e;
      try {
        writeFileSync(path, text, { flag: 'wx' });
        return true;
      } catch (e2) {
        if ((e2 as NodeJS.ErrnoException).code === 'EEXIST') return false;
        throw e2;
      }
    } finally {
      rmSync(tmp, { force: true });
    }
  }

  /**
   * Removes the stale lock `seen`, and only it. Two processes may find the same stale lock: if both
   * deleted the file, the slower one could delete the lock the faster one has just created. So the
   * file is first moved aside (atomic), then checked: if it is not the stale one any more, it is put
   * back (a link, which fails if yet another lock appeared meanwhile).
   */
  function removeStale(seen: LockHolder | undefined): void {
    const aside = tempPathFor(path);
    try {
      renameSync(path, aside);
    } catch {
      return; // Already gone: someone else took it over or gave it back.
    }
    const moved = readLock(aside);
    const same = !moved || (seen && moved.pid === seen.pid && moved.since === seen.since);
    if (!same && !stale(moved)) {
      try {
        linkSync(aside, path);
      } catch {
        // Another lock was created in the meantime; the one moved aside loses. Vanishingly rare (three
        // processes starting at the moment a fourth died), and its holder notices at release.
      }
    }
    rmSync(aside, { force: true });
  }

  return {
    get held() {
      return held;
    },
    holder() {
      const h = readLock(path);
      return h && !mine(h) && !stale(h) ? h : undefined;
    },
    acquire(options = {}) {
      if (held) return;
      for (let attempt = 0; attempt < 3; attempt++) {
        if (tryCreate(options.watching === true)) {
          held = true;
          return;
        }
        const other = readLock(path);
        // Written by this process through another Library instance on the same data dir (tests do it):
        // rewritten as this instance's.
        if (mine(other)) {
          rmSync(path, { force: true });
          continue;
        }
        // A process on this host that has exited (killed, crashed) left it: taken over here.
        if (!stale(other)) throw busyError(other!, `delete ${path} to take the library over`);
        removeStale(other);
      }
      throw new UserError(`could not take the indexing lock ${path}; try again`, 'library-busy');
    },
    release() {
      if (!held) return;
      held = false;
      if (mine(readLock(path))) rmSync(path, { force: true });
    },
  };
}
