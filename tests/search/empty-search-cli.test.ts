import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { tempDir, writePhoto } from '../library/photo-fixtures.js';

// `lookbook search` that finds nothing says why (no folders, not indexed, the filters, a word the demo
// model does not know), and filters that cannot match are questioned before the search.

function lookbook(dataDir: string, ...args: string[]) {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'main/cli/cli.ts', '--data-dir', dataDir, ...args],
    { encoding: 'utf8' },
  );
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('an empty search says why, and odd filters are warned about', async () => {
  const dir = await tempDir('empty-cli');
  try {
    const data = join(dir.path, 'data');
    const root = join(dir.path, 'photos');
    await writePhoto({ path: join(root, 'red.jpg'), colour: 'red', seed: 1 });
    await writePhoto({ path: join(root, 'blue.png'), colour: 'blue', seed: 2, format: 'png' });

    const noFolders = lookbook(data, 'search', 'red');
    assert.equal(noFolders.code, 0, noFolders.stderr);
    assert.match(noFolders.stdout, /no folders yet/);
    assert.match(noFolders.stdout, /lookbook folders add/);

    assert.equal(lookbook(data, 'folders', 'add', root).code, 0);
    const notIndexed = lookbook(data, 'search', 'red');
    assert.match(notIndexed.stdout, /No photo in the library folders is indexed yet/);
    assert.match(notIndexed.stdout, /lookbook index/);

    assert.equal(lookbook(data, 'index').code, 0);

    // The demo model knows colours only: "cat" finds nothing, and the word is named.
    const cat = lookbook(data, 'search', 'a', 'cat');
    assert.equal(cat.code, 0, cat.stderr);
    assert.match(cat.stdout, /^No matching photos\./);
    assert.match(cat.stdout, /only knows colours; it does not know “cat”/);
    assert.doesNotMatch(cat.stdout, /“a”/, 'filler words are not blamed');

    // A filter that excludes the red photo: the count it excluded, and a --tag nobody has is questioned.
    const filtered = lookbook(data, 'search', 'red', '--format', 'png', '--tag', 'holidya');
    assert.equal(filtered.code, 0, filtered.stderr);
    assert.match(filtered.stdout, /The filters excluded 1 photo /);
    assert.match(filtered.stderr, /no photo has the tag 'holidya'/);

    // --format takes an extension as people type it: jpg is jpeg.
    const jpg = lookbook(data, 'search', 'red', '--format', 'jpg', '--json');
    assert.equal(jpg.code, 0, jpg.stderr);
    assert.deepEqual(
      jpg.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).path),
      [join(root, 'red.jpg')],
    );
    const unknownFormat = lookbook(data, 'search', 'red', '--format', 'jpgg');
    assert.equal(unknownFormat.code, 1);
    assert.match(unknownFormat.stderr, /unknown format 'jpgg'/);

    // A --folder outside every library folder cannot match: said before the (empty) result.
    const elsewhere = lookbook(data, 'search', 'red', '--folder', join(dir.path, 'elsewhere'));
    assert.equal(elsewhere.code, 0, elsewhere.stderr);
    assert.match(elsewhere.stderr, /is not in any library folder/);
  } finally {
    await dir.cleanup();
  }
});
