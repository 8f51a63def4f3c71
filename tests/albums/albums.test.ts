import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { openCore, type Core } from '../../main/core/open-core.js';
import { isUserError } from '../../main/errors.js';
import { openLibraryStore } from '../../main/store/library-store.js';
import { tempDir, writePhoto } from '../library/photo-fixtures.js';

// Albums over a real library (LanceDB, the demo model, generated colour photos): what a person notices.

let dir: { path: string; cleanup(): Promise<void> };
let core: Core;
let root: string;

/** Asserts that `fn` fails with a UserError whose message matches. */
async function refused(fn: () => Promise<unknown>, message: RegExp): Promise<void> {
  await assert.rejects(fn, (e: unknown) => {
    assert.ok(isUserError(e), `a clear error, not ${String(e)}`);
    assert.match((e as Error).message, message);
    return true;
  });
}

before(async () => {
  dir = await tempDir('albums');
  root = join(dir.path, 'photos');
  await writePhoto({ path: join(root, 'red1.jpg'), colour: 'red', seed: 1, exifDate: '2021:06:10 12:00:00' });
  await writePhoto({ path: join(root, 'red2.jpg'), colour: 'red', seed: 2, exifDate: '2019:01:05 12:00:00' });
  await writePhoto({
    path: join(root, 'blue1.jpg'),
    colour: 'blue',
    seed: 3,
    exifDate: '2021:07:01 12:00:00',
  });
  await writePhoto({ path: join(root, 'green1.jpg'), colour: 'green', seed: 4 });
  core = await openCore({ dataDir: join(dir.path, 'data'), model: 'demo' });
  await core.library.addFolder(root);
  await core.library.index();
});

after(async () => {
  await core?.close();
  await dir?.cleanup();
});

test('a manual album keeps its photos, in order, and still holds a photo renamed on disk and re-indexed', async () => {
  const albums = core.albums();
  const album = await albums.create('Trip', {
    photos: [join(root, 'blue1.jpg'), join(root, 'red1.jpg')],
  });
  assert.equal(album.kind, 'manual');
  assert.equal(album.count, 2);
  assert.equal(album.cover?.path, join(root, 'blue1.jpg'), 'the cover is the first photo');
  let page = await albums.photos('trip');
  assert.deepEqual(
    page.items.map((p) => p.path),
    [join(root, 'blue1.jpg'), join(root, 'red1.jpg')],
  );

  await rename(join(root, 'red1.jpg'), join(root, 'renamed.jpg'));
  await core.library.index();
  page = await albums.photos(album.id);
  assert.deepEqual(
    page.items.map((p) => p.path),
    [join(root, 'blue1.jpg'), join(root, 'renamed.jpg')],
    'the renamed photo is still in the album, at its place',
  );
  await rename(join(root, 'renamed.jpg'), join(root, 'red1.jpg'));
  await core.library.index();

  const moved = await albums.move('Trip', [join(root, 'red1.jpg')], 0);
  assert.equal(moved.cover?.path, join(root, 'red1.jpg'), 'moved first, it is the cover now');
  const covered = await albums.setCover('Trip', join(root, 'blue1.jpg'));
  assert.equal(covered.cover?.path, join(root, 'blue1.jpg'));
  await refused(() => albums.setCover('Trip', join(root, 'green1.jpg')), /not in 'Trip'/);

  // The search filter `album` restricts search and browsing to the album.
  const browsed = await core.search.search('', { album: album.id, sort: 'date-desc' });
  assert.deepEqual(browsed.items.map((p) => p.path).sort(), [
    join(root, 'blue1.jpg'),
    join(root, 'red1.jpg'),
  ]);
  const searched = await core.search.search('red', { album: album.id });
  assert.deepEqual(
    searched.items.map((p) => p.path),
    [join(root, 'red1.jpg')],
  );
  await refused(() => core.search.search('', { album: 'no-such-album' }), /no album/);

  await albums.remove('Trip', [join(root, 'red1.jpg')]);
  assert.equal((await albums.get('Trip')).count, 1);
  await albums.delete('Trip');
});

test('deleting an album leaves its photos in the library, on disk and in other albums', async () => {
  const albums = core.albums();
  await albums.create('Keep', { photos: [join(root, 'green1.jpg')] });
  await albums.create('Gone', { photos: [join(root, 'green1.jpg')] });
  const left = await albums.delete('gone');
  assert.deepEqual(
    left.map((a) => a.name),
    ['Keep'],
  );
  assert.ok(existsSync(join(root, 'green1.jpg')));
  assert.ok(await core.library.getPhoto(join(root, 'green1.jpg')));
  assert.equal((await albums.get('Keep')).count, 1, 'a photo can be in many albums; the other keeps it');
  await refused(() => albums.get('Gone'), /no album 'Gone'/);
  await albums.delete('Keep');
});

test('album names: trimmed, unique whatever the case, not empty or too long; slashes and emoji are fine', async () => {
  const albums = core.albums();
  await refused(() => albums.create('   '), /needs a name/);
  await refused(() => albums.create('x'.repeat(300)), /too long \(300 characters; at most 100\)/);
  const slash = await albums.create('  2024/06 Wedding  ');
  assert.equal(slash.name, '2024/06 Wedding');
  const emoji = await albums.create('🌅 Sunsets');
  assert.equal(emoji.name, '🌅 Sunsets');
  assert.equal((await albums.create('🌅'.repeat(100))).name.length, 200, '100 emoji are 100 characters');
  await refused(() => albums.create('2024/06 WEDDING'), /already an album named '2024\/06 Wedding'/);
  await refused(() => albums.rename('🌅 Sunsets', '2024/06 wedding'), /already an album/);
  assert.equal(
    (await albums.rename('🌅 Sunsets', '🌅 sunsets')).name,
    '🌅 sunsets',
    'its own name in another case',
  );
  for (const a of await albums.list()) await albums.delete(a.id);
});

test('a photo not in the library is refused, naming it, and nothing is added', async () => {
  const albums = core.albums();
  const outside = join(dir.path, 'elsewhere.jpg');
  await writePhoto({ path: outside, colour: 'red', seed: 9 });
  await refused(
    () => albums.create('Bad', { photos: [join(root, 'red1.jpg'), outside] }),
    /elsewhere\.jpg is not a photo in the library/,
  );
  await refused(() => albums.get('Bad'), /no album/);
  const album = await albums.create('Good', { photos: [join(root, 'red1.jpg')] });
  await refused(() => albums.add(album.id, [outside, join(root, 'red2.jpg')]), /elsewhere\.jpg/);
  assert.equal((await albums.get('Good')).count, 1, 'the good photo given with the bad one was not added');
  await albums.delete('Good');
});

test('a smart album "red" with dates gains a new red photo in range once it is indexed, with no action', async () => {
  const albums = core.albums();
  const smart = await albums.create('Red 2021', {
    smart: { query: 'red', filters: { from: '2021-01-01', to: '2021-12-31' } },
  });
  assert.equal(smart.kind, 'smart');
  assert.deepEqual(
    (await albums.photos(smart.id)).items.map((p) => p.path),
    [join(root, 'red1.jpg')],
    'the 2019 red photo and the blue 2021 one are not in it',
  );
  await refused(() => albums.add(smart.id, [join(root, 'red2.jpg')]), /smart album/);

  await writePhoto({
    path: join(root, 'new-red.jpg'),
    colour: 'red',
    seed: 7,
    exifDate: '2021:12:31 18:00:00',
  });
  await writePhoto({
    path: join(root, 'old-red.jpg'),
    colour: 'red',
    seed: 8,
    exifDate: '2018:03:01 10:00:00',
  });
  await core.library.index();
  const after = await albums.get('red 2021');
  assert.equal(after.count, 2);
  assert.deepEqual((await albums.photos(smart.id)).items.map((p) => p.path).sort(), [
    join(root, 'new-red.jpg'),
    join(root, 'red1.jpg'),
  ]);

  await refused(() => albums.create('Nothing', { smart: {} }), /needs something to look for/);
  await refused(
    () => albums.create('Bad date', { smart: { query: 'red', filters: { from: 'last summer' } } }),
    /not a date/,
  );
  const like = await albums.create('Like red1', { smart: { similarTo: join(root, 'red1.jpg') } });
  assert.equal(
    like.smart?.similarTo,
    await core.library.contentIdOf(join(root, 'red1.jpg')),
    'the photo is saved by content id',
  );
  const likePaths = (await albums.photos(like.id)).items.map((p) => p.path);
  assert.ok(likePaths.includes(join(root, 'red1.jpg')), 'the photo itself is in it');
  assert.ok(likePaths.includes(join(root, 'new-red.jpg')));
  assert.ok(!likePaths.includes(join(root, 'blue1.jpg')), 'a blue photo does not look like a red one');
  await albums.delete(like.id);

  await rm(join(root, 'new-red.jpg'));
  await rm(join(root, 'old-red.jpg'));
  await core.library.index();
  assert.equal((await albums.get(smart.id)).count, 1, 'a photo deleted from disk leaves the smart album');
  await albums.delete(smart.id);
});

test("an album changed by another process (a CLI run beside the app) shows that process's change", async () => {
  const albums = core.albums();
  const album = await albums.create('Shared', { photos: [join(root, 'red1.jpg')] });
  assert.equal((await albums.get('Shared')).count, 1);
  const other = await openLibraryStore(join(dir.path, 'data'));
  try {
    const table = await other.openAlbumsTable();
    const red2 = (await core.library.contentIdOf(join(root, 'red2.jpg')))!;
    await table.setItems(album.id, [...(await table.itemsOf(album.id)), red2]);
  } finally {
    other.close();
  }
  assert.deepEqual(
    (await albums.photos('Shared')).items.map((p) => p.path),
    [join(root, 'red1.jpg'), join(root, 'red2.jpg')],
  );
  await albums.delete(album.id);
});
