import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openCore } from '../../main/core/open-core.js';
import { tempDir, writePhoto } from './photo-fixtures.js';

// The indexer appends the rows it knows are new instead of merging them against the whole table. What it
// knows must hold after a run killed between its writes (a vector written, its content row not): the next
// run writes the missing row and no second vector, and copies and watched batches duplicate no path.

test('a photo whose vector outlived its content row gets the row back and keeps one vector', async () => {
  const dir = await tempDir('appends');
  const root = join(dir.path, 'photos');
  const dataDir = join(dir.path, 'data');
  await writePhoto({ path: join(root, 'red.jpg'), colour: 'red', seed: 1 });
  await writePhoto({ path: join(root, 'blue.jpg'), colour: 'blue', seed: 2 });
  await writePhoto({ path: join(root, 'copy', 'red.jpg'), colour: 'red', seed: 1 });
  const core = await openCore({ dataDir, model: 'demo' });
  try {
    const { library } = core;
    await library.addFolder(root);
    await library.index();
    const store = library.store;
    assert.equal(await store.countVectors('demo'), 2, 'two photos (one has a copy)');
    assert.equal((await store.allFiles()).length, 3);

    // As a run killed after its vectors and before its contents would leave it.
    const red = (await library.getPhoto(join(root, 'red.jpg')))!.contentId;
    await store.deleteContents([red]);
    const stats = await library.index();
    assert.equal(stats.encoded, 1, 'the photo without its content row is read again');
    assert.equal(await store.countContents(), 2);
    assert.equal(await store.countVectors('demo'), 2, 'its vector is not written a second time');
    assert.equal((await store.getVectors('demo', [red])).size, 1);

    // Nothing changed: nothing is written, and every path still has one row.
    assert.equal((await library.index()).encoded, 0);
    const files = await store.allFiles();
    assert.equal(files.length, 3);
    assert.equal(new Set(files.map((f) => f.path)).size, 3);
    assert.equal((await core.status()).photoCount, 2);
  } finally {
    await core.close();
    await dir.cleanup();
  }
});
