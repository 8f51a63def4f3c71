import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isUserError } from '../../main/errors.js';
import { defaultDataDir, resolveDataDir } from '../../main/host/data-dir.js';
import { openCore } from '../../main/core/open-core.js';
import { tempDir } from './photo-fixtures.js';

// Found by QA: `--data-dir FILE` printed "unexpected error: EEXIST … mkdir", and `--data-dir ""` (an unset
// shell variable) silently opened the default library in the user's home instead.

const badDataDir = (e: unknown) => {
  assert.ok(isUserError(e), `a UserError, got ${String(e)}`);
  assert.equal(e.code, 'bad-data-dir');
  return true;
};

test('a data directory that is a file, or under a file, is refused with a clear reason', async () => {
  const dir = await tempDir('datadir');
  try {
    const file = join(dir.path, 'library');
    await writeFile(file, 'not a folder');
    await assert.rejects(openCore({ dataDir: file }), (e: unknown) => {
      badDataDir(e);
      assert.match((e as Error).message, /library as the data directory: .*is a file, not a folder/);
      return true;
    });
    await assert.rejects(openCore({ dataDir: join(file, 'sub') }), badDataDir);
  } finally {
    await dir.cleanup();
  }
});

test('an empty --data-dir is an error, not the default library', () => {
  assert.throws(() => resolveDataDir('', {}), badDataDir);
  assert.throws(() => resolveDataDir('  ', {}), badDataDir);
  // An empty environment variable still means "not set".
  assert.equal(resolveDataDir(undefined, { LOOKBOOK_DATA_DIR: '' }), defaultDataDir({}));
  assert.equal(resolveDataDir(undefined, { LOOKBOOK_DATA_DIR: '/x/y' }), '/x/y');
});
