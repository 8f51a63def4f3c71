import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openLibrary, type Library } from '../../main/library/library.js';
import { readSettings } from '../../main/host/settings.js';
import { createTaggingService, type TaggingService } from '../../main/tagging/tagging-service.js';
import type { TagRecord } from '../../main/tagging/tag-store.js';
import { readXmpKeywords } from '../../main/tagging/xmp-sidecar.js';
import { identityAdapter, type Adapter } from '../../main/adapters/adapter.js';
import type { ActiveAdapterSource } from '../../main/adapters/active-adapter.js';
import { vectorTransformFromAdapter } from '../../main/adapters/adapter-transform.js';
import { COLOUR_NAMES, tempDir, writeColourPhoto, type ColourName } from './colour-photos.js';

// One library for the file (opening the engine is the slow part); each test works in its own sub-folder.
let tmp: { path: string; cleanup(): Promise<void> };
let photos: string;
let library: Library;
let tagging: TaggingService;
let adapter: { version: string; adapter: Adapter } | undefined;
/** The adapter in use is whatever `adapter` holds when a run starts. */
const adapterSource: ActiveAdapterSource = {
  modelId: 'demo',
  current: () => adapter && { ...adapter, transform: vectorTransformFromAdapter(adapter.adapter) },
  reload: async () => undefined,
  onChange: () => () => undefined,
};
const pathOf = new Map<string, string>();

async function photo(folder: string, colour: ColourName, seed = 1): Promise<string> {
  // Distinct noise per folder: identical bytes would be one content, sharing its tags.
  const noise = seed * 1000 + [...folder].reduce((h, ch) => (h * 31 + ch.charCodeAt(0)) % 997, 7);
  const p = await writeColourPhoto(join(photos, folder, `${colour}-${seed}.jpg`), colour, { seed: noise });
  pathOf.set(`${folder}/${colour}-${seed}`, p);
  return p;
}

async function tagsOf(path: string, states?: TagRecord['state'][]): Promise<TagRecord[]> {
  return (await tagging.photoTags(path, states)).tags;
}

const labels = (tags: TagRecord[]) => tags.map((t) => t.label).sort();

before(async () => {
  tmp = await tempDir('tagging');
  photos = join(tmp.path, 'photos');
  for (const c of COLOUR_NAMES) await photo('all', c);
  for (const c of ['red', 'blue', 'green'] as const) await photo('review', c);
  for (const c of ['red', 'blue'] as const) await photo('adapter', c);
  await photo('manual', 'yellow');
  await photo('xmp', 'red');
  await photo('xmp', 'green');
  library = await openLibrary({ dataDir: join(tmp.path, 'data'), model: 'demo', threads: 1 });
  await library.addFolder(photos);
  const stats = await library.index();
  assert.equal(stats.failed, 0);
  tagging = createTaggingService(library, { adapter: adapterSource });
});

after(async () => {
  await library?.close();
  await tmp?.cleanup();
});

test('the demo model with the colour vocabulary: every photo gets its colour and no other', async () => {
  const progress: { done: number; total: number; phase: string }[] = [];
  const summary = await tagging.tagFolder(join(photos, 'all'), {
    vocabulary: 'colours',
    onProgress: (p) => progress.push(p),
  });
  assert.equal(summary.photos, 11);
  assert.equal(summary.tagged, 11);
  assert.equal(summary.suggested, 11);
  assert.equal(summary.missingVectors, 0);
  assert.deepEqual(progress.at(-1), {
    phase: 'done',
    vocabulary: 'colours',
    total: 11,
    done: 11,
    tagsAdded: 11,
  });
  for (const c of COLOUR_NAMES) {
    const tags = await tagsOf(pathOf.get(`all/${c}-1`)!);
    assert.deepEqual(labels(tags), [c], `${c} photo got ${labels(tags).join(', ')}`);
    const [t] = tags;
    assert.equal(t!.source, 'auto');
    assert.equal(t!.state, 'suggested');
    assert.equal(t!.vocabulary, 'colours');
    assert.equal(t!.modelId, 'demo');
    assert.equal(t!.adapterVersion, 'none');
    assert.ok(t!.score! > 0.5 && t!.score! <= 1, `score ${t!.score}`);
  }
  // The label embeddings were cached on disk for the next run.
  assert.equal((await readdir(join(tmp.path, 'data', 'cache', 'label-embeddings'))).length, 1);
});

test('a photo whose colour is not in the vocabulary gets no tag (for every colour)', async () => {
  for (const missing of COLOUR_NAMES) {
    const name = `without-${missing}`;
    await tagging.vocabularies.save({
      name,
      labels: COLOUR_NAMES.filter((c) => c !== missing).map((label) => ({ label })),
    });
    const summary = await tagging.tagPhotos(
      [pathOf.get(`all/${missing}-1`)!, pathOf.get(`all/${missing === 'red' ? 'blue' : 'red'}-1`)!],
      {
        vocabulary: name,
      },
    );
    assert.equal(summary.photos, 2);
    assert.equal(summary.tagged, 1, `vocabulary without ${missing}: ${summary.tagged} photos tagged`);
    const tags = await tagsOf(pathOf.get(`all/${missing}-1`)!);
    assert.deepEqual(
      tags.filter((t) => t.vocabulary === name).map((t) => t.label),
      [],
      `a ${missing} photo was tagged from a vocabulary without ${missing}`,
    );
  }
});

test('confirmed, rejected and hand-added tags survive re-tagging; rejected tags are never suggested again', async () => {
  const red = pathOf.get('review/red-1')!;
  const blue = pathOf.get('review/blue-1')!;
  const green = pathOf.get('review/green-1')!;
  // Rejecting ahead of time: the green photo must never be suggested "green".
  await tagging.rejectTags([green], ['green']);
  await tagging.tagFolder(join(photos, 'review'), { vocabulary: 'colours' });
  assert.deepEqual(labels(await tagsOf(red)), ['red']);
  assert.deepEqual(
    (await tagsOf(green)).map((t) => [t.label, t.source, t.state]),
    [['green', 'user', 'rejected']],
  );

  await tagging.rejectTags([red], ['red']);
  await tagging.confirmTags([blue], ['blue']);
  await tagging.addTags([blue], ['Sky']);

  for (let round = 0; round < 2; round++) {
    // Laxer scoring on the second round: still nothing reviewed is touched.
    const summary = await tagging.tagFolder(join(photos, 'review'), {
      vocabulary: 'colours',
      scoring: round ? { minProbability: 0, minLift: 0, margin: -1, topK: 3 } : {},
    });
    assert.ok(summary.skippedReviewed >= 3, `skipped ${summary.skippedReviewed}`);
    const redTags = await tagsOf(red);
    assert.deepEqual(
      redTags.filter((t) => t.label === 'red').map((t) => [t.source, t.state]),
      [['auto', 'rejected']],
    );
    const blueTags = await tagsOf(blue);
    const byLabel = new Map(blueTags.map((t) => [t.label, t]));
    assert.equal(byLabel.get('blue')?.state, 'confirmed');
    assert.equal(byLabel.get('blue')?.source, 'auto');
    assert.ok(byLabel.get('blue')!.score! > 0.5, 'confirming keeps the score');
    assert.deepEqual(
      [byLabel.get('Sky')?.source, byLabel.get('Sky')?.state, byLabel.get('Sky')?.score],
      ['user', 'confirmed', null],
    );
    const greenTags = await tagsOf(green);
    assert.deepEqual(
      greenTags.filter((t) => t.label === 'green').map((t) => [t.source, t.state]),
      [['user', 'rejected']],
    );
  }
  // A re-run that no longer suggests a tag removes that auto suggestion, and only that.
  await tagging.tagFolder(join(photos, 'review'), { vocabulary: 'colours', scoring: { margin: 2 } });
  assert.deepEqual(
    (await tagsOf(red)).map((t) => [t.label, t.state]),
    [['red', 'rejected']],
  );
  assert.deepEqual((await tagsOf(blue)).map((t) => [t.label, t.state]).sort(), [
    ['Sky', 'confirmed'],
    ['blue', 'confirmed'],
  ]);
  assert.deepEqual(
    (await tagsOf(green)).map((t) => [t.label, t.state]),
    [['green', 'rejected']],
  );

  // Hand-adding a rejected tag makes it a confirmed user tag; removing forgets it.
  await tagging.addTags([red], ['red']);
  assert.deepEqual(
    (await tagsOf(red)).map((t) => [t.label, t.source, t.state]),
    [['red', 'user', 'confirmed']],
  );
  assert.equal(await tagging.removeTags([red], ['RED']), 1);
  assert.deepEqual(await tagsOf(red), []);
  await assert.rejects(tagging.addTags([join(tmp.path, 'nowhere.jpg')], ['x']), /not a photo in the library/);
  await assert.rejects(tagging.addTags([red], ['  ']), /at least one tag/);
});

/** As the composition root wires it: tagging hooked into indexing, and search given its tag filter. */
function attachWithTagFilter(): () => void {
  const detach = tagging.attach({ retagOnStart: false });
  library.setTagFilter(async (labels) => new Set(await tagging.contentIdsWithTags(labels)));
  return () => {
    detach();
    library.setTagFilter(undefined);
  };
}

test('search filters by tag through the tag store, and facets count tags per folder', async () => {
  await tagging.tagFolder(join(photos, 'all'), { vocabulary: 'colours' });
  const detach = attachWithTagFilter();
  try {
    const yellowIds = await tagging.contentIdsWithTags(['YELLOW']);
    const yellowPhotos = await Promise.all(yellowIds.map((id) => library.getPhoto(id)));
    assert.deepEqual(
      yellowPhotos.map((p) => p!.path),
      [pathOf.get('all/yellow-1')],
    );
    const found = await library.search('', { tags: ['orange'], folder: join(photos, 'all') });
    assert.deepEqual(
      found.items.map((i) => i.path),
      [pathOf.get('all/orange-1')],
    );
    assert.equal((await library.search('', { tags: ['orange', 'blue'] })).total, 0, 'all tags must match');
    // Only confirmed: none of the 'all' photos were confirmed.
    assert.deepEqual(await tagging.contentIdsWithTags(['orange'], ['confirmed']), []);

    const facets = await tagging.facets(join(photos, 'all'));
    assert.equal(facets.length, 11);
    for (const f of facets)
      assert.deepEqual([f.count, f.suggested, f.confirmed, f.rejected], [1, 1, 0, 0], f.label);
  } finally {
    detach();
  }
  await assert.rejects(library.search('', { tags: ['orange'] }), /needs tagging/, 'detached: no tag filter');
});

test('new photos in a folder set to auto-tag are tagged as they are indexed; others are not', async () => {
  await tagging.setAutoTag(join(photos, 'auto'), 'colours');
  assert.deepEqual(readSettings(join(tmp.path, 'data')).autoTagFolders, [
    { path: join(photos, 'auto'), vocabulary: 'colours' },
  ]);
  await assert.rejects(tagging.setAutoTag(join(photos, 'auto'), 'no-such'), /No vocabulary/);
  const detach = tagging.attach({ retagOnStart: false });
  try {
    const pink = await photo('auto', 'pink');
    const brown = await photo('auto', 'brown', 2);
    const elsewhere = await photo('not-auto', 'pink', 3);
    await library.index();
    await tagging.whenIdle();
    assert.deepEqual(labels(await tagsOf(pink)), ['pink']);
    assert.deepEqual(labels(await tagsOf(brown)), ['brown']);
    assert.deepEqual(await tagsOf(elsewhere), []);
  } finally {
    detach();
  }
  await tagging.setAutoTag(join(photos, 'auto'), null);
  assert.deepEqual(tagging.autoTagFolders(), []);
});

test('a new adapter re-runs auto tags (suggestions only) and records its version', async () => {
  const red = pathOf.get('adapter/red-1')!;
  const blue = pathOf.get('adapter/blue-1')!;
  await tagging.tagFolder(join(photos, 'adapter'), { vocabulary: 'colours' });
  await tagging.confirmTags([blue], ['blue']);
  assert.deepEqual(await tagging.retagStale(), [], 'nothing is stale with the same model and adapter');

  // A text-side adapter that swaps the red and blue directions (W = P − I, so x + Wx = Px): "red" now
  // reads as blue. Only a re-run that really applies it can move the red photo's suggestion.
  const a = identityAdapter('demo', 64);
  const w = new Float32Array(64 * 64);
  const RED = 0;
  const BLUE = 4;
  w[RED * 64 + RED] = -1;
  w[BLUE * 64 + BLUE] = -1;
  w[RED * 64 + BLUE] = 1;
  w[BLUE * 64 + RED] = 1;
  adapter = { version: 'v1@1', adapter: { ...a, text: w } };
  try {
    const summaries = await tagging.retagStale();
    const colours = summaries.find((s) => s.vocabulary === 'colours');
    assert.ok(colours, 'the colours tags were re-run');
    assert.equal(colours.adapterVersion, 'v1@1');
    const redTags = await tagsOf(red);
    assert.deepEqual(
      redTags.map((t) => [t.label, t.state, t.adapterVersion]),
      [['blue', 'suggested', 'v1@1']],
    );
    const blueTags = await tagsOf(blue);
    // The confirmed tag stays as it was (and the adapter's "red" suggestion joins it).
    assert.deepEqual(blueTags.map((t) => [t.label, t.state, t.adapterVersion]).sort(), [
      ['blue', 'confirmed', 'none'],
      ['red', 'suggested', 'v1@1'],
    ]);
    assert.deepEqual(await tagging.retagStale(), []);
  } finally {
    adapter = undefined;
  }
});

test('XMP export writes confirmed tags to sidecars, merges existing keywords, never touches photos', async () => {
  const red = pathOf.get('xmp/red-1')!;
  const green = pathOf.get('xmp/green-1')!;
  await tagging.tagFolder(join(photos, 'xmp'), { vocabulary: 'colours' });
  await tagging.confirmTags([red], ['red']);
  await tagging.addTags([red], ['holiday']);
  const existing =
    '<?xml version="1.0"?>\n<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">' +
    '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:Rating="4">' +
    '<dc:subject><rdf:Bag><rdf:li>Family</rdf:li><rdf:li>Red</rdf:li></rdf:Bag></dc:subject></rdf:Description></rdf:RDF></x:xmpmeta>\n';
  await writeFile(`${red}.xmp`, existing);
  const hash = async (p: string) =>
    createHash('sha256')
      .update(await readFile(p))
      .digest('hex');
  const before = [await hash(red), await hash(green)];

  const confirmedOnly = await tagging.exportXmp({ folder: join(photos, 'xmp') });
  assert.deepEqual([confirmedOnly.created, confirmedOnly.updated, confirmedOnly.failed], [0, 1, 0]);
  const redXmp = await readFile(`${red}.xmp`, 'utf8');
  assert.deepEqual(readXmpKeywords(redXmp), ['Family', 'Red', 'holiday']);
  assert.match(redXmp, /xmp:Rating="4"/);
  await assert.rejects(readFile(`${green}.xmp`), /ENOENT/, 'only confirmed tags by default');

  const withSuggested = await tagging.exportXmp({
    folder: join(photos, 'xmp'),
    includeSuggested: true,
    naming: 'lightroom',
  });
  assert.equal(withSuggested.created, 2);
  assert.deepEqual(readXmpKeywords(await readFile(join(photos, 'xmp', 'green-1.xmp'), 'utf8')), ['green']);
  assert.deepEqual(readXmpKeywords(await readFile(join(photos, 'xmp', 'red-1.xmp'), 'utf8')).sort(), [
    'holiday',
    'red',
  ]);
  // Exporting again changes nothing.
  const again = await tagging.exportXmp({ folder: join(photos, 'xmp') });
  assert.deepEqual([again.created, again.updated, again.unchanged], [0, 0, 1]);
  assert.deepEqual([await hash(red), await hash(green)], before, 'photos are byte-for-byte unchanged');
});
