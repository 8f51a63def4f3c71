import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { watchFolders, type FolderWatcher } from '../../main/library/watcher.js';
import { tempDir } from './photo-fixtures.js';

// The folder watcher on its own (no library): what it reports, in which batches, and when.

describe('the folder watcher', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let root: string;
  let watcher: FolderWatcher | undefined;
  let batches: string[][] = [];

  before(async () => {
    dir = await tempDir('watcher');
    root = join(dir.path, 'photos');
    await mkdir(join(root, 'album'), { recursive: true });
    await mkdir(join(dir.path, 'outside', 'trip', 'day-1'), { recursive: true });
    watcher = watchFolders({
      folders: [root],
      isExcluded: (path) => path.includes('/.'),
      onChanges: (paths) => batches.push(paths.sort()),
      debounceMs: 150,
      stabilityMs: 300,
    });
    await watcher.ready;
  });

  after(async () => {
    await watcher?.close();
    await dir?.cleanup();
  });

  async function waitFor(check: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(batches)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const reported = (path: string) => batches.some((b) => b.includes(path));

  test('a file still being written is reported once its size stops changing', async () => {
    batches = [];
    const path = join(root, 'album', 'copying.jpg');
    await writeFile(path, Buffer.alloc(1000));
    // Written in pieces for longer than the stability period: not reported in the meantime.
    for (let i = 0; i < 6; i++) {
      await new Promise((r) => setTimeout(r, 100));
      await appendFile(path, Buffer.alloc(1000));
      assert.equal(reported(path), false, 'reported while still being written');
    }
    await waitFor(() => reported(path), 'the finished file');
  });

  test('a move within the folders arrives as one batch: the old path and the new one', async () => {
    batches = [];
    const from = join(root, 'album', 'copying.jpg');
    const to = join(root, 'renamed.jpg');
    await rename(from, to);
    await waitFor(() => reported(to), 'the new path');
    assert.ok(
      batches.some((b) => b.includes(from) && b.includes(to)),
      `one batch holds both: ${JSON.stringify(batches)}`,
    );
  });

  test('a folder moved in with subfolders: a photo added later deep inside is reported', async () => {
    batches = [];
    const moved = join(root, 'trip');
    await rename(join(dir.path, 'outside', 'trip'), moved);
    await waitFor(() => reported(moved), 'the moved folder');
    // @parcel/watcher alone watches the moved folder but not the folders inside it.
    await new Promise((r) => setTimeout(r, 300));
    const deep = join(moved, 'day-1', 'beach.jpg');
    await writeFile(deep, Buffer.alloc(500));
    await waitFor(() => reported(deep), 'the photo inside the moved folder');
  });

  test('excluded paths are not reported', async () => {
    batches = [];
    await writeFile(join(root, '.hidden.jpg'), 'x');
    await writeFile(join(root, 'seen.jpg'), 'x');
    await waitFor(() => reported(join(root, 'seen.jpg')), 'the visible file');
    assert.equal(reported(join(root, '.hidden.jpg')), false);
  });
});
