import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as lancedb from '@lancedb/lancedb';
import { openCore } from '../../main/core/open-core.js';
import { createMediaPort } from '../../main/library/media-port.js';
import { contentIdOfBytes } from '../../main/media/content-id.js';
import { storeLocation } from '../../main/store/library-store.js';
import { tempDir, writePhoto } from '../library/photo-fixtures.js';

// Content ids moved from SHA-256 to BLAKE3. A library written before keeps its SHA-256 ids (they key every
// table and the thumbnails' names): opening it must re-encode nothing, and a new copy of one of its photos
// must still be recognized as that photo. A new library gets BLAKE3 ids.

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

test('a library written with SHA-256 ids keeps every photo, and still recognizes copies', async () => {
  const dir = await tempDir('hash-migration');
  try {
    const root = join(dir.path, 'photos');
    const dataDir = join(dir.path, 'data');
    const red = await writePhoto({ path: join(root, 'red.jpg'), colour: 'red', seed: 1 });
    const blue = await writePhoto({ path: join(root, 'blue.jpg'), colour: 'blue', seed: 2 });

    // What the previous version wrote: SHA-256 ids (its hashing, whatever the store asks for), and no
    // record of the hash (the library_facts table did not exist).
    const media = createMediaPort();
    const old = await openCore({
      dataDir,
      model: 'demo',
      library: { media: { ...media, hashFile: (path) => media.hashFile(path, 'sha256') } },
    });
    await old.library.addFolder(root);
    assert.equal((await old.library.index()).encoded, 2);
    await old.close();
    const db = await lancedb.connect(storeLocation(dataDir).uri);
    await db.dropTable('library_facts');
    db.close();

    const core = await openCore({ dataDir, model: 'demo' });
    try {
      assert.equal(core.library.store.contentHash, 'sha256', 'an existing library keeps its hash');
      const redId = sha256(await readFile(red));
      assert.equal((await core.library.getPhoto(red))?.contentId, redId);
      assert.ok(core.library.thumbnailPath(redId), 'its thumbnail is still found under its id');
      // Unchanged files are not even re-hashed; nothing is encoded again.
      const reopened = await core.library.index();
      assert.equal(reopened.encoded, 0);
      assert.equal(reopened.hashed, 0);

      // A new copy of an old photo is that photo; a new photo gets an id of the same hash.
      await copyFile(red, join(root, 'red copy.jpg'));
      const green = await writePhoto({ path: join(root, 'green.jpg'), colour: 'green', seed: 3 });
      const after = await core.library.index();
      assert.equal(after.encoded, 1, 'only the new photo is encoded');
      assert.equal((await core.library.getPhoto(join(root, 'red copy.jpg')))?.contentId, redId);
      assert.equal((await core.library.getPhoto(green))?.contentId, sha256(await readFile(green)));
      assert.equal((await core.library.getPhoto(blue))?.paths.length, 1);
    } finally {
      await core.close();
    }
  } finally {
    await dir.cleanup();
  }
});

test('a new library uses BLAKE3 ids, recorded so every later open agrees', async () => {
  const dir = await tempDir('hash-new');
  try {
    const root = join(dir.path, 'photos');
    const dataDir = join(dir.path, 'data');
    const red = await writePhoto({ path: join(root, 'red.jpg'), colour: 'red', seed: 1 });
    for (let open = 0; open < 2; open++) {
      const core = await openCore({ dataDir, model: 'demo' });
      try {
        assert.equal(core.library.store.contentHash, 'blake3');
        if (open === 0) await core.library.addFolder(root);
        await core.library.index();
        const id = (await core.library.getPhoto(red))?.contentId;
        assert.equal(id, contentIdOfBytes(await readFile(red), 'blake3'));
        assert.notEqual(id, sha256(await readFile(red)));
      } finally {
        await core.close();
      }
    }
  } finally {
    await dir.cleanup();
  }
});
