import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir, writePhoto } from '../library/photo-fixtures.js';

// Found by QA: `export-features DATASET --out F` failed with "required option '--from'" although the path
// says what it is, and an --out in a missing folder (or --from tsv on a folder) ended in "unexpected
// error: ENOENT/EISDIR" after the model had loaded.

const lookbook = (dataDir: string, ...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'main/cli/cli.ts', '--data-dir', dataDir, ...args], {
    encoding: 'utf8',
  });

test('export-features infers --from from the path and reports a bad --out clearly', async () => {
  const dir = await tempDir('export-cli');
  try {
    const dataset = join(dir.path, 'classes');
    await writePhoto({ path: join(dataset, 'red', 'a.jpg'), colour: 'red', size: 16 });
    await writePhoto({ path: join(dataset, 'blue', 'b.jpg'), colour: 'blue', seed: 1, size: 16 });
    const dataDir = join(dir.path, 'data');

    const out = join(dir.path, 'features.tsv');
    const ok = lookbook(dataDir, 'export-features', dataset, '--out', out);
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal(readFileSync(out, 'utf8').trim().split('\n').length, 3, 'a header and one row per image');

    const missing = lookbook(dataDir, 'export-features', dataset, '--out', join(dir.path, 'nope', 'f.tsv'));
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /--out: the folder .*nope does not exist/);
    assert.doesNotMatch(missing.stderr, /unexpected error/);

    const wrongKind = lookbook(dataDir, 'export-features', dataset, '--from', 'tsv', '--out', out);
    assert.equal(wrongKind.status, 1);
    assert.match(wrongKind.stderr, /is a folder: a TSV dataset is a file/);
    assert.ok(existsSync(out));
  } finally {
    await dir.cleanup();
  }
});
