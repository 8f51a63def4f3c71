// The library's vector search on clustered, CLIP-like vectors (bench/ann-vectors.ts): exact below the
// ANN threshold, and with the ANN index the store builds above it, close to exact (recall@10 against a
// brute-force search done here) with exact scores.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { clusteredVectors } from '../../bench/ann-vectors.js';
import { Index } from '@lancedb/lancedb';
import { ANN_KIND, annIndexName, annIndexShape, annPartitionsFor } from '../../main/store/ann-index.js';
import { openLibraryStore, vectorTableName } from '../../main/store/library-store.js';
import { openDatabase } from '../../main/store/database.js';
import { storeLocation } from '../../main/store/store-location.js';

const MODEL = 'clip-like';
const DIM = 512;
const gen = clusteredVectors();

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** The exact `k` best ids and their cosines (all vectors have unit length). */
function exactTop(query: Float32Array, vectors: Float32Array[], k: number) {
  return vectors
    .map((v, i) => ({ contentId: `c${i}`, score: dot(query, v) }))
    .sort((a, b) => b.score - a.score)
    .slice(0, k);
}

async function storeWith(dir: string, rows: number) {
  const store = await openLibraryStore(dir);
  const vectors: Float32Array[] = [];
  for (let from = 0; from < rows; from += 5000) {
    const chunk = Array.from({ length: Math.min(5000, rows - from) }, (_, k) => {
      const vector = gen.image(from + k);
      vectors.push(vector);
      return { contentId: `c${from + k}`, vector };
    });
    await store.upsertVectors(MODEL, DIM, chunk);
  }
  return { store, vectors };
}

test('a small library is searched exactly: the true 10 nearest photos with their cosines', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lookbook-ann-'));
  const { store, vectors } = await storeWith(dir, 3000);
  try {
    await store.optimize({ annThreshold: 50_000 });
    assert.equal(await store.hasAnnIndex(MODEL), false, 'below the threshold: no index');
    for (let i = 0; i < 20; i++) {
      const query = gen.query(i);
      const want = exactTop(query, vectors, 10);
      const got = await store.nearestVectors(MODEL, query, { limit: 10 });
      assert.deepEqual(
        got.map((h) => h.contentId),
        want.map((h) => h.contentId),
        `query ${i}: the exact ranking`,
      );
      for (const [k, hit] of got.entries()) assert.ok(Math.abs(hit.score - want[k]!.score) < 1e-4);
    }
  } finally {
    store.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('a large library gets the ANN index, which finds at least 95% of the exact 10 nearest', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lookbook-ann-'));
  const rows = 20_000;
  const { store, vectors } = await storeWith(dir, rows);
  try {
    const { indexed } = await store.optimize({ annThreshold: 10_000 });
    assert.deepEqual(indexed, [vectorTableName(MODEL)]);
    // The index the plan asks for at this size (its shape is in its name).
    const db = await openDatabase(storeLocation(dir));
    const names = (await (await db.openTable(vectorTableName(MODEL))).listIndices())
      .filter((i) => i.columns.includes('vector'))
      .map((i) => i.name);
    db.close();
    assert.equal(names.length, 1);
    assert.equal(annIndexShape(names[0]!)?.partitions, annPartitionsFor(rows));

    // What the app does when it opens a library: the index is loaded ahead of the first search.
    assert.equal(await store.keepAnnIndexWarm(MODEL), true, 'a 20,000-photo index fits in memory');
    assert.equal(await store.keepAnnIndexWarm('no-such-model'), false, 'no table, nothing to load');

    let found = 0;
    const queries = 40;
    for (let i = 0; i < queries; i++) {
      const query = gen.query(i);
      const want = exactTop(query, vectors, 10);
      // The searcher's first fetch: 500 candidates, of which the first 10 are shown first.
      const got = await store.nearestVectors(MODEL, query, { limit: 500 });
      const top = new Set(got.slice(0, 10).map((h) => h.contentId));
      found += want.filter((h) => top.has(h.contentId)).length;
      // Scores are exact cosines (the candidates are re-ranked with their full vectors).
      for (const hit of got.slice(0, 10)) {
        const exact = dot(query, vectors[Number(hit.contentId.slice(1))]!);
        assert.ok(Math.abs(hit.score - exact) < 1e-4, `${hit.contentId}: exact score`);
      }
    }
    const recall = found / (10 * queries);
    assert.ok(recall >= 0.95, `recall@10 ${recall.toFixed(3)} ≥ 0.95`);

    // Growing well past the partitions' size rebuilds the index with more partitions.
    assert.deepEqual((await store.optimize({ annThreshold: 10_000 })).indexed, [], 'unchanged: kept');
  } finally {
    store.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('an index built by an older version (cosine) is still searched with its own metric, then replaced', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lookbook-ann-'));
  const rows = 3000;
  const { store, vectors } = await storeWith(dir, rows);
  try {
    const partitions = annPartitionsFor(rows);
    const db = await openDatabase(storeLocation(dir));
    const table = await db.openTable(vectorTableName(MODEL));
    const names = async () =>
      (await table.listIndices()).filter((i) => i.columns.includes('vector')).map((i) => i.name);
    // What the previous version built: IVF_FLAT on cosine, named by its kind and partitions.
    await table.createIndex('vector', {
      config: Index.ivfFlat({ distanceType: 'cosine', numPartitions: partitions }),
      name: `vector_ivf_flat_p${partitions}`,
    });
    const query = gen.query(0);
    const want = exactTop(query, vectors, 10);
    const got = await store.nearestVectors(MODEL, query, { limit: 10 });
    assert.ok(got.length === 10);
    for (const hit of got) {
      const exact = dot(query, vectors[Number(hit.contentId.slice(1))]!);
      assert.ok(Math.abs(hit.score - exact) < 1e-4, `${hit.contentId}: the true cosine`);
    }
    assert.ok(got.filter((h) => want.some((w) => w.contentId === h.contentId)).length >= 8);

    // The next optimize builds the current kind in its place (one index: a search never picks the old).
    assert.deepEqual((await store.optimize({ annThreshold: 1000 })).indexed, [vectorTableName(MODEL)]);
    await table.checkoutLatest();
    assert.deepEqual(await names(), [annIndexName(partitions)]);
    assert.equal(annIndexShape(annIndexName(partitions))?.kind, ANN_KIND);
    table.close();
    db.close();
  } finally {
    store.close();
    await rm(dir, { recursive: true, force: true });
  }
});
