import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Binary, Field, Float64, Schema, Utf8 } from 'apache-arrow';
import type { ClipEngine } from '../../main/engine/types.js';
import { openDatabase } from '../../main/store/database.js';
import { storeLocation } from '../../main/store/store-location.js';
import { openLibraryStore } from '../../main/store/library-store.js';
import { createTagStore } from '../../main/tagging/tag-store.js';
import { openPairsStore, pairId } from '../../main/tuning/pairs-store.js';
import { openTextEmbeddingCache } from '../../main/tuning/text-embedding-cache.js';

// Versions before the tag, pair and caption-cache tables moved into main/store/ wrote snake_case column
// names. A data directory written by such a version must open with every tag, run, pair and cached
// embedding intact, and take new writes on the same rows afterwards.

const utf8 = (name: string, nullable = false) => new Field(name, new Utf8(), nullable);
const f64 = (name: string, nullable = false) => new Field(name, new Float64(), nullable);

// The schemas exactly as the earlier tag-store.ts, pairs-store.ts and text-embedding-cache.ts wrote them.
const oldTags = new Schema([
  utf8('id'),
  utf8('content_id'),
  utf8('label'),
  utf8('label_key'),
  f64('score', true),
  utf8('source'),
  utf8('state'),
  utf8('vocabulary', true),
  utf8('model_id', true),
  utf8('adapter_version', true),
  f64('updated_at'),
]);
const oldRuns = new Schema([
  utf8('id'),
  utf8('content_id'),
  utf8('vocabulary'),
  utf8('vocabulary_hash'),
  utf8('model_id'),
  utf8('adapter_version'),
  f64('tagged_at'),
]);
const oldPairs = new Schema([
  utf8('id'),
  utf8('content_id'),
  utf8('text'),
  utf8('split'),
  utf8('source'),
  f64('created_at'),
]);
const oldTextEmbeddings = new Schema([
  utf8('key'),
  utf8('model'),
  utf8('text'),
  new Field('vector', new Binary(), false),
]);

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
const SEP = '\u001f';

async function writeOldTables(dir: string): Promise<void> {
  const db = await openDatabase(storeLocation(dir));
  const tags = await db.createEmptyTable('tags', oldTags);
  await tags.add([
    {
      id: `${A}${SEP}red dress`,
      content_id: A,
      label: 'Red dress',
      label_key: 'red dress',
      score: 0.8,
      source: 'auto',
      state: 'suggested',
      vocabulary: 'products',
      model_id: 'demo',
      adapter_version: 'none',
      updated_at: 1000,
    },
    {
      id: `${B}${SEP}beach`,
      content_id: B,
      label: 'beach',
      label_key: 'beach',
      score: null,
      source: 'user',
      state: 'confirmed',
      vocabulary: null,
      model_id: null,
      adapter_version: null,
      updated_at: 2000,
    },
  ]);
  const runs = await db.createEmptyTable('tag_runs', oldRuns);
  await runs.add([
    {
      id: `${A}${SEP}products`,
      content_id: A,
      vocabulary: 'products',
      vocabulary_hash: 'h1',
      model_id: 'demo',
      adapter_version: 'none',
      tagged_at: 1000,
    },
  ]);
  const pairs = await db.createEmptyTable('pairs', oldPairs);
  await pairs.add([
    {
      id: pairId(A, 'red dress'),
      content_id: A,
      text: 'red dress',
      split: 'train',
      source: 'caption',
      created_at: 5,
    },
  ]);
  const cache = await db.createEmptyTable('tuning_text_embeddings', oldTextEmbeddings);
  const bytes = Buffer.alloc(8);
  bytes.writeFloatLE(0.6, 0);
  bytes.writeFloatLE(0.8, 4);
  const key = createHash('sha256').update('demo\nred dress').digest('hex');
  await cache.add([{ key, model: 'demo', text: 'red dress', vector: bytes }]);
  db.close();
}

test('tables written with snake_case columns open with their rows intact and take new writes', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lookbook-legacy-'));
  try {
    await writeOldTables(dir);
    const store = await openLibraryStore(dir);
    try {
      const tags = createTagStore(store);
      const byContent = await tags.tagsFor([A, B]);
      assert.deepEqual(byContent.get(A), [
        {
          contentId: A,
          label: 'Red dress',
          score: 0.8,
          source: 'auto',
          state: 'suggested',
          vocabulary: 'products',
          modelId: 'demo',
          adapterVersion: 'none',
          updatedAt: 1000,
        },
      ]);
      assert.equal(byContent.get(B)?.[0]?.state, 'confirmed');
      assert.deepEqual(await tags.contentIdsWithTags(['red DRESS', 'beach'], undefined, 'any'), [A, B]);
      assert.deepEqual(
        await tags.runsFor('products'),
        new Map([
          [
            A,
            {
              contentId: A,
              vocabulary: 'products',
              vocabularyHash: 'h1',
              modelId: 'demo',
              adapterVersion: 'none',
              taggedAt: 1000,
            },
          ],
        ]),
      );
      assert.deepEqual(
        await tags.staleContentIds({
          vocabulary: 'products',
          vocabularyHash: 'h2',
          modelId: 'demo',
          adapterVersion: 'none',
        }),
        [A],
      );
      // A write lands on the old row (same id), not beside it.
      assert.equal(await tags.setState([A], ['red dress'], 'confirmed'), 1);
      assert.deepEqual(
        (await tags.tagsFor([A])).get(A)?.map((t) => [t.label, t.state]),
        [['Red dress', 'confirmed']],
      );

      const pairs = await openPairsStore(store);
      assert.deepEqual(await pairs.list(), [
        {
          id: pairId(A, 'red dress'),
          contentId: A,
          text: 'red dress',
          split: 'train',
          source: 'caption',
          createdAt: 5,
        },
      ]);
      assert.equal(await pairs.count({ contentId: A }), 1);
      assert.deepEqual(await pairs.add([{ contentId: A, text: 'red dress', source: 'tag' }]), {
        inserted: 0,
        existing: 1,
      });

      const engine = {
        model: { id: 'demo', embedDim: 2 },
        embedTexts: async () => assert.fail('a cached caption is not encoded again'),
      } as unknown as ClipEngine;
      const cache = await openTextEmbeddingCache(store, engine);
      assert.deepEqual(await cache.embed(['red dress']), [new Float32Array([0.6, 0.8])]);
      assert.equal(cache.lastEncoded, 0);
    } finally {
      store.close();
    }
    // Opening again finds the renamed tables as they are.
    const again = await openLibraryStore(dir);
    try {
      assert.equal((await createTagStore(again).counts()).length, 2);
      assert.equal(await (await openPairsStore(again)).count(), 1);
    } finally {
      again.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
