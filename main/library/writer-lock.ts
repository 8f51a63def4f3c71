// One writer per library, also when its tables are shared by several computers. The data directory's
// lock file (index-lock.ts) keeps two processes on one data directory apart; once the tables live in a
// shared folder or a bucket, two computers have two data directories, so the writer must also hold the
// store's lease (see [Note: the writer lease] in main/store/writer-lease-table.ts), which it renews
// with a heartbeat while it indexes or watches. A second writer is refused with who holds the library;
// readers (search, tags, albums, browsing) need neither.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { UserError } from '../errors.js';
import {
  FREE_LEASE,
  type LeaseRow,
  type LibraryStore,
  type WriterLeaseTable,
} from '../store/library-store.js';
import { isProcessAlive } from '../temp-files.js';
import { busyError, createIndexLock, currentCommand, type LockHolder } from './index-lock.js';

export interface WriterLock {
  /** Takes the library for writing (a no-op when held); a UserError 'library-busy' names the holder. */
  acquire(options?: { watching?: boolean }): Promise<void>;
  /** Gives it back (a no-op when not held). */
  release(): Promise<void>;
  readonly held: boolean;
  /** Another live process holding the library (on this computer or, for a shared store, another). */
  holder(): Promise<LockHolder | undefined>;
}

export interface WriterLockOptions {
  dataDir: string;
  store: LibraryStore;
  /** How often the holder renews the store's lease (default 10 s). */
  heartbeatMs?: number;
  /** A lease not renewed for this long is free (default 60 s): its computer died or lost the network. */
  leaseTtlMs?: number;
  /** Another process took the lease over (this one was cut off longer than the lease lasts). */
  onLost?(message: string): void;
}

export function createWriterLock(options: WriterLockOptions): WriterLock {
  const file = createIndexLock(options.dataDir);
  if (!options.store.location.shared) {
    return {
      acquire: async (o) => file.acquire(o),
      release: async () => file.release(),
      get held() {
        return file.held;
      },
      holder: async () => file.holder(),
    };
  }

  const heartbeatMs = options.heartbeatMs ?? 10_000;
  const ttlMs = options.leaseTtlMs ?? 60_000;
  // This process's lease, while it holds one (a new id each time: a lease taken over and retaken is
  // not mistaken for the old one).
  let mine: LeaseRow | undefined;
  let beat: NodeJS.Timeout | undefined;
  let beating: Promise<void> = Promise.resolve();
  const seconds = Math.round(ttlMs / 1000);

  const isLive = (row: LeaseRow) =>
    row.holderId !== '' &&
    Date.now() - row.heartbeat < ttlMs &&
    // A holder on this computer that has exited (killed, crashed) is gone now, not in a minute.
    (row.host !== hostname() || isProcessAlive(row.pid));
  const asHolder = (row: LeaseRow): LockHolder => ({
    pid: row.pid,
    host: row.host,
    since: row.since,
    command: row.command,
    watching: row.watching,
    viaStore: true,
  });
  const busy = (row: LeaseRow) =>
    busyError(asHolder(row), `the library is free again ${seconds} seconds after it last wrote`);

  function startHeartbeat(lease: WriterLeaseTable): void {
    let beats = 0;
    beat = setInterval(() => {
      beating = (async () => {
        const current = mine;
        if (!current) return;
        const next = { ...current, heartbeat: Date.now() };
        if (await lease.swap(current.holderId, next)) {
          if (mine?.holderId === next.holderId) mine = next;
          // Every renewal is a version of the lease table; keep its history short.
          if (++beats % 30 === 0) await lease.tidy();
          return;
        }
        // Someone took the lease over after it expired (this process was cut off, or suspended):
        // it is theirs now; this process stops counting itself the writer.
        stopHeartbeat();
        mine = undefined;
        file.release();
        options.onLost?.(
          'another computer took this library over while this one could not reach it; indexing stops here',
        );
      })().catch(() => undefined); // A failed renewal is retried at the next beat; the TTL allows several.
    }, heartbeatMs);
    beat.unref();
  }
  function stopHeartbeat(): void {
    if (beat) clearInterval(beat);
    beat = undefined;
  }

  return {
    get held() {
      return mine !== undefined;
    },
    async holder() {
      const local = file.holder();
      if (local) return local;
      const row = await (await options.store.openWriterLease()).read();
      return isLive(row) && row.holderId !== mine?.holderId ? asHolder(row) : undefined;
    },
    async acquire(o = {}) {
      if (mine) return;
      file.acquire(o);
      try {
        const lease = await options.store.openWriterLease();
        const me: LeaseRow = {
          holderId: randomUUID(),
          pid: process.pid,
          host: hostname(),
          command: currentCommand(),
          since: new Date().toISOString(),
          watching: o.watching === true,
          heartbeat: Date.now(),
        };
        // Two tries: a swap lost to a process that released (or took and released) in between.
        for (let attempt = 0; attempt < 2; attempt++) {
          const seen = await lease.read();
          if (isLive(seen)) throw busy(seen);
          if (await lease.swap(seen.holderId, { ...me, heartbeat: Date.now() })) {
            mine = me;
            startHeartbeat(lease);
            return;
          }
        }
        const now = await lease.read();
        if (isLive(now)) throw busy(now);
        throw new UserError('could not take the library for writing; try again', 'library-busy');
      } catch (e) {
        file.release();
        throw e;
      }
    },
    async release() {
      const current = mine;
      if (!current) return;
      stopHeartbeat();
      await beating;
      mine = undefined;
      try {
        await (await options.store.openWriterLease()).swap(current.holderId, FREE_LEASE);
      } finally {
        file.release();
      }
    },
  };
}
