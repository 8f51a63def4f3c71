import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { contentIdOfBytes } from '../../main/media/content-id.js';
import { openLibraryStore } from '../../main/store/library-store.js';
import {
  countPairs,
  describePairCounts,
  openPairsStore,
  pairId,
  pairSets,
  splitOf,
} from '../../main/tuning/pairs-store.js';
import type { NewPair, Pair } from '../../main/tuning/pairs-store.js';

/** Content ids for the pairs (no library here; the split tests below were written against these SHA-256 ids). */
const contentIdOf = (bytes: Uint8Array) => contentIdOfBytes(bytes, 'sha256');

async function tempDataDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'lookbook-pairs-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const photos = Array.from({ length: 40 }, (_, i) => contentIdOf(Buffer.from(`photo bytes ${i}`)));

test('adding the same (photo, text) twice keeps one pair, across calls, sources and reopenings', async (t) => {
  const dataDir = await tempDataDir(t);
  const store = await openPairsStore(await openLibraryStore(dataDir));
  const first: NewPair[] = photos.map((contentId) => ({
    contentId,
    text: "burgundy 'wrap' dress",
    source: 'caption',
  }));
  assert.deepEqual(await store.add(first), { inserted: 40, existing: 0 });
  const again: NewPair[] = [
    ...photos
      .slice(0, 5)
      .map((contentId) => ({ contentId, text: "burgundy 'wrap' dress", source: 'tag' as const })),
    { contentId: photos[0]!, text: 'red', source: 'tag' },
    { contentId: photos[0]!, text: '  red ', source: 'tsv' }, // same after trimming, same call
  ];
  assert.deepEqual(await store.add(again), { inserted: 1, existing: 6 });
  assert.equal(await store.count(), 41);

  const reopened = await openPairsStore(await openLibraryStore(dataDir));
  assert.equal(await reopened.count(), 41);
  const all = await reopened.list();
  assert.equal(all.length, 41);
  assert.equal(new Set(all.map((p) => p.id)).size, 41);
  const red = await reopened.list({ contentId: photos[0]! });
  assert.deepEqual(red.map((p) => [p.text, p.source]).sort(), [
    ["burgundy 'wrap' dress", 'caption'], // the first source is kept
    ['red', 'tag'],
  ]);
  assert.equal(red[0]!.id, pairId(photos[0]!, red[0]!.text));
  assert.equal(await reopened.count({ source: 'tag' }), 1);
  assert.equal((await reopened.list({ limit: 7 })).length, 7);
});

test('the train/val split is deterministic, per photo, and follows the configured fraction and seed', async (t) => {
  const dataDir = await tempDataDir(t);
  const store = await openPairsStore(await openLibraryStore(dataDir), { valFraction: 0.25, splitSeed: 's1' });
  await store.add(
    photos.flatMap((contentId) =>
      ['dress', 'summer'].map((text) => ({ contentId, text, source: 'tag' as const })),
    ),
  );
  const pairs = await store.list();
  for (const p of pairs) assert.equal(p.split, splitOf(p.contentId, 0.25, 's1'));
  // Both texts of a photo are on the same side: no photo is in train and val at once.
  const sides = new Map<string, Set<string>>();
  for (const p of pairs) sides.set(p.contentId, (sides.get(p.contentId) ?? new Set()).add(p.split));
  assert.ok([...sides.values()].every((s) => s.size === 1));
  const val = await store.count({ split: 'val' });
  assert.equal(val + (await store.count({ split: 'train' })), 80);
  assert.ok(val >= 8 && val <= 34, `about a quarter of 80 pairs held out, got ${val}`);
  // Another seed holds out other photos; the same seed the same ones.
  const other = photos.filter((c) => splitOf(c, 0.25, 's2') !== splitOf(c, 0.25, 's1'));
  assert.ok(other.length > 0);
  assert.deepEqual(
    photos.map((c) => splitOf(c, 0.25, 's1')),
    photos.map((c) => splitOf(c, 0.25, 's1')),
  );
});

test('remove by filter; bad pairs are refused before anything is written', async (t) => {
  const dataDir = await tempDataDir(t);
  const store = await openPairsStore(await openLibraryStore(dataDir));
  await store.add(photos.slice(0, 3).map((contentId) => ({ contentId, text: 'coat', source: 'folder' })));
  await store.add([{ contentId: photos[0]!, text: "it's", source: 'caption' }]);
  assert.equal(await store.remove({ ids: [pairId(photos[0]!, "it's")] }), 1);
  assert.equal(await store.remove({ source: 'folder', contentId: photos[1]! }), 1);
  assert.equal(await store.count(), 2);
  await assert.rejects(store.remove({}), /without a filter/);
  await assert.rejects(
    store.add([{ contentId: 'not-a-hash', text: 'x', source: 'tag' }]),
    /not a content id/,
  );
  await assert.rejects(store.add([{ contentId: photos[5]!, text: '  ', source: 'tag' }]), /empty text/);
  assert.equal(await store.count(), 2);
});

test('one count of the pairs: trained on, measured, and held-out repeats that are neither', () => {
  const pair = (contentId: string, text: string, split: 'train' | 'val'): Pair => ({
    id: pairId(contentId, text),
    contentId,
    text,
    split,
    source: 'tsv',
    createdAt: 0,
  });
  const pairs = [
    pair(photos[0]!, 'a red dress', 'train'),
    pair(photos[1]!, 'a red dress', 'train'),
    pair(photos[2]!, 'a blue van', 'val'),
    pair(photos[3]!, 'a blue van', 'val'), // repeats a held-out caption
    pair(photos[2]!, 'the van', 'val'), // repeats a held-out photo
    pair(photos[4]!, 'a green door', 'val'),
  ];
  const sets = pairSets(pairs);
  assert.equal(sets.train.length, 2);
  assert.equal(sets.measured.length, 2);
  assert.equal(sets.repeats.length, 2);
  // Each caption and each photo is measured once.
  assert.equal(new Set(sets.measured.map((p) => p.text)).size, 2);
  assert.equal(new Set(sets.measured.map((p) => p.contentId)).size, 2);
  const counts = countPairs(pairs);
  assert.deepEqual(counts, { total: 6, photos: 5, train: 2, measured: 2, repeats: 2 });
  assert.equal(
    describePairCounts(counts),
    '6 pairs: 2 to train on, 2 held out to measure recall (2 more held out repeat a caption or photo and are not counted)',
  );
});
