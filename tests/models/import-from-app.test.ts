// Importing a model from the app ('models.import', issue 12 item 3): the same checks as
// `lookbook models import`, refusals in the app's words, and the size written the same way as the CLI's.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { createCoreApi } from '../../main/api/core-api.js';
import type { CoreApi } from '../../main/api/dispatch.js';
import { dispatch } from '../../main/api/dispatch.js';
import type { CatalogueModel } from '../../main/api/types.js';
import { formatBytes } from '../../main/format-bytes.js';

// The Immich-layout copy of the tiny test model; installed under its folder's name.
const FIXTURE = resolve('../shared/fixtures/clip-tiny-a/immich');
const run = promisify(execFile);

describe('models.import', () => {
  let tmp: string;
  let dataDir: string;
  let api: CoreApi;

  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'lookbook-app-import-'));
    dataDir = join(tmp, 'data');
    api = await createCoreApi({ dataDir, model: 'demo', watch: false, log: () => undefined });
  });

  after(async () => {
    await api?.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('installs a model folder after a test inference, and lists it (not in use yet)', async () => {
    const r = await dispatch(api, 'models.import', { path: `"${FIXTURE}"` });
    assert.ok(r.ok, r.ok ? '' : r.body.error.message);
    const { id, models } = r.result as { id: string; models: CatalogueModel[] };
    assert.equal(id, 'immich');
    const imported = models.find((m) => m.id === 'immich');
    assert.ok(imported?.installed);
    assert.equal(imported.active, false, 'importing does not switch models');
    assert.ok(imported.sizeBytes && imported.sizeBytes > 0);

    // The CLI writes the same size for it as the app (one formatter, main/format-bytes.ts).
    const list = await run(process.execPath, [
      '--import',
      'tsx',
      'main/cli/cli.ts',
      '--data-dir',
      dataDir,
      'models',
      'list',
    ]);
    const row = list.stdout.split('\n').find((line) => /\simmich\s/.test(line));
    assert.ok(
      row?.includes(formatBytes(imported.sizeBytes)),
      `${row} shows ${formatBytes(imported.sizeBytes)}`,
    );
  });

  it('refuses, in words, a second copy, a folder that is not a model, and paths it cannot use', async () => {
    const notModel = join(tmp, 'holiday-photos');
    await mkdir(notModel);
    await writeFile(join(notModel, 'a.txt'), 'not a model');
    const cases: Array<[string, RegExp]> = [
      [FIXTURE, /A model named “immich” is already installed/],
      [notModel, /holiday-photos/],
      [join(tmp, 'nowhere'), /does not exist/],
      ['immich', /not a full path/],
    ];
    for (const [path, reason] of cases) {
      const r = await dispatch(api, 'models.import', { path });
      assert.equal(r.ok, false, path);
      if (!r.ok) {
        assert.match(r.body.error.message, reason, path);
        assert.doesNotMatch(r.body.error.message, /--force|--id|\n\s+at /, 'no CLI flags, no stack');
      }
    }
  });
});
