import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { tempDir, writePhoto } from './photo-fixtures.js';

// The `lookbook` commands of the library, run as a user runs them.

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

test('folders add, index, search --json, similar, status', async () => {
  const dir = await tempDir('cli');
  try {
    const root = join(dir.path, 'photos');
    await writePhoto({ path: join(root, 'red.jpg'), colour: 'red', seed: 1, mtime: new Date('2020-05-01') });
    await writePhoto({ path: join(root, 'sub', 'red2.png'), colour: 'red', seed: 2, format: 'png' });
    await writePhoto({ path: join(root, 'blue.jpg'), colour: 'blue', seed: 3 });
    const data = join(dir.path, 'data');

    const added = lookbook(data, 'folders', 'add', root);
    assert.equal(added.code, 0, added.stderr);
    assert.match(added.stdout, /photos/);
    const listed = lookbook(data, 'folders', 'list', '--json');
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual(
      listed.stdout
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l).path),
      [root],
      'a listing prints one JSON object per line',
    );
    const missing = lookbook(data, 'folders', 'add', join(dir.path, 'nope'));
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /does not exist/);

    const indexed = lookbook(data, 'index');
    assert.equal(indexed.code, 0, indexed.stderr);
    assert.match(indexed.stdout, /Indexed: 3 new/);
    const again = lookbook(data, 'index');
    assert.equal(again.stdout, 'Up to date: 3 photos.\n', 'a run with nothing to do says so in one line');

    const found = lookbook(data, 'search', 'red', '--json');
    assert.equal(found.code, 0, found.stderr);
    const lines = found.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(lines.map((l) => l.path).sort(), [join(root, 'red.jpg'), join(root, 'sub', 'red2.png')]);
    for (const l of lines) {
      assert.equal(typeof l.score, 'number');
      assert.ok(l.width > 0 && l.format && l.takenAt);
    }
    const dated = lookbook(data, 'search', 'red', '--json', '--before', '2021-01-01');
    assert.deepEqual(
      dated.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).path),
      [join(root, 'red.jpg')],
    );

    const similar = lookbook(data, 'similar', join(root, 'red.jpg'));
    assert.equal(similar.code, 0, similar.stderr);
    assert.match(similar.stdout, /red2\.png/);
    assert.doesNotMatch(similar.stdout, /blue/);
    // By the short id `pairs list` prints (the first 12 hex digits), as with git.
    const red = lines.find((l) => l.path === join(root, 'red.jpg'))!;
    const byShortId = lookbook(data, 'similar', red.contentId.slice(0, 12));
    assert.equal(byShortId.code, 0, byShortId.stderr);
    assert.equal(byShortId.stdout, similar.stdout);
    const unknownId = lookbook(data, 'similar', '0123456789ab');
    assert.equal(unknownId.code, 1);
    assert.match(unknownId.stderr, /neither a library photo nor an image file/);

    const noPage = lookbook(data, 'search', 'red', '--limit', '0');
    assert.equal(noPage.code, 1, 'a page of no results is a mistake, not "No matching photos"');
    assert.match(noPage.stderr, /--limit must be a whole number from 1/);

    const status = lookbook(data, 'status');
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /Photos: 3/);
    assert.match(status.stdout, /demo model: it only knows colours; `lookbook models pull …` for a real one/);
    assert.match(status.stdout, /on cpu/);
  } finally {
    await dir.cleanup();
  }
});
