import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { openCore, type Core } from '../../main/core/open-core.js';
import type { Library } from '../../main/library/library.js';
import type { SearchResponse } from '../../main/library/types.js';
import { identityAdapter } from '../../main/adapters/adapter.js';
import { createAdapterStore } from '../../main/adapters/adapter-store.js';
import { tempDir, writePhoto, type Colour } from '../library/photo-fixtures.js';

// One small library of coloured photos, indexed once with the real demo model and real LanceDB; every
// search feature is checked against it.

interface Fixture {
  name: string;
  folder: 'a' | 'b';
  colour: Colour;
  format: 'jpeg' | 'png' | 'webp';
  day: number;
}

const FIXTURES: Fixture[] = [
  { name: 'red0.jpg', folder: 'a', colour: 'red', format: 'jpeg', day: 1 },
  { name: 'red1.jpg', folder: 'a', colour: 'red', format: 'jpeg', day: 2 },
  { name: 'red2.png', folder: 'b', colour: 'red', format: 'png', day: 3 },
  { name: 'blue0.png', folder: 'a', colour: 'blue', format: 'png', day: 4 },
  { name: 'blue1.jpg', folder: 'b', colour: 'blue', format: 'jpeg', day: 5 },
  { name: 'blue2.jpg', folder: 'b', colour: 'blue', format: 'jpeg', day: 6 },
  { name: 'green0.jpg', folder: 'a', colour: 'green', format: 'jpeg', day: 7 },
  { name: 'green1.webp', folder: 'b', colour: 'green', format: 'webp', day: 8 },
  { name: 'green2.jpg', folder: 'b', colour: 'green', format: 'jpeg', day: 9 },
  { name: 'yellow0.jpg', folder: 'a', colour: 'yellow', format: 'jpeg', day: 10 },
  { name: 'yellow1.webp', folder: 'b', colour: 'yellow', format: 'webp', day: 11 },
  { name: 'yellow2.jpg', folder: 'b', colour: 'yellow', format: 'jpeg', day: 12 },
];
const COLOURS: Colour[] = ['red', 'blue', 'green', 'yellow'];
const byName = new Map(FIXTURES.map((f) => [f.name, f]));

function names(r: SearchResponse): string[] {
  return r.items.map((i) => basename(i.path));
}
function coloursOf(r: SearchResponse): Colour[] {
  return r.items.map((i) => byName.get(basename(i.path))?.colour ?? ('?' as Colour));
}
function dateOf(day: number): Date {
  return new Date(Date.UTC(2021, 0, day, 12));
}

describe('search over a library of coloured photos (demo model)', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let core: Core;
  let library: Library;
  let root: string;
  const indexedEvents: string[][] = [];

  before(async () => {
    dir = await tempDir('search');
    root = join(dir.path, 'photos');
    let seed = 1;
    for (const f of FIXTURES) {
      await writePhoto({
        path: join(root, f.folder, f.name),
        colour: f.colour,
        format: f.format,
        mtime: dateOf(f.day),
        seed: seed++,
      });
    }
    // The same photo as red0.jpg, and an outside photo used as an image query.
    await writePhoto({ path: join(dir.path, 'outside', 'query-blue.jpg'), colour: 'blue', seed: 99 });
    core = await openCore({ dataDir: join(dir.path, 'data'), library: { decodeConcurrency: 2 } });
    library = core.library;
    library.onPhotosIndexed((ids) => indexedEvents.push(ids));
    await library.addFolder(root);
    const stats = await library.index();
    assert.equal(stats.encoded, FIXTURES.length);
    assert.equal(stats.failed, 0);
  });

  after(async () => {
    await core?.close();
    await dir?.cleanup();
  });

  test('each colour word ranks that colour first, and the cut-off keeps exactly that colour', async () => {
    for (const colour of COLOURS) {
      const r = await core.search.search(colour);
      assert.deepEqual(new Set(coloursOf(r)), new Set([colour]), `query '${colour}' returned ${names(r)}`);
      assert.equal(r.total, 3, `query '${colour}'`);
      assert.ok(r.cutoff !== null);
      assert.ok(r.items.every((i) => i.score !== null && i.score >= r.cutoff!));
    }
  });

  test('a colour no photo has returns nothing (not the whole library ranked)', async () => {
    const r = await core.search.search('purple');
    assert.equal(r.total, 0, `returned ${names(r)}`);
    assert.equal((await core.search.search('purple', { all: true })).total, FIXTURES.length);
  });

  test('a sentence around the colour word works too', async () => {
    const r = await core.search.search('a photo of something red');
    assert.deepEqual(new Set(coloursOf(r)), new Set(['red']));
  });

  test('all: true returns every photo, ranked, the colour first', async () => {
    const r = await core.search.search('green', { all: true, limit: 100 });
    assert.equal(r.total, FIXTURES.length);
    assert.equal(r.items.length, FIXTURES.length);
    assert.deepEqual(coloursOf(r).slice(0, 3), ['green', 'green', 'green']);
    const scores = r.items.map((i) => i.score!);
    assert.deepEqual(
      [...scores].sort((a, b) => b - a),
      scores,
    );
    assert.equal(r.cutoff, null);
  });

  test('results carry path, score and metadata, as plain JSON', async () => {
    const r = await core.search.search('red', { limit: 1 });
    const item = r.items[0]!;
    assert.deepEqual(JSON.parse(JSON.stringify(item)), item);
    assert.match(item.contentId, /^[0-9a-f]{64}$/);
    assert.equal(item.width, 24);
    assert.equal(item.height, 24);
    assert.ok(['jpeg', 'png'].includes(item.format!));
    assert.ok(item.sizeBytes > 0);
    assert.equal(item.takenAtSource, 'file');
    assert.ok(item.thumbnail);
    const thumb = library.thumbnailPath(item.contentId);
    assert.ok(thumb && existsSync(thumb));
    assert.equal((await readFile(thumb)).subarray(8, 12).toString('latin1'), 'WEBP');
  });

  test('folder filter', async () => {
    const r = await core.search.search('red', { folder: join(root, 'a') });
    assert.deepEqual(names(r).sort(), ['red0.jpg', 'red1.jpg']);
    const none = await core.search.search('red', { folder: join(root, 'a', 'nope') });
    assert.equal(none.total, 0);
  });

  test('date filter (file dates) and sorting by date', async () => {
    const r = await core.search.search('blue', { after: '2021-01-05', before: '2021-01-06T23:00:00Z' });
    assert.deepEqual(names(r).sort(), ['blue1.jpg', 'blue2.jpg']);
    const newest = await core.search.search('yellow', { sort: 'date' });
    assert.deepEqual(names(newest), ['yellow2.jpg', 'yellow1.webp', 'yellow0.jpg']);
    const oldest = await core.search.search('yellow', { sort: 'date-asc' });
    assert.deepEqual(names(oldest), ['yellow0.jpg', 'yellow1.webp', 'yellow2.jpg']);
    await assert.rejects(core.search.search('blue', { after: 'last tuesday-ish' }), /not a date/);
  });

  test('format filter', async () => {
    const r = await core.search.search('green', { formats: ['webp'] });
    assert.deepEqual(names(r), ['green1.webp']);
    const all = await core.search.search('x', { formats: ['png'], all: true, limit: 50 });
    assert.deepEqual(names(all).sort(), ['blue0.png', 'red2.png']);
  });

  test('paging: pages are disjoint and add up to the whole list', async () => {
    const whole = await core.search.search('red', { all: true, limit: 100 });
    const pages: string[] = [];
    for (let offset = 0; offset < FIXTURES.length; offset += 5) {
      const page = await core.search.search('red', { all: true, offset, limit: 5 });
      assert.equal(page.total, FIXTURES.length);
      assert.equal(page.offset, offset);
      pages.push(...names(page));
    }
    assert.deepEqual(pages, names(whole));
    const past = await core.search.search('red', { offset: 50, limit: 5 });
    assert.equal(past.items.length, 0);
  });

  test('similar: from a library photo (path or id) and from an image outside the library', async () => {
    const red0 = join(root, 'a', 'red0.jpg');
    const byPath = await core.search.similar(red0);
    assert.deepEqual(names(byPath).sort(), ['red1.jpg', 'red2.png'], 'the photo itself is left out');
    const photo = await library.getPhoto(red0);
    assert.ok(photo);
    const byId = await core.search.similar(photo.contentId);
    assert.deepEqual(names(byId).sort(), ['red1.jpg', 'red2.png']);
    const outside = await core.search.similar(join(dir.path, 'outside', 'query-blue.jpg'));
    assert.deepEqual(new Set(coloursOf(outside)), new Set(['blue']));
    assert.equal(outside.total, 3);
    await assert.rejects(
      core.search.similar(join(dir.path, 'missing.jpg')),
      /neither a library photo nor an image/,
    );
  });

  test('query arithmetic: +term adds a colour, -term takes it away', async () => {
    const both = await core.search.search('red +blue');
    assert.deepEqual(new Set(coloursOf(both)), new Set(['red', 'blue']));
    assert.equal(both.total, 6);
    const back = await core.search.search('red +blue -blue');
    assert.deepEqual(new Set(coloursOf(back)), new Set(['red']));
  });

  test('text and image combined', async () => {
    const r = await core.search.search({
      text: 'yellow',
      image: join(dir.path, 'outside', 'query-blue.jpg'),
    });
    assert.deepEqual(new Set(coloursOf(r)), new Set(['yellow', 'blue']));
  });

  test('tag filter goes through the hook tagging provides', async () => {
    // The core always wires search's tag filter to tagging: no photo carries the tag yet.
    assert.equal((await core.search.search('red', { tags: ['holiday'] })).total, 0);
    const red1 = await library.getPhoto(join(root, 'a', 'red1.jpg'));
    const tagging = core.tagging();
    await tagging.addTags([red1!.contentId], ['holiday']);
    try {
      const r = await core.search.search('red', { tags: ['holiday'] });
      assert.deepEqual(names(r), ['red1.jpg']);
    } finally {
      await tagging.removeTags([red1!.contentId], ['holiday']);
    }
  });

  test('a vector transform (adapter seam) changes the ranking', async () => {
    // Swap what "red" and "green" mean on the query side: a stand-in for a fine-tuned adapter.
    // v + (v·g − v·r)·r + (v·r − v·g)·g = v + W·v with W = (r − g)·(g − r)ᵀ, saved as a text-side adapter
    // (search applies the active adapter: there is no other way to hand it a transform).
    const [red, green] = await library.engine.embedTexts(['red', 'green']);
    const dim = library.engine.model.embedDim;
    const w = new Float32Array(dim * dim);
    for (let i = 0; i < dim; i++)
      for (let j = 0; j < dim; j++) w[i * dim + j] = (red![i]! - green![i]!) * (green![j]! - red![j]!);
    const adapters = createAdapterStore(library.dataDir, library.engine.model.id);
    await adapters.save({ ...identityAdapter(library.engine.model.id, dim), text: w }, { activate: true });
    try {
      await core.adapter.reload();
      const r = await core.search.search('red');
      assert.deepEqual(new Set(coloursOf(r)), new Set(['green']));
    } finally {
      await adapters.activate(null);
      await core.adapter.reload();
    }
    assert.deepEqual(new Set(coloursOf(await core.search.search('red'))), new Set(['red']));
  });

  test("a fine-tuned adapter (tuning's adapter store) is applied to queries", async () => {
    // A text-side adapter that maps "red" onto "green": x + W·x with W = (g − r)·rᵀ.
    const [r, g] = await library.engine.embedTexts(['red', 'green']);
    const dim = library.engine.model.embedDim;
    const w = new Float32Array(dim * dim);
    for (let i = 0; i < dim; i++) for (let j = 0; j < dim; j++) w[i * dim + j] = (g![i]! - r![i]!) * r![j]!;
    const adapters = createAdapterStore(library.dataDir, library.engine.model.id);
    await adapters.save({ ...identityAdapter(library.engine.model.id, dim), text: w }, { activate: true });
    try {
      await core.adapter.reload();
      assert.deepEqual(new Set(coloursOf(await core.search.search('red'))), new Set(['green']));
    } finally {
      await adapters.activate(null);
      await core.adapter.reload();
    }
    assert.deepEqual(new Set(coloursOf(await core.search.search('red'))), new Set(['red']));
  });

  test('listPhotos pages by date, getImageVectors returns the stored vectors, events fired', async () => {
    const first = await core.search.listPhotos({ limit: 5 });
    assert.equal(first.total, FIXTURES.length);
    assert.deepEqual(
      first.items.map((p) => basename(p.path)),
      ['yellow2.jpg', 'yellow1.webp', 'yellow0.jpg', 'green2.jpg', 'green1.webp'],
    );
    const inA = await core.search.listPhotos({ folder: join(root, 'a'), limit: 100 });
    assert.equal(inA.total, FIXTURES.filter((f) => f.folder === 'a').length);
    const ids = first.items.map((p) => p.contentId);
    const vectors = await library.getImageVectors([...ids, 'f'.repeat(64)]);
    assert.equal(vectors.size, ids.length);
    for (const v of vectors.values()) {
      assert.equal(v.length, library.engine.model.embedDim);
      assert.ok(Math.abs(Math.hypot(...v) - 1) < 1e-3);
    }
    assert.equal(new Set(indexedEvents.flat()).size, FIXTURES.length);
  });

  test('status says what is indexed, with the demo notice', async () => {
    const s = await core.status();
    assert.equal(s.photoCount, FIXTURES.length);
    assert.equal(s.files.indexed, FIXTURES.length);
    assert.equal(s.model.isDemo, true);
    assert.match(s.notice ?? '', /demo model: it only knows colours/);
    assert.deepEqual(s.vectors, { indexed: FIXTURES.length, total: FIXTURES.length });
    assert.equal(s.folders[0]!.photoCount, FIXTURES.length);
    assert.deepEqual(JSON.parse(JSON.stringify(s)), s);
  });
});
