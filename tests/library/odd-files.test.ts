import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { readFile, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { openCore } from '../../main/core/open-core.js';
import { tempDir, writePhoto } from './photo-fixtures.js';

// Entries a folder scan cannot index as they are end with a status that says what is wrong, instead of
// "a link to something that no longer exists" or nothing at all: a name that is not valid UTF-8, a
// named pipe called .jpg, a link to a device called .jpg.

test('a non-UTF-8 file name and a FIFO or device named .jpg each get an honest status', async () => {
  const dir = await tempDir('odd-files');
  const core = await openCore({ dataDir: join(dir.path, 'data') });
  try {
    const root = join(dir.path, 'photos');
    const jpeg = await readFile(await writePhoto({ path: join(root, 'good.jpg'), colour: 'red', seed: 1 }));
    // 'latin1-é.jpg' as Latin-1 bytes (0xE9), as an old drive or a network share gives it, and a folder
    // named the same way with a photo inside. Buffer paths: a string would be written as UTF-8.
    const latin1 = (name: string) => Buffer.concat([Buffer.from(`${root}/`), Buffer.from(name, 'latin1')]);
    writeFileSync(latin1('latin1-\xe9.jpg'), jpeg);
    mkdirSync(latin1('vacances-\xe9t\xe9'));
    writeFileSync(Buffer.concat([latin1('vacances-\xe9t\xe9'), Buffer.from('/beach.jpg')]), jpeg);
    writeFileSync(latin1('notes-\xe9.txt'), 'not a photo: no status needed');
    execFileSync('mkfifo', [join(root, 'pipe.jpg')]);
    await symlink('/dev/zero', join(root, 'device.jpg'));

    await core.library.addFolder(root);
    const stats = await core.library.index(); // would hang on the pipe or never end on /dev/zero if read
    assert.equal(stats.encoded, 1);
    const rows = new Map((await core.library.store.allFiles()).map((r) => [r.path, r]));

    assert.equal(rows.get(join(root, 'good.jpg'))?.status, 'indexed');
    const badFile = rows.get(join(root, 'latin1-\uFFFD.jpg'));
    assert.equal(badFile?.code, 'bad-file-name');
    assert.match(badFile!.reason!, /not valid UTF-8.*rename it/);
    const badFolder = rows.get(join(root, 'vacances-\uFFFDt\uFFFD'));
    assert.equal(badFolder?.code, 'bad-file-name');
    assert.match(badFolder!.reason!, /folder name is not valid UTF-8/);
    assert.ok(![...rows.keys()].some((p) => p.includes('notes-')), 'a non-photo name gets no status');
    for (const r of [badFile, badFolder]) assert.doesNotMatch(r!.reason!, /no longer exists/);

    const pipe = rows.get(join(root, 'pipe.jpg'));
    assert.equal(pipe?.status, 'failed');
    assert.equal(pipe?.code, 'not-a-file');
    assert.match(pipe!.reason!, /not a regular file \(a named pipe\)/);
    const device = rows.get(join(root, 'device.jpg'));
    assert.equal(device?.code, 'not-a-file');
    assert.match(device!.reason!, /not a regular file \(a device\)/);

    // The same statuses after a second run: reported, not dropped as gone.
    await core.library.index();
    const again = new Map((await core.library.store.allFiles()).map((r) => [r.path, r.code]));
    assert.equal(again.get(join(root, 'latin1-\uFFFD.jpg')), 'bad-file-name');
    assert.equal(again.get(join(root, 'pipe.jpg')), 'not-a-file');
  } finally {
    await core.close();
    await dir.cleanup();
  }
});

// A file whose name is not valid UTF-8 cannot be reported while watching: the watcher reports names as
// strings, and the mangled one (U+FFFD for the odd bytes) names no file. The next full index (at the app's
// start, or `lookbook index`) reports it, as the test above shows.
test('while watching, a new FIFO named .jpg, alone or in a new folder, gets its status', async () => {
  const dir = await tempDir('odd-files-watch');
  const core = await openCore({
    dataDir: join(dir.path, 'data'),
    library: { watch: { debounceMs: 100, stabilityMs: 200 } },
  });
  try {
    const root = join(dir.path, 'photos');
    await writePhoto({ path: join(root, 'good.jpg'), colour: 'red', seed: 1 });
    await core.library.addFolder(root);
    await core.library.startWatching();
    execFileSync('mkfifo', [join(root, 'pipe.jpg')]);
    mkdirSync(join(root, 'new'));
    execFileSync('mkfifo', [join(root, 'new', 'pipe2.jpg')]);
    const codeOf = async (path: string) =>
      (await core.library.store.allFiles()).find((r) => r.path === path)?.code ?? undefined;
    const deadline = Date.now() + 20_000;
    let pipe: string | undefined;
    let inFolder: string | undefined;
    while (Date.now() < deadline) {
      await core.library.whenIdle();
      pipe = await codeOf(join(root, 'pipe.jpg'));
      inFolder = await codeOf(join(root, 'new', 'pipe2.jpg'));
      if (pipe && inFolder) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(pipe, 'not-a-file', 'the watcher reports a pipe named like a photo');
    assert.equal(inFolder, 'not-a-file', 'and one inside a folder that appeared');
  } finally {
    await core.close();
    await dir.cleanup();
  }
});
