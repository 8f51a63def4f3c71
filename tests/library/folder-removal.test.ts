import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { openCore, type Core } from '../../main/core/open-core.js';
import { updateSettings } from '../../main/host/settings.js';
import { createMediaPort } from '../../main/library/media-port.js';
import { isUnder } from '../../main/paths.js';
import { tempDir, writePhoto } from './photo-fixtures.js';

// A folder removed while it was being indexed kept being indexed, and its photos could stay in the
// library afterwards (QA: "Photos: 106" beside "No folders yet", `search red` finding them), while
// `index` refused to run without folders, so nothing cleaned them up. Now a removal cancels the folder's
// queued work and its photos are gone when the run ends, whoever removed it (this process or another).

const RED = 4;
const BLUE = 12;

/** Folder `keep` (red photos) and folder `gone` (blue), indexed slowly: `gone`'s files take 150 ms each. */
async function twoFolders(dir: string) {
  const keep = join(dir, 'keep');
  const gone = join(dir, 'gone');
  for (let i = 0; i < RED; i++) await writePhoto({ path: join(keep, `r${i}.jpg`), colour: 'red', seed: i });
  for (let i = 0; i < BLUE; i++)
    await writePhoto({ path: join(gone, `b${i}.jpg`), colour: 'blue', seed: 100 + i });
  const dataDir = join(dir, 'data');
  const media = createMediaPort();
  const started: string[] = [];
  const core = await openCore({
    dataDir,
    library: {
      decodeConcurrency: 2,
      batchSize: 2,
      media: {
        ...media,
        async hashFile(path, hash) {
          started.push(path);
          if (isUnder(path, gone)) await sleep(150);
          return media.hashFile(path, hash);
        },
      },
    },
  });
  await core.library.addFolder(keep);
  await core.library.addFolder(gone);
  return { core, keep, gone, dataDir, started };
}

/** Resolves once at least `n` photos of `folder` are in the files table. */
async function whenIndexed(core: Core, folder: string, n: number): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const rows = await core.library.store.allFiles();
    if (rows.filter((r) => r.status === 'indexed' && isUnder(r.path, folder)).length >= n) return;
    await sleep(20);
  }
  throw new Error(`photos of ${folder} were never indexed`);
}

async function assertOnlyKept(core: Core, keep: string, gone: string): Promise<void> {
  const status = await core.status();
  assert.equal(status.photoCount, RED, 'status counts only the folder kept');
  assert.deepEqual(
    status.folders.map((f) => f.path),
    [keep],
  );
  const blue = await core.search.search('blue', { all: true, limit: 100 });
  assert.equal(blue.items.filter((p) => isUnder(p.path, gone)).length, 0, 'search finds none of them');
  const listed = await core.search.listPhotos({ limit: 100 });
  assert.equal(listed.total, RED, 'Photos lists only the folder kept');
  assert.ok(listed.items.every((p) => isUnder(p.path, keep)));
  const rows = await core.library.store.allFiles();
  assert.deepEqual(
    rows.filter((r) => isUnder(r.path, gone)).map((r) => r.path),
    [],
    'no file row is left for the folder removed',
  );
}

test('a folder removed during indexing: its queued files are skipped and its photos gone when the run ends', async () => {
  const dir = await tempDir('remove-mid-run');
  const { core, keep, gone, started } = await twoFolders(dir.path);
  try {
    const run = core.library.index();
    // Removed once its first files are being read (the indexer writes rows in groups, so waiting for
    // rows in the table could let every file start first).
    for (let i = 0; i < 600 && started.filter((p) => isUnder(p, gone)).length < 2; i++) await sleep(10);
    await core.library.removeFolder(gone);
    await run;
    await assertOnlyKept(core, keep, gone);
    const goneStarted = started.filter((p) => isUnder(p, gone)).length;
    assert.ok(goneStarted < BLUE, `the removed folder's queued files were not read (${goneStarted}/${BLUE})`);
  } finally {
    await core.close();
    await dir.cleanup();
  }
});

test('a folder removed by another process during indexing: rows written after its removal are removed too', async () => {
  const dir = await tempDir('remove-other-process');
  const { core, keep, gone, dataDir } = await twoFolders(dir.path);
  try {
    const run = core.library.index();
    await whenIndexed(core, gone, 2);
    // What `lookbook folders remove` does in another process: settings.json, then the folder's rows,
    // while this process's run goes on writing batches of that folder.
    updateSettings(dataDir, (s) => {
      s.folders = (s.folders ?? []).filter((f) => f.path !== gone);
    });
    await core.library.store.deleteFilesUnder(gone);
    await run;
    await assertOnlyKept(core, keep, gone);
  } finally {
    await core.close();
    await dir.cleanup();
  }
});

test('`lookbook index` with no folders succeeds and removes photos left from removed folders', async () => {
  const dir = await tempDir('no-folders');
  try {
    const root = join(dir.path, 'photos');
    await writePhoto({ path: join(root, 'red.jpg'), colour: 'red', seed: 1 });
    await writePhoto({ path: join(root, 'blue.jpg'), colour: 'blue', seed: 2 });
    const dataDir = join(dir.path, 'data');
    let core = await openCore({ dataDir });
    await core.library.addFolder(root);
    await core.library.index();
    // The folder leaves settings.json while its photos stay (a run that was killed, an older version).
    updateSettings(dataDir, (s) => {
      s.folders = [];
    });
    // Their root is no longer mapped on this computer, so they are not shown, but still in the store.
    assert.deepEqual(
      (await core.library.listRoots()).map((r) => [r.path, r.photoCount]),
      [[null, 2]],
      'leftover photos before the run',
    );
    await core.close();

    const indexed = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'main/cli/cli.ts', '--data-dir', dataDir, 'index'],
      { encoding: 'utf8' },
    );
    assert.equal(indexed.status, 0, indexed.stderr);
    assert.match(indexed.stdout, /Removed 2 files/);
    assert.match(indexed.stdout, /no folders/);

    core = await openCore({ dataDir });
    try {
      assert.equal((await core.status()).photoCount, 0);
      assert.equal((await core.search.search('red', { all: true })).total, 0);
      assert.equal((await core.search.listPhotos()).total, 0);
    } finally {
      await core.close();
    }
  } finally {
    await dir.cleanup();
  }
});
