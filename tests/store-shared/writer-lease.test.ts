import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { isUserError } from '../../main/errors.js';
import { createWriterLock } from '../../main/library/writer-lock.js';
import { openLibraryStore, type LibraryStore } from '../../main/store/library-store.js';
import { storeLocation } from '../../main/store/store-location.js';
import { tempDir } from '../library/photo-fixtures.js';

// The store's writer lease between computers, on a shared folder (the same code as on a bucket): a
// holder on another computer is named and refused while its heartbeat is fresh, and its lease is free
// once the heartbeat is older than the time to live (that computer died or lost the network).

async function openShared(base: string, name: string): Promise<LibraryStore> {
  const dataDir = join(base, name);
  mkdirSync(dataDir, { recursive: true });
  return openLibraryStore(dataDir, storeLocation(dataDir, join(base, 'shared-tables')));
}

test('a lease held on another computer is refused while alive and taken once it expires', async () => {
  const dir = await tempDir('writer-lease');
  const store = await openShared(dir.path, 'here');
  try {
    const lease = await store.openWriterLease();
    const other = {
      holderId: 'other-holder',
      pid: 4242,
      host: 'studio-mac',
      command: 'lookbook index --watch',
      since: new Date().toISOString(),
      watching: true,
      heartbeat: Date.now(),
    };
    assert.ok(await lease.swap('', other), 'the other computer takes the free lease');

    const lock = createWriterLock({
      dataDir: join(dir.path, 'here'),
      store,
      leaseTtlMs: 1500,
      heartbeatMs: 500,
    });
    await assert.rejects(
      lock.acquire(),
      (e) =>
        isUserError(e) &&
        e.code === 'library-busy' &&
        /`lookbook index --watch` \(pid 4242 on studio-mac/.test(e.message) &&
        /free again 2 seconds after it last wrote/.test(e.message),
    );
    assert.equal((await lock.holder())?.host, 'studio-mac');

    // No heartbeat from studio-mac for longer than the lease lasts: this computer takes it over.
    await new Promise((r) => setTimeout(r, 1700));
    await lock.acquire();
    assert.equal(lock.held, true);
    const mine = await lease.read();
    assert.equal(mine.pid, process.pid);
    // While held, the heartbeat renews it: it does not expire under its holder.
    await new Promise((r) => setTimeout(r, 2000));
    assert.ok(Date.now() - (await lease.read()).heartbeat < 1500, 'renewed');
    // And the old holder, back online, cannot write over it: its swap expects its own id.
    assert.equal(await lease.swap('other-holder', { ...other, heartbeat: Date.now() }), false);

    await lock.release();
    assert.equal((await lease.read()).holderId, '', 'free after release');
  } finally {
    store.close();
    await dir.cleanup();
  }
});

test('two processes taking a free lease at once: exactly one gets it', async () => {
  const dir = await tempDir('writer-lease-race');
  const a = await openShared(dir.path, 'a');
  const b = await openShared(dir.path, 'b');
  try {
    const [la, lb] = await Promise.all([a.openWriterLease(), b.openWriterLease()]);
    const row = (id: string) => ({
      holderId: id,
      pid: 1,
      host: id,
      command: '',
      since: '',
      watching: false,
      heartbeat: Date.now(),
    });
    const results = await Promise.all([la.swap('', row('a')), lb.swap('', row('b'))]);
    assert.equal(results.filter(Boolean).length, 1, `one winner: ${results}`);
    const winner = results[0] ? 'a' : 'b';
    assert.equal((await la.read()).holderId, winner);
  } finally {
    a.close();
    b.close();
    await dir.cleanup();
  }
});
