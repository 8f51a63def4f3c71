import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveModelDir } from '../../main/models/resolve-model.js';
import { readModelFolder } from '../../main/engine/model-folder.js';
import { TINY } from './fixtures.js';

const dataDir = await mkdtemp(join(tmpdir(), 'lookbook-resolve-'));
after(() => rm(dataDir, { recursive: true, force: true }));

test('a folder path resolves to itself, named after the folder', async () => {
  const r = await resolveModelDir(join(TINY, 'immich'), dataDir);
  assert.deepEqual(r, { dir: join(TINY, 'immich'), id: 'immich', isDemo: false });
  await assert.rejects(
    resolveModelDir(join(dataDir, 'no', 'such'), dataDir),
    /model folder .* does not exist/,
  );
});

test('an installed id resolves inside the data directory; an unknown one says how to list models', async () => {
  await mkdir(join(dataDir, 'models'), { recursive: true });
  await cp(join(TINY, 'hf'), join(dataDir, 'models', 'tiny-hf'), { recursive: true });
  assert.deepEqual(await resolveModelDir('tiny-hf', dataDir), {
    dir: join(dataDir, 'models', 'tiny-hf'),
    id: 'tiny-hf',
    isDemo: false,
  });
  await assert.rejects(resolveModelDir('ViT-nope', dataDir), (e: Error) => {
    return (
      e.name === 'UserError' && e.message === 'model ViT-nope is not installed (see `lookbook models list`)'
    );
  });
});

test("'demo' generates the demo model in the data directory and is marked as the demo", async () => {
  const r = await resolveModelDir('demo', dataDir);
  assert.equal(r.id, 'demo');
  assert.equal(r.isDemo, true);
  assert.equal(r.dir, join(dataDir, 'models', 'demo'));
  const folder = await readModelFolder(r.dir, r.id);
  assert.equal(folder.info.isDemo, true);
  // Loaded by path, the folder is still recognized as the demo from its config.
  assert.equal((await resolveModelDir(r.dir, dataDir)).isDemo, true);
});
