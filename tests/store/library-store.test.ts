import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLibraryStore, vectorTableName, type FileRow } from '../../main/store/library-store.js';

// The repository on a real LanceDB in a temp folder.

function file(path: string, patch: Partial<FileRow> = {}): FileRow {
  return {
    path,
    folder: '/lib',
    contentId: 'c1',
    size: 10,
    mtimeMs: 1,
    status: 'indexed',
    code: null,
    reason: null,
    updatedAt: 1,
    ...patch,
  };
}

function unit(dim: number, seed: number): Float32Array {
  const v = new Float32Array(dim).map((_, i) => Math.sin(seed * 7.1 + i * 1.3) + Math.cos(seed * i));
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

test('upserts never duplicate, quoting survives awkward paths, folder filters do not match siblings', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lookbook-store-'));
  const store = await openLibraryStore(dir);
  try {
    const awkward = '/lib/it\'s a "test" 100%_done; DROP.jpg';
    await store.upsertFiles([file('/lib/a.jpg'), file(awkward, { contentId: 'c2' })]);
    await store.upsertFiles([
      file('/lib/a.jpg', { size: 20 }),
      file('/lib/a.jpg', { size: 30 }),
      file('/lib2/b.jpg'),
    ]);
    const all = await store.allFiles();
    assert.equal(all.length, 3);
    assert.equal(all.find((f) => f.path === '/lib/a.jpg')?.size, 30, 'the last write wins');
    assert.equal((await store.getFile(awkward))?.contentId, 'c2');
    assert.deepEqual(
      (await store.filesUnder('/lib')).map((f) => f.path).sort(),
      ['/lib/a.jpg', awkward].sort(),
    );
    await store.deleteFiles([awkward]);
    assert.equal(await store.getFile(awkward), undefined);
    await store.deleteFilesUnder('/lib');
    assert.deepEqual(
      (await store.allFiles()).map((f) => f.path),
      ['/lib2/b.jpg'],
    );

    await store.upsertContents([
      {
        contentId: 'c1',
        width: 2,
        height: 3,
        takenAt: Date.UTC(2020, 0, 1),
        takenAtSource: 'exif',
        cameraMake: null,
        cameraModel: null,
        latitude: 1.5,
        longitude: null,
        format: 'jpeg',
        size: 10,
        thumbnail: true,
        addedAt: 1,
      },
      {
        contentId: 'c3',
        width: null,
        height: null,
        takenAt: null,
        takenAtSource: null,
        cameraMake: 'X',
        cameraModel: 'Y',
        latitude: null,
        longitude: null,
        format: 'png',
        size: 5,
        thumbnail: false,
        addedAt: 2,
      },
    ]);
    assert.deepEqual([...((await store.contentIdsMatching({ formats: ['PNG'] })) ?? [])], ['c3']);
    assert.deepEqual([...((await store.contentIdsMatching({ after: Date.UTC(2019, 0, 1) })) ?? [])], ['c1']);
    assert.equal(await store.contentIdsMatching({}), undefined);
    assert.deepEqual(await store.orphanContentIds(), ['c3']);
  } finally {
    store.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('vectors per model: nearest neighbours, filters, and an ANN index past the threshold', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lookbook-store-'));
  const store = await openLibraryStore(dir);
  try {
    const dim = 32;
    const rows = Array.from({ length: 300 }, (_, i) => ({ contentId: `k${i}`, vector: unit(dim, i) }));
    await store.upsertVectors('model/a:b', dim, rows.slice(0, 200));
    await store.upsertVectors('model/a:b', dim, rows.slice(100));
    assert.equal(await store.countVectors('model/a:b'), 300, 'no duplicates after overlapping upserts');
    assert.equal(await store.countVectors('other'), 0);
    assert.notEqual(vectorTableName('a/b'), vectorTableName('a_b'));

    const exact = await store.nearestVectors('model/a:b', rows[42]!.vector, { limit: 3 });
    assert.equal(exact[0]!.contentId, 'k42');
    assert.ok(Math.abs(exact[0]!.score - 1) < 1e-5);
    const filtered = await store.nearestVectors('model/a:b', rows[42]!.vector, {
      limit: 3,
      contentIds: new Set(['k1', 'k2']),
    });
    assert.deepEqual(filtered.map((h) => h.contentId).sort(), ['k1', 'k2']);
    const back = await store.getVectors('model/a:b', ['k7']);
    assert.deepEqual(Array.from(back.get('k7')!), Array.from(rows[7]!.vector));

    // Scores are cosine similarities whatever the lengths of the query and of a stored vector (the flat
    // search ranks by dot product over unit vectors).
    await store.upsertVectors('model/a:b', dim, [
      { contentId: 'long', vector: rows[5]!.vector.map((x) => 4 * x) },
    ]);
    const query = rows[9]!.vector.map((x, i) => 3 * x + 0.1 * rows[5]!.vector[i]!);
    const cosine = (a: Float32Array, b: Float32Array) =>
      a.reduce((s, x, i) => s + x * b[i]!, 0) / Math.hypot(...a) / Math.hypot(...b);
    const flat = await store.nearestVectors('model/a:b', query, { limit: 301 });
    assert.equal(flat.length, 301);
    for (const hit of flat) {
      const stored =
        hit.contentId === 'long' ? rows[5]!.vector : rows[Number(hit.contentId.slice(1))]!.vector;
      assert.ok(Math.abs(hit.score - cosine(query, stored)) < 1e-5, `${hit.contentId}: cosine score`);
    }
    assert.deepEqual(
      flat.map((h) => h.score),
      flat.map((h) => h.score).sort((a, b) => b - a),
      'best first',
    );
    await store.deleteVectorsEverywhere(['long']);

    assert.equal(await store.hasAnnIndex('model/a:b'), false);
    await store.optimize({ annThreshold: 1000 });
    assert.equal(await store.hasAnnIndex('model/a:b'), false, 'below the threshold: flat search');
    const { indexed } = await store.optimize({ annThreshold: 256 });
    assert.deepEqual(indexed, [vectorTableName('model/a:b')]);
    assert.equal(await store.hasAnnIndex('model/a:b'), true);
    const viaIndex = await store.nearestVectors('model/a:b', rows[42]!.vector, { limit: 1 });
    assert.equal(viaIndex[0]!.contentId, 'k42', 'the refined ANN search finds the exact match');
    const top = (await store.nearestVectors('model/a:b', query, { limit: 1 }))[0]!;
    assert.equal(top.contentId, flat[0]!.contentId, 'the index finds the best match of the flat search');
    assert.ok(Math.abs(top.score - flat[0]!.score) < 1e-5, 'with the same (exact, refined) score');

    await store.deleteVectorsEverywhere(['k42']);
    assert.equal(await store.countVectors('model/a:b'), 299);
  } finally {
    store.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('content ids by their first hex digits (short ids), at most the number asked for', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lookbook-store-'));
  const store = await openLibraryStore(dir);
  try {
    const row = (contentId: string) => ({
      contentId,
      width: 1,
      height: 1,
      takenAt: null,
      takenAtSource: null,
      cameraMake: null,
      cameraModel: null,
      latitude: null,
      longitude: null,
      format: 'jpeg',
      size: 1,
      thumbnail: false,
      addedAt: 1,
    });
    await store.upsertContents(['abcdef0011', 'abcdef0022', 'ffffabcdef'].map(row));
    assert.deepEqual(await store.contentIdsStartingWith('abcdef001', 2), ['abcdef0011']);
    assert.deepEqual((await store.contentIdsStartingWith('abcdef', 5)).sort(), ['abcdef0011', 'abcdef0022']);
    assert.equal((await store.contentIdsStartingWith('abcdef', 1)).length, 1);
    assert.deepEqual(await store.contentIdsStartingWith('bcdef', 5), [], 'a prefix, not a substring');
    await assert.rejects(store.contentIdsStartingWith("a' OR 1=1 --", 5), /not a hex prefix/);
  } finally {
    store.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('a reader on another connection never fails while the indexer creates a model’s vector table', async () => {
  // The API and the indexer's worker hold separate connections. A new table is listed as soon as its
  // folder exists, before its first version is committed; a search in that window used to fail with
  // "Table … was not found" (it failed CI once). Over 30 fresh tables the window is hit nearly every time.
  const dir = await mkdtemp(join(tmpdir(), 'lookbook-store-race-'));
  const writer = await openLibraryStore(dir);
  const reader = await openLibraryStore(dir);
  try {
    for (let i = 0; i < 30; i++) {
      const model = `race-${i}`;
      let written = false;
      const write = writer
        .upsertVectors(model, 8, [{ contentId: 'c1', vector: unit(8, i + 1) }])
        .then(() => (written = true));
      let reads = 0;
      while (!written) {
        const [count, hits] = await Promise.all([
          reader.countVectors(model),
          reader.nearestVectors(model, unit(8, i + 1), { limit: 5 }),
        ]);
        assert.ok(count === 0 || count === 1, `count ${count}`);
        assert.ok(hits.length <= 1);
        reads++;
      }
      await write;
      assert.ok(reads > 0);
      assert.equal(await reader.countVectors(model), 1, 'the finished table is seen');
    }
  } finally {
    writer.close();
    reader.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('bulk reads for the Photos view: indexed paths and content summaries, nulls and non-ASCII kept, refreshed on change', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lookbook-store-'));
  const store = await openLibraryStore(dir);
  try {
    const content = (
      contentId: string,
      takenAt: number | null,
      width: number | null,
      format: string | null,
    ) => ({
      contentId,
      width,
      height: width === null ? null : width * 2,
      takenAt,
      takenAtSource: takenAt === null ? null : ('exif' as const),
      cameraMake: null,
      cameraModel: null,
      latitude: null,
      longitude: null,
      format,
      size: 1,
      thumbnail: false,
      addedAt: 1,
    });
    assert.deepEqual(await store.contentSummaries(), [], 'an empty library');
    assert.equal((await store.indexedPaths()).size, 0);
    await store.upsertContents([
      content('c1', 1_700_000_000_000, 40, 'jpeg'),
      content('c2', null, null, null),
    ]);
    // Several writes: the reads span more than one fragment.
    await store.upsertContents([content('c3', 5, 7, 'png')]);
    await store.upsertFiles([
      file('/lib/été/a.jpg'),
      file('/lib/b.jpg'),
      file('/lib/c.png', { contentId: 'c2' }),
      file('/lib/failed.jpg', { contentId: 'c3', status: 'failed' }),
    ]);
    const summaries = await store.contentSummaries();
    assert.deepEqual(
      [...summaries].sort((a, b) => a.contentId.localeCompare(b.contentId)),
      [
        { contentId: 'c1', takenAt: 1_700_000_000_000, width: 40, height: 80, format: 'jpeg' },
        { contentId: 'c2', takenAt: null, width: null, height: null, format: null },
        { contentId: 'c3', takenAt: 5, width: 7, height: 14, format: 'png' },
      ],
    );
    assert.equal(await store.contentSummaries(), summaries, 'cached while the table is unchanged');
    const paths = await store.indexedPaths();
    assert.deepEqual([...paths].sort(), [
      ['c1', ['/lib/b.jpg', '/lib/été/a.jpg']],
      ['c2', ['/lib/c.png']],
    ]);
    await store.upsertContents([content('c2', 9, 3, 'png')]);
    assert.deepEqual(
      (await store.contentSummaries()).find((c) => c.contentId === 'c2'),
      { contentId: 'c2', takenAt: 9, width: 3, height: 6, format: 'png' },
    );
  } finally {
    store.close();
    await rm(dir, { recursive: true, force: true });
  }
});
