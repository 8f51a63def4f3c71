import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmod, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openCore, type Core } from '../../main/core/open-core.js';
import { isUserError } from '../../main/errors.js';
import { tempDir, writePhoto } from '../library/photo-fixtures.js';

// Exporting an album: byte-identical copies, names kept, nothing ever overwritten, a folder that cannot
// be written refused before anything is copied.

let dir: { path: string; cleanup(): Promise<void> };
let core: Core;
let root: string;
let albumId: string;

before(async () => {
  dir = await tempDir('album-export');
  root = join(dir.path, 'photos');
  // Two originals named alike in two folders: their copies must not collide.
  await writePhoto({ path: join(root, 'a', 'beach.jpg'), colour: 'blue', seed: 1 });
  await writePhoto({ path: join(root, 'b', 'beach.jpg'), colour: 'yellow', seed: 2 });
  await writePhoto({ path: join(root, 'sun.png'), colour: 'yellow', seed: 3, format: 'png' });
  core = await openCore({ dataDir: join(dir.path, 'data'), model: 'demo' });
  await core.library.addFolder(root);
  await core.library.index();
  const album = await core.albums().create('Holiday', {
    photos: [join(root, 'a', 'beach.jpg'), join(root, 'b', 'beach.jpg'), join(root, 'sun.png')],
  });
  albumId = album.id;
});

after(async () => {
  await core?.close();
  await dir?.cleanup();
});

test('export copies the originals byte for byte, suffixes collisions and overwrites nothing', async () => {
  const dest = join(dir.path, 'out');
  await mkdir(dest);
  const mine = Buffer.from('a file the user already had');
  await writeFile(join(dest, 'beach.jpg'), mine);

  const result = await core.albums().export('holiday', dest);
  assert.deepEqual(result.failures, []);
  assert.deepEqual(
    result.copied.map((c) => [c.from, c.to]),
    [
      [join(root, 'a', 'beach.jpg'), join(dest, 'beach (2).jpg')],
      [join(root, 'b', 'beach.jpg'), join(dest, 'beach (3).jpg')],
      [join(root, 'sun.png'), join(dest, 'sun.png')],
    ],
  );
  assert.deepEqual(await readFile(join(dest, 'beach.jpg')), mine, 'the file already there is untouched');
  for (const c of result.copied) assert.deepEqual(await readFile(c.to), await readFile(c.from), c.to);
  assert.deepEqual(
    (await readdir(dest)).sort(),
    ['beach (2).jpg', 'beach (3).jpg', 'beach.jpg', 'sun.png'],
    'no temporary file stays',
  );

  // Again into the same folder: new names, the first copies untouched.
  const again = await core.albums().export(albumId, dest);
  assert.deepEqual(
    again.copied.map((c) => c.to),
    [join(dest, 'beach (4).jpg'), join(dest, 'beach (5).jpg'), join(dest, 'sun (2).png')],
  );
});

test('a missing destination is created when its parent exists; a missing parent is refused', async () => {
  const created = await core.albums().export(albumId, join(dir.path, 'new-folder'));
  assert.equal(created.copied.length, 3);
  await assert.rejects(
    () => core.albums().export(albumId, join(dir.path, 'no', 'such', 'place')),
    (e: unknown) => isUserError(e) && /does not exist/.test((e as Error).message),
  );
});

test('a destination inside a library folder is refused (the copies would be indexed again)', async () => {
  await assert.rejects(
    () => core.albums().export(albumId, join(root, 'exported')),
    (e: unknown) => isUserError(e) && /inside the library folder/.test((e as Error).message),
  );
  assert.deepEqual((await readdir(root)).sort(), ['a', 'b', 'sun.png'], 'nothing was created there');
});

test('export into a folder that cannot be written fails clearly before copying and leaves nothing', async (t) => {
  const dest = join(dir.path, 'locked');
  await mkdir(dest);
  await chmod(dest, 0o555);
  // root ignores permissions: the immutable flag stops it too (where chattr works).
  const asRoot = process.getuid?.() === 0;
  if (asRoot) spawnSync('chattr', ['+i', dest]);
  try {
    const writable = await writeFile(join(dest, 'probe'), '').then(
      () => true,
      () => false,
    );
    if (writable) {
      t.skip('this machine cannot make a folder read-only for this user');
      return;
    }
    await assert.rejects(
      () => core.albums().export(albumId, dest),
      (e: unknown) => isUserError(e) && /cannot write into .*locked/.test((e as Error).message),
    );
    assert.deepEqual(await readdir(dest), [], 'nothing is left in it');
  } finally {
    if (asRoot) spawnSync('chattr', ['-i', dest]);
    await chmod(dest, 0o755);
  }
});

test('an original that cannot be read mid-way is listed as failed; the others are copied, no temporary file stays', async () => {
  const vanishing = join(root, 'c', 'gone.jpg');
  await writePhoto({ path: vanishing, colour: 'red', seed: 4 });
  await core.library.index();
  const album = await core.albums().create('Partly gone', {
    photos: [join(root, 'sun.png'), vanishing, join(root, 'a', 'beach.jpg')],
  });
  // Deleted behind Lookbook's back, before the library noticed: the album still lists it.
  await rm(vanishing);
  const dest = join(dir.path, 'partial');
  const result = await core.albums().export(album.id, dest);
  assert.deepEqual(
    result.copied.map((c) => c.to),
    [join(dest, 'sun.png'), join(dest, 'beach.jpg')],
  );
  assert.equal(result.failures.length, 1);
  assert.equal(result.failures[0]!.path, vanishing);
  assert.match(result.failures[0]!.reason, /no longer there/);
  assert.deepEqual((await readdir(dest)).sort(), ['beach.jpg', 'sun.png']);
  await rm(join(root, 'c'), { recursive: true });
  await core.library.index();
});
