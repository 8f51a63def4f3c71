import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { createExclusionMatcher } from '../../main/library/exclusions.js';
import { readSettings, updateSettings } from '../../main/host/settings.js';
import { scanFolder } from '../../main/library/scanner.js';
import { tempDir } from './photo-fixtures.js';

test('default and user exclusions', () => {
  const isExcluded = createExclusionMatcher({
    root: '/photos',
    excluded: ['/photos/private'],
    patterns: ['*.tmp', 'drafts/**', 'Raw?'],
  });
  for (const p of [
    '/photos/.git/x.jpg',
    '/photos/a/node_modules/x.jpg',
    '/photos/@eaDir/x.jpg',
    '/photos/$RECYCLE.BIN/x.jpg',
    '/photos/.Trash-1000/x.jpg',
    '/photos/._x.jpg',
    '/photos/private',
    '/photos/private/x.jpg',
    '/photos/a/b.tmp',
    '/photos/drafts/x.jpg',
    '/photos/Raw1/x.jpg',
    '/elsewhere/x.jpg',
  ]) {
    assert.ok(isExcluded(p), p);
  }
  for (const p of [
    '/photos',
    '/photos/a/x.jpg',
    '/photos/privateer/x.jpg',
    '/photos/a/drafts/x.jpg',
    '/photos/Raw12/x.jpg',
  ]) {
    assert.ok(!isExcluded(p), p);
  }
});

test('the scanner finds the same files, sizes and problems whether it asks synchronously or in parallel', async () => {
  const dir = await tempDir('scan-modes');
  try {
    // More entries than one batch (64), so that a walk switched to parallel stats uses them.
    await mkdir(join(dir.path, 'many'));
    for (let i = 0; i < 150; i++) await writeFile(join(dir.path, 'many', `p${i}.jpg`), 'x'.repeat(i));
    await symlink(join(dir.path, 'many', 'p7.jpg'), join(dir.path, 'many', 'link.jpg'));
    await symlink(join(dir.path, 'gone.jpg'), join(dir.path, 'many', 'dangling.jpg'));
    const isExcluded = createExclusionMatcher({ root: dir.path, excluded: [], patterns: [] });
    const fast = await scanFolder(dir.path, isExcluded);
    // A stat "slower" than 0 ms: the walk switches to parallel stats after its first batch.
    const parallel = await scanFolder(dir.path, isExcluded, () => false, { slowStatMs: 0 });
    assert.equal(fast.files.length, 151, 'every photo and the link to one');
    assert.equal(fast.files.find((f) => f.path.endsWith(`${sep}p42.jpg`))?.size, 42);
    assert.deepEqual(
      fast.problems.map((p) => p.code),
      ['missing'],
      'the dangling link is a problem of its own',
    );
    assert.deepEqual(parallel, fast);
  } finally {
    await dir.cleanup();
  }
});

test('settings keep keys other areas own', async () => {
  const dir = await tempDir('settings');
  try {
    await writeFile(join(dir.path, 'settings.json'), JSON.stringify({ activeModel: 'm', tagging: { x: 1 } }));
    updateSettings(dir.path, (s) => {
      s.folders = [{ path: '/p' }];
    });
    const back = JSON.parse(await readFile(join(dir.path, 'settings.json'), 'utf8'));
    assert.deepEqual(back, { activeModel: 'm', tagging: { x: 1 }, folders: [{ path: '/p' }] });
    await writeFile(join(dir.path, 'settings.json'), '{ broken');
    assert.throws(() => readSettings(dir.path), /not valid JSON/);
  } finally {
    await dir.cleanup();
  }
});

test('the scanner lists files under subfolders, skipping exclusions; a missing root is reported', async () => {
  const dir = await tempDir('scan');
  try {
    await mkdir(join(dir.path, 'a', 'b'), { recursive: true });
    await mkdir(join(dir.path, '.git'));
    await writeFile(join(dir.path, 'a', 'b', 'x.jpg'), 'x');
    await writeFile(join(dir.path, '.git', 'y.jpg'), 'y');
    await mkdir(join(dir.path, 'empty'));
    const isExcluded = createExclusionMatcher({ root: dir.path, excluded: [], patterns: [] });
    const result = await scanFolder(dir.path, isExcluded);
    assert.deepEqual(
      result.files.map((f) => f.path),
      [join(dir.path, 'a', 'b', 'x.jpg')],
    );
    assert.equal(result.rootExists, true);
    assert.equal((await scanFolder(join(dir.path, 'nope'), isExcluded)).rootExists, false);
  } finally {
    await dir.cleanup();
  }
});
