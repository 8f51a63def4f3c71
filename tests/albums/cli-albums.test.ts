import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir, writePhoto } from '../library/photo-fixtures.js';

// The `lookbook albums` commands and `search --album`, run as a user runs them.

function lookbook(
  dataDir: string,
  ...args: string[]
): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'main/cli/cli.ts', '--data-dir', dataDir, ...args],
    {
      encoding: 'utf8',
    },
  );
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const jsonLines = (text: string) =>
  text
    .trim()
    .split('\n')
    .filter((l) => l)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

test('albums create, list, show, add, remove, rename, export, delete, and search --album', async () => {
  const dir = await tempDir('cli-albums');
  try {
    const root = join(dir.path, 'photos');
    const red1 = await writePhoto({
      path: join(root, 'red1.jpg'),
      colour: 'red',
      seed: 1,
      exifDate: '2022:05:01 10:00:00',
    });
    const red2 = await writePhoto({
      path: join(root, 'red2.jpg'),
      colour: 'red',
      seed: 2,
      exifDate: '2020:05:01 10:00:00',
    });
    const blue = await writePhoto({ path: join(root, 'blue.jpg'), colour: 'blue', seed: 3 });
    const data = join(dir.path, 'data');
    assert.equal(lookbook(data, 'folders', 'add', root).code, 0);
    assert.equal(lookbook(data, 'index').code, 0);

    const empty = lookbook(data, 'albums', 'list');
    assert.equal(empty.code, 0, empty.stderr);
    assert.match(empty.stdout, /No albums yet/);

    const created = lookbook(data, 'albums', 'create', 'Best of', blue, red1);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /Created album Best of {2}\(2 photos\)/);
    const smart = lookbook(
      data,
      'albums',
      'create',
      'Red 2022',
      '--smart',
      'red',
      '--from',
      '2022-01-01',
      '--to',
      '2022-12-31',
    );
    assert.equal(smart.code, 0, smart.stderr);
    assert.match(smart.stdout, /smart album Red 2022 {2}\(1 photo, smart: 'red', 2022-01-01 to 2022-12-31\)/);

    const listed = jsonLines(lookbook(data, 'albums', 'list', '--json').stdout);
    assert.deepEqual(
      listed.map((a) => [a.name, a.kind, a.count, a.cover]),
      [
        ['Best of', 'manual', 2, blue],
        ['Red 2022', 'smart', 1, red1],
      ],
    );

    const shown = lookbook(data, 'albums', 'show', 'best of');
    assert.equal(shown.code, 0, shown.stderr);
    assert.deepEqual(
      shown.stdout
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => l.split('  ')[0]),
      [blue, red1],
      'album order',
    );
    const smartShown = jsonLines(lookbook(data, 'albums', 'show', 'Red 2022', '--json').stdout);
    assert.deepEqual(
      smartShown.map((p) => p.path),
      [red1],
    );

    const added = lookbook(data, 'albums', 'add', 'Best of', red2);
    assert.equal(added.code, 0, added.stderr);
    assert.match(added.stdout, /Added 1 photo to Best of {2}\(3 photos\)/);
    const outside = await writePhoto({ path: join(dir.path, 'outside.jpg'), colour: 'green', seed: 4 });
    const refused = lookbook(data, 'albums', 'add', 'Best of', outside);
    assert.equal(refused.code, 1);
    assert.equal(
      refused.stderr.trim(),
      `lookbook: ${outside} is not a photo in the library.`,
      'one clear line, no stack',
    );
    const noAlbum = lookbook(data, 'albums', 'show', 'Nope');
    assert.equal(noAlbum.code, 1);
    assert.match(noAlbum.stderr, /There is no album 'Nope'/);

    const inAlbum = jsonLines(lookbook(data, 'search', 'red', '--album', 'Best of', '--json').stdout);
    assert.deepEqual(inAlbum.map((p) => p.path).sort(), [red1, red2]);
    const browse = lookbook(data, 'search', 'red', '--album', 'Red 2022', '--json');
    assert.deepEqual(
      jsonLines(browse.stdout).map((p) => p.path),
      [red1],
    );

    const removed = lookbook(data, 'albums', 'remove', 'Best of', red1);
    assert.match(removed.stdout, /Removed 1 photo from Best of {2}\(2 photos\)/);
    const renamed = lookbook(data, 'albums', 'rename', 'Best of', 'Keepers 🌟');
    assert.equal(renamed.code, 0, renamed.stderr);
    const dup = lookbook(data, 'albums', 'create', 'keepers 🌟');
    assert.equal(dup.code, 1);
    assert.match(dup.stderr, /already an album named 'Keepers 🌟'/);

    const dest = join(dir.path, 'export');
    const exported = lookbook(data, 'albums', 'export', 'Keepers 🌟', dest, '--json');
    assert.equal(exported.code, 0, exported.stderr);
    const report = JSON.parse(exported.stdout) as { copied: Array<{ from: string; to: string }> };
    assert.deepEqual(
      report.copied.map((c) => c.to),
      [join(dest, 'blue.jpg'), join(dest, 'red2.jpg')],
    );
    assert.deepEqual(await readFile(join(dest, 'blue.jpg')), await readFile(blue));
    const twice = lookbook(data, 'albums', 'export', 'Keepers 🌟', dest);
    assert.match(
      twice.stdout,
      /Copied 2 photos into .*\n {2}.*blue\.jpg → .*blue \(2\)\.jpg \(that name was taken\)/,
    );

    const deleted = lookbook(data, 'albums', 'delete', 'Keepers 🌟');
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.match(deleted.stdout, /its photos are still in the library/);
    assert.deepEqual(
      jsonLines(lookbook(data, 'albums', 'list', '--json').stdout).map((a) => a.name),
      ['Red 2022'],
    );
    assert.equal(
      jsonLines(lookbook(data, 'search', 'red', '--json').stdout).length,
      2,
      'the photos are all still there',
    );
  } finally {
    await dir.cleanup();
  }
});
