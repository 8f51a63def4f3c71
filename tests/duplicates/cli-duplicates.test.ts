import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from '../tagging/colour-photos.js';
import { originalPng, writeCopy } from './near-copies.js';

// `lookbook duplicates` as a user runs it: the groups with the copy to keep and why, --json, --folder,
// --album, --threshold, and a clear line for a threshold that is not one.

function lookbook(dataDir: string, ...args: string[]) {
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
    .map(
      (l) => JSON.parse(l) as { kind: string; keeper: string; reason: string; copies: { path: string }[] },
    );

test('duplicates lists near copies and identical files with the keeper and its reason', async () => {
  const dir = await tempDir('cli-duplicates');
  try {
    const root = join(dir.path, 'photos');
    const png = await originalPng('blue', 7);
    const original = join(root, 'trip', 'beach.png');
    await writeCopy(png, 'half', join(root, 'trip'), 'beach');
    await writeFile(original, png);
    const webp = await writeCopy(png, 'webp', join(root, 'phone'), 'beach');
    // Another photo of the same colour, and an identical copy of it elsewhere.
    const other = join(root, 'trip', 'sea.png');
    await writeFile(other, await originalPng('blue', 8));
    const otherCopy = join(root, 'backup', 'sea.png');
    await mkdir(join(root, 'backup'));
    await copyFile(other, otherCopy);
    const data = join(dir.path, 'data');
    assert.equal(lookbook(data, 'folders', 'add', root).code, 0);
    assert.equal(lookbook(data, 'index').code, 0);

    const listed = lookbook(data, 'duplicates');
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /keep +.*beach\.png/);
    assert.match(listed.stdout, /kept: 800×600 PNG; the others are smaller re-encodes\n/);
    assert.match(listed.stdout, /identical files/);

    const groups = jsonLines(lookbook(data, 'duplicates', 'list', '--json').stdout);
    const similar = groups.filter((g) => g.kind === 'similar');
    const beach = similar.find((g) => g.keeper === original);
    assert.ok(beach, 'the original is the keeper of its group');
    assert.deepEqual(
      beach.copies.map((c) => c.path).sort(),
      [original, join(root, 'trip', 'beach-half.jpg'), webp].sort(),
    );
    assert.ok(!beach.copies.some((c) => c.path.includes('sea')), 'another photo of the colour is not a copy');
    const exact = groups.find((g) => g.kind === 'exact');
    assert.deepEqual(exact?.copies.map((c) => c.path).sort(), [otherCopy, other].sort());

    const inPhone = jsonLines(lookbook(data, 'duplicates', '--folder', join(root, 'trip'), '--json').stdout);
    assert.ok(inPhone.every((g) => g.copies.every((c) => c.path.startsWith(join(root, 'trip')))));
    assert.equal(
      inPhone.find((g) => g.keeper === original)?.copies.length,
      2,
      'the WebP copy is outside the folder',
    );

    assert.equal(lookbook(data, 'albums', 'create', 'Sea', other).code, 0);
    const inAlbum = jsonLines(lookbook(data, 'duplicates', '--album', 'Sea', '--json').stdout);
    assert.deepEqual(
      inAlbum.map((g) => g.kind),
      ['exact'],
      'only the album’s photo, with both its paths',
    );

    const bad = lookbook(data, 'duplicates', '--threshold', 'very');
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /--threshold is strict, normal, loose or a similarity from 0 to 1/);
    assert.doesNotMatch(bad.stderr, /at .*\.ts:\d+/, 'no stack trace');
    assert.equal(lookbook(data, 'duplicates', '--threshold', '0.99', '--json').code, 0);
  } finally {
    await dir.cleanup();
  }
});
