// The Library view's "Where the index is kept": through createCoreApi, as the web server and Electron.
// It says where the tables are, saves the setting for the next start (never a credential: there is no
// field for one), and refuses a relative folder with a plain sentence.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCoreApi } from '../../main/api/core-api.js';
import { isUserError } from '../../main/errors.js';
import { tempDir } from '../library/photo-fixtures.js';

test('the store setting: shown, saved for the next start, and checked', async () => {
  const tmp = await tempDir('store-setting');
  const dataDir = join(tmp.path, 'data');
  const api = await createCoreApi({ dataDir, model: 'demo', watch: false, log: () => undefined });
  try {
    const h = api.handlers;
    const now = await h['store.get']({});
    assert.equal(now.kind, 'local');
    assert.equal(now.current, join(dataDir, 'db'));
    assert.equal(now.setting, null);

    const saved = await h['store.set']({ store: 's3://photos/lookbook' });
    assert.equal(saved.setting, 's3://photos/lookbook');
    // Still the local tables until the next start.
    assert.equal(saved.current, join(dataDir, 'db'));
    const settings = JSON.parse(readFileSync(join(dataDir, 'settings.json'), 'utf8')) as { store?: string };
    assert.equal(settings.store, 's3://photos/lookbook');

    await assert.rejects(
      h['store.set']({ store: 'photos/lookbook' }),
      (e) => isUserError(e) && /full path/.test(e.message),
    );
    assert.equal((await h['store.set']({ store: null })).setting, null);
  } finally {
    await api.close();
    await tmp.cleanup();
  }
});
