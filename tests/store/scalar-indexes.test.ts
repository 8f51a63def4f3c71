import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../main/store/database.js';
import { storeLocation } from '../../main/store/store-location.js';
import { openLibraryStore, vectorTableName, type FileRow } from '../../main/store/library-store.js';

// optimize() adds BTREE indexes on the columns lookups filter on; lookups must return the same rows with
// them, including rows written after the index was built. indexedPaths() follows every write, also one
// made through another handle (another process).

function file(i: number, patch: Partial<FileRow> = {}): FileRow {
  return {
    path: `/lib/p${i}.jpg`,
    folder: '/lib',
    contentId: `c${i % 50}`,
    size: 10,
    mtimeMs: 1,
    status: 'indexed',
    code: null,
    reason: null,
    updatedAt: 1,
    ...patch,
  };
}

test('scalar indexes: built by optimize, lookups unchanged before and after later writes', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lookbook-scalar-'));
  const store = await openLibraryStore(dir);
  const other = await openLibraryStore(dir);
  // The indexes are looked at through a connection of the test's own: the store does not expose its own.
  const db = await openDatabase(storeLocation(dir));
  try {
    await store.upsertFiles(Array.from({ length: 100 }, (_, i) => file(i)));
    await store.upsertVectors('m', 4, [{ contentId: 'c1', vector: new Float32Array([1, 0, 0, 0]) }]);
    const before = (await store.filesForContents(['c7'])).map((f) => f.path).sort();
    await store.optimize({ annThreshold: 1_000_000 });
    const columns = async (name: string) =>
      (await (await db.openTable(name)).listIndices()).flatMap((i) => i.columns).sort();
    assert.deepEqual(await columns('files'), ['contentId', 'path']);
    assert.deepEqual(await columns(vectorTableName('m')), ['contentId']);
    assert.deepEqual((await store.filesForContents(['c7'])).map((f) => f.path).sort(), before);
    assert.equal((await store.getFile('/lib/p42.jpg'))?.contentId, 'c42');

    await store.upsertFiles([file(1000, { contentId: 'c7' })]);
    assert.equal((await store.filesForContents(['c7'])).length, before.length + 1, 'unindexed rows found');
    assert.deepEqual((await store.indexedPaths()).get('c7'), [...before, '/lib/p1000.jpg'].sort());

    await other.upsertFiles([file(1000, { contentId: 'c7', status: 'failed' })]);
    await other.deleteFiles(['/lib/p7.jpg']);
    assert.deepEqual(
      (await store.indexedPaths()).get('c7'),
      before.filter((p) => p !== '/lib/p7.jpg'),
      "another handle's writes are seen",
    );
    await store.optimize({ annThreshold: 1_000_000 });
    assert.equal((await columns('files')).length, 2, 'a second optimize adds no duplicate index');
  } finally {
    db.close();
    other.close();
    store.close();
    await rm(dir, { recursive: true, force: true });
  }
});
