import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../tagging/colour-photos.js';
import { originalPng, writeCopy } from './near-copies.js';

// `lookbook duplicates resolve|undo` and `lookbook trash …`, run as a user runs them.

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

const exists = (p: string) =>
  stat(p).then(
    () => true,
    () => false,
  );

test('duplicates resolve --dry-run moves nothing; resolve prints what moved where; undo puts it back; trash empty asks first', async () => {
  const dir = await tempDir('cli-trash');
  try {
    const root = join(dir.path, 'photos');
    const png = await originalPng('green', 3);
    const original = join(root, 'green.png');
    const half = await writeCopy(png, 'half', root, 'green');
    await writeFile(original, png);
    const halfBytes = await readFile(half);
    const data = join(dir.path, 'data');
    assert.equal(lookbook(data, 'folders', 'add', root).code, 0);
    assert.equal(lookbook(data, 'index').code, 0);

    const dry = lookbook(data, 'duplicates', 'resolve', '--dry-run');
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /Would move 1 copy to the trash \(a dry run: nothing moved\):/);
    assert.ok(dry.stdout.includes(half));
    assert.ok(await exists(half), 'a dry run moves nothing');

    const bad = lookbook(data, 'duplicates', 'resolve', '--threshold', 'very');
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /--threshold is strict, normal, loose or a similarity/);
    assert.doesNotMatch(bad.stderr, /\n\s+at /, 'no stack trace');

    const done = lookbook(data, 'duplicates', 'resolve');
    assert.equal(done.code, 0, done.stderr);
    assert.match(done.stdout, /Moved 1 copy to the trash:/);
    assert.ok(done.stdout.includes(`${half}  →  ${join(data, 'trash', 'files')}`));
    assert.match(done.stdout, /lookbook duplicates undo [0-9a-f-]{36}/);
    assert.equal(await exists(half), false);
    assert.ok(await exists(original), 'the original is kept');

    const list = lookbook(data, 'trash', 'list');
    assert.ok(list.stdout.startsWith(`${half}  (`), list.stdout);

    const undo = lookbook(data, 'duplicates', 'undo');
    assert.equal(undo.code, 0, undo.stderr);
    assert.match(undo.stdout, /Put back 1 file:/);
    assert.deepEqual(await readFile(half), halfBytes, 'byte for byte');
    assert.match(lookbook(data, 'trash', 'list').stdout, /The trash is empty\./);

    assert.equal(lookbook(data, 'duplicates', 'resolve').code, 0);
    const ask = lookbook(data, 'trash', 'empty');
    assert.match(ask.stdout, /This would delete 1 file .* for good:[\s\S]*--yes/);
    assert.equal(
      lookbook(data, 'trash', 'list').stdout.includes(half),
      true,
      'nothing deleted without --yes',
    );
    const emptied = lookbook(data, 'trash', 'empty', '--yes');
    assert.match(emptied.stdout, /Deleted 1 file, .* freed\./);
    assert.match(lookbook(data, 'trash', 'list').stdout, /The trash is empty\./);
    const nothing = lookbook(data, 'duplicates', 'undo');
    assert.notEqual(nothing.code, 0);
    assert.match(nothing.stderr, /nothing to undo/i);
  } finally {
    await dir.cleanup();
  }
});
