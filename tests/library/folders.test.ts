import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
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
