// Albums over the API the UI uses (main/api): requests as the transports carry them (validated, errors
// as sentences), and `albumsChanged` after every album change and after the library changes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createCoreApi } from '../../main/api/core-api.js';
import { dispatch, type CoreApi } from '../../main/api/dispatch.js';
import type { AlbumView, ApiEvents } from '../../main/api/types.js';
import { tempDir, writePhoto } from '../library/photo-fixtures.js';

let dir: { path: string; cleanup(): Promise<void> };
let api: CoreApi;
let root: string;
const events: AlbumView[][] = [];

/** Resolves with the first album list (from now on) that satisfies `test`. */
function nextAlbums(test: (albums: AlbumView[]) => boolean, timeoutMs = 20_000): Promise<AlbumView[]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`no matching albumsChanged; last: ${JSON.stringify(events.at(-1))}`));
    }, timeoutMs);
    const stop = api.subscribe('albumsChanged', ({ albums }: ApiEvents['albumsChanged']) => {
      if (!test(albums)) return;
      clearTimeout(timer);
      stop();
      resolve(albums);
    });
  });
}

async function call(method: string, body: unknown): Promise<unknown> {
  const r = await dispatch(api, method, body, () => undefined);
  if (!r.ok) throw new Error(`${method}: ${r.body.error.message}`);
  return r.result;
}

async function refusal(method: string, body: unknown): Promise<string> {
  const r = await dispatch(api, method, body, () => undefined);
  assert.equal(r.ok, false, `${method} ${JSON.stringify(body)} should be refused`);
  if (r.ok) return '';
  assert.notEqual(r.body.error.code, 'internal', r.body.error.message);
  return r.body.error.message;
}

before(async () => {
  dir = await tempDir('album-api');
  root = join(dir.path, 'photos');
  await writePhoto({ path: join(root, 'red1.jpg'), colour: 'red', seed: 1 });
  await writePhoto({ path: join(root, 'red2.jpg'), colour: 'red', seed: 2 });
  await writePhoto({ path: join(root, 'blue1.jpg'), colour: 'blue', seed: 3 });
  api = await createCoreApi({
    dataDir: join(dir.path, 'data'),
    model: 'demo',
    watch: false,
    log: () => undefined,
  });
  api.subscribe('albumsChanged', ({ albums }) => events.push(albums));
  const indexed = new Promise<void>((resolve) => {
    const stop = api.subscribe('libraryChanged', ({ photoCount }) => {
      if (photoCount === 3) {
        stop();
        resolve();
      }
    });
  });
  await call('folders.add', { path: root });
  await indexed;
});

after(async () => {
  await api?.close();
  await dir?.cleanup();
});

const idOf = async (name: string): Promise<string> => {
  const page = (await call('search.query', {})) as { items: Array<{ id: string; name: string }> };
  return page.items.find((p) => p.name === name)!.id;
};

test('album requests change albums and announce the new list', async () => {
  const [red1, red2, blue1] = [await idOf('red1.jpg'), await idOf('red2.jpg'), await idOf('blue1.jpg')];
  const announced = nextAlbums((list) => list.some((a) => a.name === 'Picks'));
  const album = (await call('albums.create', { name: ' Picks ', photoIds: [red1, blue1] })) as AlbumView;
  assert.equal(album.name, 'Picks');
  assert.equal(album.count, 2);
  assert.equal(album.cover?.name, 'red1.jpg');
  assert.deepEqual(
    (await announced).map((a) => [a.name, a.count]),
    [['Picks', 2]],
  );

  const moved = nextAlbums((list) => list[0]?.cover?.name === 'blue1.jpg');
  await call('albums.add', { id: album.id, photoIds: [red2] });
  await call('albums.move', { id: album.id, photoIds: [blue1], index: 0 });
  await moved;
  const page = (await call('albums.photos', { id: album.id, limit: 2 })) as {
    total: number;
    items: Array<{ name: string }>;
  };
  assert.equal(page.total, 3);
  assert.deepEqual(
    page.items.map((p) => p.name),
    ['blue1.jpg', 'red1.jpg'],
  );
  const filtered = (await call('search.query', { query: 'blue', filters: { album: album.id } })) as {
    items: Array<{ name: string }>;
  };
  assert.deepEqual(
    filtered.items.map((p) => p.name),
    ['blue1.jpg'],
  );

  assert.match(await refusal('albums.create', { name: '' }), /An album needs a name/);
  assert.match(await refusal('albums.create', { name: 'y'.repeat(300) }), /too long/);
  assert.match(await refusal('albums.create', { name: 'PICKS' }), /already an album named 'Picks'/);
  assert.match(
    await refusal('albums.add', { id: album.id, photoIds: ['f'.repeat(64)] }),
    /not a photo in the library/,
  );
  assert.match(await refusal('albums.move', { id: album.id, photoIds: [red1] }), /“index”/);
  assert.match(await refusal('albums.rename', { id: 'nope', name: 'x' }), /no album 'nope'/);

  assert.match(
    await refusal('albums.export', { id: album.id, destination: join(root, 'copies') }),
    /inside the library folder/,
  );
  const exported = (await call('albums.export', { id: album.id, destination: join(dir.path, 'copies') })) as {
    copied: Array<{ to: string }>;
    failures: unknown[];
  };
  assert.deepEqual(
    exported.copied.map((c) => c.to),
    ['blue1.jpg', 'red1.jpg', 'red2.jpg'].map((n) => join(dir.path, 'copies', n)),
  );
  assert.deepEqual(exported.failures, []);

  const gone = nextAlbums((list) => list.length === 0);
  assert.deepEqual(await call('albums.delete', { id: album.id }), []);
  await gone;
  const photos = (await call('search.query', {})) as { total: number };
  assert.equal(photos.total, 3, 'deleting the album deleted no photo');
});

test("a smart album's count follows the library, announced without any album request", async () => {
  const smart = (await call('albums.create', { name: 'Reds', smart: { query: 'red' } })) as AlbumView;
  assert.equal(smart.count, 2);
  assert.deepEqual(smart.smart, { query: 'red' });
  const grew = nextAlbums((list) => list.find((a) => a.id === smart.id)?.count === 3);
  await writePhoto({ path: join(root, 'red3.jpg'), colour: 'red', seed: 4 });
  await call('indexing.start', {});
  await grew;
  await call('albums.delete', { id: smart.id });
});
