import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join, relative } from 'node:path';
import { resolveMedia, type MediaSource } from '../../main/api/media-access.js';
import { MEDIA_ROUTES } from '../../main/api/types.js';
import { openCore, type Core } from '../../main/core/open-core.js';
import { readSettings, updateSettings } from '../../main/host/settings.js';
import { openDatabase } from '../../main/store/database.js';
import { storeLocation } from '../../main/store/library-store.js';
import { startS3Server } from '../store-shared/s3-server.js';
import { tempDir, writePhoto } from './photo-fixtures.js';

// Folders named as roots (see [Note: roots] in main/store/root-keys.ts): one library, its tables in one
// shared folder, used from two data directories (two computers) that reach the photo share at different
// places. The writer runs as a user runs it (the `lookbook` command); the reader is opened in this process
// where the test needs to look at results closely. The two-mapping test runs on a shared folder and on a
// loopback S3 server (tests/store-shared/s3-server.ts).

/** The AWS variables of the S3 store under test (none for a shared folder); the CLI runs get them too. */
let storeEnv: Record<string, string> = {};

/**
 * `lookbook …` in its own process, awaited without blocking this one: the S3 server of the test runs
 * here and must keep answering.
 */
async function lookbook(dataDir: string, store: string | undefined, ...args: string[]) {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'main/cli/cli.ts',
      '--data-dir',
      dataDir,
      ...(store ? ['--store', store] : []),
      ...args,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...storeEnv } },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { code, stdout, stderr };
}

interface RootLine {
  id: string;
  name: string;
  path: string | null;
  photoCount: number;
}
const jsonLines = (text: string): RootLine[] =>
  text
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as RootLine);

/** A share of photos indexed by a writer (data dir `writer`) into `store` (by default a shared folder). */
async function sharedLibrary(prefix: string, storeUri?: string) {
  const dir = await tempDir(prefix);
  const share = join(dir.path, 'nas', 'Photos');
  await writePhoto({ path: join(share, 'red.jpg'), colour: 'red', seed: 1 });
  await writePhoto({ path: join(share, '2024', 'red two.png'), colour: 'red', seed: 2, format: 'png' });
  await writePhoto({ path: join(share, 'blue.jpg'), colour: 'blue', seed: 3 });
  const store = storeUri ?? join(dir.path, 'shared-store');
  const writer = join(dir.path, 'writer-data');
  const reader = join(dir.path, 'reader-data');
  const added = await lookbook(writer, store, 'folders', 'add', share);
  assert.equal(added.code, 0, added.stderr);
  const indexed = await lookbook(writer, store, 'index');
  assert.equal(indexed.code, 0, indexed.stderr);
  assert.match(indexed.stdout, /Indexed: 3 new/);
  return { dir, share, store, writer, reader };
}

/** The media source the API gives the UI (main/api/core-api.ts): what "opening a photo" reads. */
function mediaOf(core: Core): MediaSource {
  return {
    photoPath: async (id) => (await core.library.getPhoto(id))?.path ?? null,
    thumbnailPath: (id) => core.library.thumbnailPath(id),
    thumbnailsDir: () => join(core.dataDir, 'thumbnails'),
    libraryFolders: async () => (await core.library.listFolders()).map((f) => f.path),
  };
}

async function twoMappings(storeUri?: string) {
  const { dir, share, store, writer, reader } = await sharedLibrary('roots-two', storeUri);
  try {
    // The other computer mounts the share elsewhere (a second mount point of the same folder).
    const mount = join(dir.path, 'mnt', 'photos');
    mkdirSync(join(dir.path, 'mnt'));
    symlinkSync(share, mount);

    const before = await lookbook(reader, store, 'roots', 'list', '--json');
    assert.equal(before.code, 0, before.stderr);
    const [root, ...more] = jsonLines(before.stdout);
    assert.equal(more.length, 0);
    assert.deepEqual({ ...root, id: 'x' }, { id: 'x', name: 'Photos', path: null, photoCount: 3 });
    assert.match(
      (await lookbook(reader, store, 'roots', 'list')).stdout,
      /Photos {2}not mapped on this computer {2}\(3 photos\)/,
    );

    let core = await openCore({ dataDir: reader, store });
    try {
      const unmapped = await core.search.search('red', { all: true });
      assert.equal(unmapped.items.length, 0, 'the photos of a root not mapped here are not shown');
    } finally {
      await core.close();
    }

    const mapped = await lookbook(reader, store, 'roots', 'map', root!.id, mount);
    assert.equal(mapped.code, 0, mapped.stderr);
    assert.match(
      mapped.stdout,
      new RegExp(`${root!.id} {2}Photos {2}is ${mount} on this computer \\(3 photos\\)`),
    );
    assert.equal(mapped.stderr, '', 'every file was found under the mapping: no warning');

    const writerCore = await openCore({ dataDir: writer, store });
    core = await openCore({ dataDir: reader, store });
    try {
      const there = await writerCore.search.search('red', { all: true });
      const here = await core.search.search('red', { all: true });
      const rel = (paths: string[], base: string) => paths.map((p) => relative(base, p)).sort();
      assert.equal(there.items.length, 3, 'the writer finds its photos');
      assert.deepEqual(
        there.items.map((r) => r.path.startsWith(share + '/')),
        there.items.map(() => true),
      );
      assert.ok(
        here.items.every((r) => r.path.startsWith(mount + '/')),
        `the reader's paths are under its own mount: ${here.items.map((r) => r.path).join(', ')}`,
      );
      assert.deepEqual(
        rel(
          here.items.map((r) => r.path),
          mount,
        ),
        rel(
          there.items.map((r) => r.path),
          share,
        ),
        'the same photos, in the same places inside the root',
      );
      assert.deepEqual(
        rel(
          here.items.map((r) => r.path),
          mount,
        ),
        ['2024/red two.png', 'blue.jpg', 'red.jpg'],
        'every photo, with `all`',
      );
      assert.equal((await core.status()).photoCount, 3);

      // Opening a photo: the UI asks for it by id and gets this computer's file.
      const red = here.items.find((r) => r.path.endsWith('red.jpg'))!;
      const media = await resolveMedia(mediaOf(core), MEDIA_ROUTES.photo + red.contentId);
      assert.ok(media, 'the photo opens on the reader');
      assert.deepEqual(readFileSync(media.path), readFileSync(join(share, 'red.jpg')));
      assert.equal((await core.library.getPhoto(join(mount, 'blue.jpg')))?.path, join(mount, 'blue.jpg'));
      // A folder filter in the reader's terms.
      const inside = await core.search.search('red', { all: true, folder: join(mount, '2024') });
      assert.deepEqual(
        inside.items.map((r) => r.path),
        [join(mount, '2024', 'red two.png')],
      );
    } finally {
      await core.close();
      await writerCore.close();
    }
  } finally {
    await dir.cleanup();
  }
}

test('one library from two root mappings (a shared folder): the reader finds the same photos at its own paths and opens them', () =>
  twoMappings());

test('one library from two root mappings (a loopback S3 server): the same', async () => {
  const s3 = await startS3Server(['photos']);
  // The reader opened in this process reads the store's credentials and endpoint from the environment.
  const saved = { ...process.env };
  storeEnv = s3.env;
  Object.assign(process.env, s3.env);
  try {
    await twoMappings('s3://photos/library');
  } finally {
    for (const k of Object.keys(s3.env)) if (saved[k] === undefined) delete process.env[k];
    Object.assign(process.env, saved);
    storeEnv = {};
    await s3.stop();
  }
});

test('a computer that has not mapped a root never removes its photos, by indexing or rescanning its own folders', async () => {
  const { dir, store, writer, reader } = await sharedLibrary('roots-unmapped');
  try {
    const own = join(dir.path, 'reader-only');
    await writePhoto({ path: join(own, 'green.jpg'), colour: 'green', seed: 4 });
    assert.equal((await lookbook(reader, store, 'folders', 'add', own)).code, 0);
    const indexed = await lookbook(reader, store, 'index');
    assert.equal(indexed.code, 0, indexed.stderr);
    assert.match(indexed.stdout, /Indexed: 1 new/);
    assert.doesNotMatch(indexed.stdout, /Removed/);
    // A watched change under the reader's folder: a rescan of what changed, also without the writer's rows.
    const core = await openCore({ dataDir: reader, store });
    try {
      await core.library.index();
      assert.equal((await core.status()).photoCount, 1, "the reader sees its own photo, not the writer's");
    } finally {
      await core.close();
    }

    const roots = jsonLines((await lookbook(writer, store, 'roots', 'list', '--json')).stdout);
    assert.deepEqual(
      roots.map((r) => [r.name, r.photoCount, r.path === null]),
      [
        ['Photos', 3, false],
        ['reader-only', 1, true],
      ],
    );
    const found = await lookbook(writer, store, 'search', 'red', '--json');
    assert.equal(found.code, 0, found.stderr);
    assert.equal(jsonLines(found.stdout).length, 2, "the writer's red photos are all still there");
    const again = await lookbook(writer, store, 'index');
    assert.equal(
      again.stdout,
      'Up to date: 3 photos.\n',
      "the writer's own rescan keeps the reader's photos too",
    );
  } finally {
    await dir.cleanup();
  }
});

test('roots map: an unknown root, a missing folder and a folder without the library files say what to fix', async () => {
  const { dir, store, reader } = await sharedLibrary('roots-errors');
  try {
    const [root] = jsonLines((await lookbook(reader, store, 'roots', 'list', '--json')).stdout);
    const folders = await lookbook(reader, store, 'folders', 'list');
    assert.match(folders.stdout, /Not on this computer yet: Photos \(`lookbook roots list`/);
    const unknown = await lookbook(reader, store, 'roots', 'map', 'Holidays', dir.path);
    assert.equal(unknown.code, 1);
    assert.equal(
      unknown.stderr,
      `lookbook: the library has no root 'Holidays': its roots are ${root!.id} (Photos) (see \`lookbook roots list\`)\n`,
    );
    const missing = await lookbook(reader, store, 'roots', 'map', root!.id, join(dir.path, 'not-mounted'));
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^lookbook: .*not-mounted does not exist/);
    assert.doesNotMatch(missing.stderr, /\n\s+at /, 'no stack trace');

    const empty = join(dir.path, 'empty');
    mkdirSync(empty);
    // By name, as people remember it.
    const wrong = await lookbook(reader, store, 'roots', 'map', 'Photos', empty);
    assert.equal(wrong.code, 0, wrong.stderr);
    assert.match(
      wrong.stderr,
      new RegExp(
        `none of the 3 library files looked for are under ${empty}: is it the folder the library calls 'Photos'\\?`,
      ),
    );
    assert.match(
      (await lookbook(reader, store, 'roots', 'list')).stdout,
      new RegExp(`Photos {2}${empty} {2}\\(3 photos\\)`),
    );
    assert.equal(
      readSettings(reader).folders?.[0]?.root,
      root!.id,
      "the mapping is kept in the reader's data directory",
    );
  } finally {
    await dir.cleanup();
  }
});

test('a library written before roots moves onto them when opened, without encoding any photo again', async () => {
  const dir = await tempDir('roots-migrate');
  try {
    const photos = join(dir.path, 'Photos');
    await writePhoto({ path: join(photos, 'red.jpg'), colour: 'red', seed: 1 });
    await writePhoto({ path: join(photos, 'sub', 'blue.jpg'), colour: 'blue', seed: 2 });
    const data = join(dir.path, 'data');
    let core = await openCore({ dataDir: data });
    await core.library.addFolder(photos);
    await core.library.index();
    await core.close();

    // What the previous version left: absolute paths in the files table, no roots, folders without one.
    const rootId = readSettings(data).folders![0]!.root!;
    const db = await openDatabase(storeLocation(data));
    const files = await db.openTable('files');
    await files.update({
      where: 'true',
      valuesSql: {
        path: `concat('${photos}', substr(path, ${rootId.length + 2}))`,
        folder: `'${photos}'`,
      },
    });
    await db.dropTable('roots');
    const stored = async () =>
      ((await files.query().select(['path']).toArray()) as { path: string }[]).map((r) => r.path).sort();
    assert.deepEqual(await stored(), [join(photos, 'red.jpg'), join(photos, 'sub', 'blue.jpg')]);
    updateSettings(data, (s) => {
      for (const f of s.folders ?? []) delete f.root;
    });

    core = await openCore({ dataDir: data });
    try {
      const root = readSettings(data).folders![0]!.root!;
      assert.match(root, /^[0-9a-f]{8}$/);
      assert.deepEqual(await stored(), [`@${root}/red.jpg`, `@${root}/sub/blue.jpg`]);
      const found = await core.search.search('blue', { all: true });
      assert.equal(found.items[0]?.path, join(photos, 'sub', 'blue.jpg'));
      const stats = await core.library.index();
      assert.deepEqual(
        [stats.encoded, stats.hashed, stats.removed],
        [0, 0, 0],
        'nothing read or encoded again',
      );
      assert.deepEqual(
        (await core.library.listRoots()).map((r) => [r.id, r.name, r.path, r.photoCount]),
        [[root, 'Photos', photos, 2]],
      );
    } finally {
      await core.close();
      db.close();
    }
  } finally {
    await dir.cleanup();
  }
});

test('a folder added around an existing one takes its photos over: same paths, nothing encoded again, one root', async () => {
  const dir = await tempDir('roots-around');
  try {
    const outer = join(dir.path, 'Pictures');
    await writePhoto({ path: join(outer, 'shop', 'red.jpg'), colour: 'red', seed: 1 });
    await writePhoto({ path: join(outer, 'blue.jpg'), colour: 'blue', seed: 2 });
    const core = await openCore({ dataDir: join(dir.path, 'data') });
    try {
      await core.library.addFolder(join(outer, 'shop'));
      await core.library.index();
      const [inner] = await core.library.listRoots();
      await core.library.addFolder(outer);
      const roots = await core.library.listRoots();
      assert.deepEqual(
        roots.map((r) => [r.name, r.path, r.photoCount]),
        [['Pictures', outer, 1]],
        "the inner folder's root is gone, its photo moved onto the new one",
      );
      assert.notEqual(roots[0]!.id, inner!.id);
      const found = await core.search.search('red', { all: true });
      assert.deepEqual(
        found.items.map((p) => p.path),
        [join(outer, 'shop', 'red.jpg')],
      );
      const stats = await core.library.index();
      assert.deepEqual([stats.encoded, stats.removed], [1, 0], 'only the new folder’s own photo is encoded');
    } finally {
      await core.close();
    }
  } finally {
    await dir.cleanup();
  }
});
