import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openCore } from '../../main/core/open-core.js';
import { readSettings, updateSettings } from '../../main/host/settings.js';
import { openLibraryStore } from '../../main/store/library-store.js';
import { storeLocation } from '../../main/store/store-location.js';
import { tempDir, writePhoto, type Colour } from '../library/photo-fixtures.js';
import { lookbook } from './cli-process.js';
import { startS3Server } from './s3-server.js';

// The writer of a library in a bucket killed with SIGKILL mid-index (no clean-up, its lease left
// behind): the library stays readable from another computer, and the writer's next run takes the
// library back at once (its own dead process, on this computer) and finishes with no duplicate.

// Enough photos that the run is surely mid-way at the kill: rows are written in groups (up to 2 s apart).
const COUNT = 120;
const COLOURS: Colour[] = ['red', 'green', 'blue', 'yellow'];
const STORE = 's3://photos/shop';

test('a writer killed mid-index leaves the shared library readable, and a re-run completes it', async () => {
  const s3 = await startS3Server(['photos']);
  const dir = await tempDir('s3-kill');
  Object.assign(process.env, s3.env);
  try {
    const root = join(dir.path, 'photos');
    for (let i = 0; i < COUNT; i++)
      await writePhoto({
        path: join(root, `p${String(i).padStart(2, '0')}.jpg`),
        colour: COLOURS[i % 4]!,
        seed: i,
      });
    const writerDir = join(dir.path, 'writer');
    updateSettings(writerDir, (s) => {
      s.folders = [{ path: root, excluded: [], patterns: [] }];
    });
    // The first run is slowed to one photo at a time so that it is surely mid-way when killed.
    const first = lookbook(writerDir, ['--store', STORE, 'index', '--threads', '1'], s3.env);
    const readerDir = join(dir.path, 'reader');
    const store = await (async () => {
      for (let attempt = 0; ; attempt++) {
        try {
          return await openLibraryStore(readerDir, storeLocation(readerDir, STORE));
        } catch (e) {
          if (attempt > 100) throw e;
          await new Promise((r) => setTimeout(r, 300));
        }
      }
    })();
    // Rows are stored relative to the folder's root (see [Note: roots]): this bare store reads them with
    // the writer's mapping (the writer gives its folder a root when it opens).
    const writerRoots = () =>
      new Map((readSettings(writerDir).folders ?? []).flatMap((f) => (f.root ? [[f.root, f.path]] : [])));
    store.useRootPaths(writerRoots);
    const deadline = Date.now() + 120_000;
    // Killed at its first write: the next one gathers seconds of work (up to 2 s apart on object storage).
    while ((await store.allFiles()).filter((f) => f.status === 'indexed').length < 1) {
      assert.ok(Date.now() < deadline, `the first run did not get going: ${first.output()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    first.kill('SIGKILL');
    const killed = await first.done;
    assert.equal(killed.signal, 'SIGKILL', `the first run ended before it was killed: ${killed.output}`);
    const atKill = (await store.allFiles()).filter((f) => f.status === 'indexed').length;
    assert.ok(atKill < COUNT, `killed mid-way (${atKill} of ${COUNT} done)`);

    // Readable from the other computer: what was committed is found by search.
    const reader = await openCore({ dataDir: readerDir, store: STORE, model: 'demo' });
    try {
      // The other computer says where the writer's folder is there (here: the same place).
      await reader.library.mapRoot([...writerRoots().keys()][0]!, root);
      const done = (await store.allFiles()).find((f) => f.status === 'indexed')!;
      const colour = COLOURS[Number(/p(\d+)\.jpg$/.exec(done.path)![1]) % 4]!;
      const found = await reader.search.search(colour);
      assert.ok(
        found.items.some((p) => p.path === done.path),
        `${done.path} found by "${colour}"`,
      );
      const status = await reader.status();
      assert.ok(
        status.photoCount >= atKill && status.photoCount > 0,
        `photos readable after the kill: ${status.photoCount} (${atKill} written)`,
      );
    } finally {
      await reader.close();
    }

    // The writer again: the lease its killed process left is recognised as dead, and the run finishes.
    const second = await lookbook(writerDir, ['--store', STORE, 'index'], s3.env).done;
    assert.equal(second.code, 0, second.output);
    const files = await store.allFiles();
    assert.equal(files.length, COUNT, 'every photo has exactly one row');
    assert.equal(new Set(files.map((f) => f.path)).size, COUNT);
    assert.ok(files.every((f) => f.status === 'indexed' && f.contentId));
    assert.equal(await store.countContents(), COUNT);
    assert.equal(await store.countVectors('demo'), COUNT);
    store.close();
  } finally {
    await s3.stop();
    await dir.cleanup();
  }
});
