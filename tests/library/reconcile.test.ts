import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdir, rename, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { openCore, type Core } from '../../main/core/open-core.js';
import type { Library } from '../../main/library/library.js';
import type { PhotoSearch } from '../../main/search/photo-search.js';
import { tempDir, writePhoto } from './photo-fixtures.js';

// Add, change, rename, move, copy and delete photos while the library watches them, and while it is
// closed (reconciled at the next start). The library must match the disk, moved and copied photos must
// keep their embedding (no re-encode: counted by the model's encode counter), and nothing is duplicated.

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Every indexed path, sorted; asserts no path appears twice and every content is one photo. */
async function libraryPaths(library: Library, search: PhotoSearch): Promise<string[]> {
  const files = await library.store.allFiles();
  const paths = files.filter((f) => f.status === 'indexed').map((f) => f.path);
  assert.equal(new Set(paths).size, paths.length, 'a path is in the library twice');
  const photos = await search.listPhotos({ limit: 1000 });
  const ids = photos.items.map((p) => p.contentId);
  assert.equal(new Set(ids).size, ids.length, 'a content is listed twice');
  return paths.sort();
}

async function contentOf(library: Library, path: string): Promise<string | undefined> {
  return (await library.getPhoto(path))?.contentId;
}

describe('the library follows the disk', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let root: string;
  let dataDir: string;
  let core: Core | undefined;

  before(async () => {
    dir = await tempDir('reconcile');
    root = join(dir.path, 'photos');
    dataDir = join(dir.path, 'data');
    await writePhoto({ path: join(root, 'red.jpg'), colour: 'red', seed: 1 });
    await writePhoto({ path: join(root, 'blue.jpg'), colour: 'blue', seed: 2 });
  });

  after(async () => {
    await core?.close();
    await dir?.cleanup();
  });

  test('while watching', async () => {
    core = await openCore({
      dataDir,
      library: {
        watch: { debounceMs: 150, stabilityMs: 200 },
        // The default grace (a minute) for content whose last file went: a move that reaches the watcher
        // as two batches (the unlink now, the add once its size is stable) still keeps its embedding.
        // With no grace, a busy machine split a rename and re-encoded the photo (found in CI-style runs).
      },
    });
    const lib = core.library;
    const search = core.search;
    await lib.addFolder(root);
    const first = await lib.startWatching();
    assert.equal(first.encoded, 2);
    const p = (name: string) => join(root, name);
    const encoded = () => lib.totalStats().encoded;
    const hasPaths = (expected: string[]) => async () =>
      JSON.stringify(await libraryPaths(lib, search)) === JSON.stringify(expected.map(p).sort());
    const settle = async (what: string, check: () => Promise<boolean>) => {
      await waitFor(what, check);
      // The files rows are written before the run's counters are summed: let the run finish.
      await lib.whenIdle();
    };

    // add
    await writePhoto({ path: p('green.jpg'), colour: 'green', seed: 3 });
    await settle('green added', hasPaths(['red.jpg', 'blue.jpg', 'green.jpg']));
    assert.equal(encoded(), 3);

    // change: blue.jpg now holds a yellow photo → re-encoded, found as yellow
    const oldBlue = await contentOf(lib, p('blue.jpg'));
    await writePhoto({ path: p('blue.jpg'), colour: 'yellow', seed: 4 });
    await settle('blue.jpg re-indexed', async () => (await contentOf(lib, p('blue.jpg'))) !== oldBlue);
    assert.equal(encoded(), 4);
    await lib.whenIdle();
    assert.deepEqual(
      (await search.search('yellow')).items.map((i) => basename(i.path)),
      ['blue.jpg'],
    );
    assert.equal((await search.search('blue')).items.length, 0, 'the old blue content is gone');

    // rename, then move into a new subfolder: same content, no re-encode
    const red = await contentOf(lib, p('red.jpg'));
    await rename(p('red.jpg'), p('red-renamed.jpg'));
    await settle('rename seen', hasPaths(['red-renamed.jpg', 'blue.jpg', 'green.jpg']));
    await mkdir(p('sub'));
    await rename(p('red-renamed.jpg'), p('sub/red-moved.jpg'));
    await settle('move seen', hasPaths(['sub/red-moved.jpg', 'blue.jpg', 'green.jpg']));
    assert.equal(await contentOf(lib, p('sub/red-moved.jpg')), red);
    assert.equal(encoded(), 4, 'a moved photo is not encoded again');

    // copy: one content, two paths, no encode
    await copyFile(p('green.jpg'), p('green-copy.jpg'));
    await settle('copy seen', hasPaths(['sub/red-moved.jpg', 'blue.jpg', 'green.jpg', 'green-copy.jpg']));
    const green = await lib.getPhoto(p('green.jpg'));
    assert.deepEqual(green?.paths, [p('green-copy.jpg'), p('green.jpg')]);
    assert.equal(encoded(), 4);
    assert.equal((await search.search('green')).total, 1, 'identical copies are one result');
    const [folder] = await lib.listFolders();
    assert.equal(folder!.photoCount, 3, 'and one photo in the folder count (red, blue, green)');

    // delete one copy, then the other; then a whole folder
    const removedEvents: number[] = [];
    const stopListening = lib.onProgress((e) => {
      if (e.phase === 'done') removedEvents.push(e.removed ?? 0);
    });
    await rm(p('green.jpg'));
    await settle('delete seen', hasPaths(['sub/red-moved.jpg', 'blue.jpg', 'green-copy.jpg']));
    stopListening();
    assert.equal(
      removedEvents.reduce((a, b) => a + b, 0),
      1,
      "the run's 'done' event says a file left (the CLI's watch line shows it)",
    );
    assert.equal((await search.search('green')).items[0]?.path, p('green-copy.jpg'));
    await rm(p('green-copy.jpg'));
    await rm(p('sub'), { recursive: true });
    await settle('deletes seen', hasPaths(['blue.jpg']));
    await lib.whenIdle();
    assert.equal((await search.search('green')).total, 0);
    assert.equal((await search.search('red')).total, 0);
    assert.equal(encoded(), 4);

    // a folder moved in from outside the library comes with its photos
    await writePhoto({ path: join(dir.path, 'incoming', 'pink', 'red2.jpg'), colour: 'red', seed: 5 });
    await rename(join(dir.path, 'incoming', 'pink'), p('pink'));
    await settle('folder moved in', hasPaths(['blue.jpg', 'pink/red2.jpg']));
    assert.equal(encoded(), 5);

    // Excluding a subfolder takes its photos out; new files there are ignored.
    await writePhoto({ path: p('private/x.jpg'), colour: 'yellow', seed: 10 });
    await settle('private photo indexed', hasPaths(['blue.jpg', 'pink/red2.jpg', 'private/x.jpg']));
    await lib.excludePath(root, 'private');
    assert.deepEqual(await libraryPaths(lib, search), [p('blue.jpg'), p('pink/red2.jpg')]);
    await writePhoto({ path: p('private/ignored.jpg'), colour: 'green', seed: 8 });
    // A folder added while watching is indexed at once.
    const second = join(dir.path, 'second');
    await writePhoto({ path: join(second, 'green.jpg'), colour: 'green', seed: 9 });
    await lib.addFolder(second);
    await settle(
      'second folder indexed',
      async () => (await lib.getPhoto(join(second, 'green.jpg'))) !== undefined,
    );
    assert.equal(await lib.store.getFile(p('private/ignored.jpg')), undefined);
    await lib.removeFolder(second);
    assert.deepEqual(
      (await lib.listFolders()).map((f) => [f.path, f.excluded]),
      [[root, [p('private')]]],
    );
    assert.deepEqual(await libraryPaths(lib, search), [p('blue.jpg'), p('pink/red2.jpg')]);

    await lib.stopWatching();
    await core.close();
    core = undefined;
  });

  test('while stopped: changes are picked up at the next start', async () => {
    const p = (name: string) => join(root, name);
    // Same operations as above, with the library closed.
    await writePhoto({ path: p('green.jpg'), colour: 'green', seed: 6 }); // add
    await writePhoto({ path: p('blue.jpg'), colour: 'blue', seed: 7 }); // change (yellow → blue)
    await rename(p('pink/red2.jpg'), p('red2-renamed.jpg')); // move + rename
    await copyFile(p('green.jpg'), p('green-copy.jpg')); // copy
    await rm(p('pink'), { recursive: true }); // delete a folder

    core = await openCore({ dataDir, library: { watch: { debounceMs: 150, stabilityMs: 200 } } });
    const library = core.library;
    const stats = await library.index();
    assert.equal(stats.encoded, 2, 'green (new content) and blue (changed) only');
    assert.deepEqual(
      await libraryPaths(library, core.search),
      [p('blue.jpg'), p('green-copy.jpg'), p('green.jpg'), p('red2-renamed.jpg')].sort(),
    );
    assert.deepEqual(
      (await core.search.search('blue')).items.map((i) => i.path),
      [p('blue.jpg')],
    );
    assert.deepEqual(
      (await core.search.search('red')).items.map((i) => i.path),
      [p('red2-renamed.jpg')],
    );
    // The yellow content left with its last file: its row and vectors are dropped.
    assert.equal(
      (await core.search.search('yellow', { all: true })).items.filter((i) => i.score! > 0.9).length,
      0,
    );
    const s = await core.status();
    assert.deepEqual(s.vectors, { indexed: 3, total: 3 });

    // Unchanged disk: nothing to do, nothing hashed again.
    const again = await library.index();
    assert.equal(again.encoded, 0);
    assert.equal(again.hashed, 0);
    assert.equal(again.seen, 4);

    // Removing the folder takes its photos out of the library (the files stay on disk).
    await library.removeFolder(root);
    assert.deepEqual(await libraryPaths(library, core.search), []);
    assert.equal((await core.status()).vectors.total, 0);
  });
});
