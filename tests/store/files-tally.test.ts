import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLibraryStore, type FileRow, type LibraryStore } from '../../main/store/library-store.js';

// Status (asked every second while indexing) reads the file counts, the problem files and the indexed
// paths from memory, kept in step with this process's writes: they must always say what the table holds,
// also after another process (a second store on the same folder) wrote. And appends, which trust the
// caller, leave one row per key once repaired (two machines indexing one shared store).

function file(path: string, patch: Partial<FileRow> = {}): FileRow {
  return {
    path,
    folder: '/lib',
    contentId: `c-${path}`,
    size: 10,
    mtimeMs: 1,
    status: 'indexed',
    code: null,
    reason: null,
    updatedAt: 1,
    ...patch,
  };
}

const failed = (path: string): FileRow =>
  file(path, { contentId: null, status: 'failed', code: 'corrupt', reason: `${path}: damaged` });

/** What status shows, as one value to compare. */
async function shown(store: LibraryStore) {
  const paths = await store.indexedPaths();
  return {
    counts: await store.countFilesByStatus(),
    problems: (await store.problemFiles(100)).map((f) => `${f.path} ${f.code}`),
    photos: [...paths.entries()].map(([id, p]) => `${id}: ${p.join(', ')}`).sort(),
  };
}

test('status counts, problem files and photos follow every write, this process’s and another’s', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lookbook-tally-'));
  const store = await openLibraryStore(dir);
  const other = await openLibraryStore(dir);
  /** The same figures read fresh from the table by a store that holds no tally yet. */
  const fresh = async () => {
    const s = await openLibraryStore(dir);
    try {
      return await shown(s);
    } finally {
      s.close();
    }
  };
  try {
    assert.equal((await store.countFilesByStatus()).indexed, 0);
    await store.appendFiles([
      file('/lib/a.jpg'),
      file('/lib/b.jpg', { contentId: 'c-/lib/a.jpg' }),
      failed('/lib/bad.jpg'),
      file('/lib/notes.txt', { contentId: null, status: 'skipped' }),
    ]);
    const first = await shown(store);
    assert.deepEqual(first.counts, { indexed: 2, pending: 0, failed: 1, unsupported: 0, skipped: 1 });
    assert.deepEqual(first.problems, ['/lib/bad.jpg corrupt']);
    assert.deepEqual(first.photos, ['c-/lib/a.jpg: /lib/a.jpg, /lib/b.jpg'], 'two copies, one photo');
    assert.deepEqual(first, await fresh());

    const map = await store.indexedPaths();
    assert.equal(await store.indexedPaths(), map, 'the same map while nothing changes');

    // The damaged photo was fixed, a copy became damaged, one file left.
    await store.upsertFiles([file('/lib/bad.jpg'), failed('/lib/b.jpg')]);
    await store.deleteFiles(['/lib/notes.txt']);
    const second = await shown(store);
    assert.notEqual(await store.indexedPaths(), map, 'a new map once the photos changed');
    assert.deepEqual(second.counts, { indexed: 2, pending: 0, failed: 1, unsupported: 0, skipped: 0 });
    assert.deepEqual(second.problems, ['/lib/b.jpg corrupt']);
    assert.deepEqual(second.photos, ['c-/lib/a.jpg: /lib/a.jpg', 'c-/lib/bad.jpg: /lib/bad.jpg']);
    assert.deepEqual(second, await fresh());

    // Another process indexes a photo and removes one: seen at the next read.
    await other.upsertFiles([file('/lib/c.jpg')]);
    await other.deleteFiles(['/lib/a.jpg']);
    const third = await shown(store);
    assert.equal(third.counts.indexed, 2);
    assert.deepEqual(third.photos, ['c-/lib/bad.jpg: /lib/bad.jpg', 'c-/lib/c.jpg: /lib/c.jpg']);
    assert.deepEqual(third, await fresh());

    // And this process's writes are followed again after that.
    await store.deleteFilesUnder('/lib');
    await store.appendFiles([failed('/lib/d.jpg')]);
    assert.deepEqual(await shown(store), await fresh());
    assert.deepEqual((await shown(store)).problems, ['/lib/d.jpg corrupt']);
  } finally {
    store.close();
    other.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('a key appended twice (two machines, one shared store) is left with one row', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lookbook-dupes-'));
  const a = await openLibraryStore(dir);
  const b = await openLibraryStore(dir);
  try {
    const vector = new Float32Array([1, 0, 0, 0]);
    const content = {
      contentId: 'c1',
      width: 16,
      height: 12,
      takenAt: 1,
      takenAtSource: 'file' as const,
      cameraMake: null,
      cameraModel: null,
      latitude: null,
      longitude: null,
      format: 'jpeg',
      size: 10,
      thumbnail: true,
      addedAt: 1,
    };
    for (const s of [a, b]) {
      await s.appendVectors('demo', 4, [{ contentId: 'c1', vector }]);
      await s.appendContents([content]);
      await s.appendFiles([file('/lib/x.jpg', { contentId: 'c1', updatedAt: s === a ? 1 : 2 })]);
    }
    assert.equal((await a.allFiles()).length, 2, 'the appends trusted their callers');
    assert.equal(await a.removeDuplicateFiles(), 1);
    const contents = await a.removeDuplicateContents();
    assert.equal(contents.repaired, 1);
    assert.deepEqual([...contents.contentIds], ['c1'], 'every content id, once');
    const vectors = await a.removeDuplicateVectors('demo');
    assert.equal(vectors.repaired, 1);
    assert.deepEqual([...vectors.contentIds], ['c1']);
    const files = await a.allFiles();
    assert.equal(files.length, 1);
    assert.equal(files[0]!.contentId, 'c1');
    assert.equal(await a.countContents(), 1);
    assert.equal(await a.countVectors('demo'), 1);
    assert.deepEqual([...(await a.getVectors('demo', ['c1'])).get('c1')!], [1, 0, 0, 0]);
    assert.equal((await a.countFilesByStatus()).indexed, 1);
    assert.equal(await a.removeDuplicateFiles(), 0, 'nothing left to repair');
  } finally {
    a.close();
    b.close();
    await rm(dir, { recursive: true, force: true });
  }
});
