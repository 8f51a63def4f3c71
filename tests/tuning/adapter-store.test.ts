import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAdapterStore } from '../../main/adapters/adapter-store.js';
import { identityAdapter } from '../../main/adapters/adapter.js';
import type { Adapter } from '../../main/adapters/adapter.js';

async function tempDataDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'lookbook-adapters-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const adapter = (seed: number): Adapter => ({
  ...identityAdapter('ViT-B-32__openai', 2),
  text: Float32Array.from([seed, 0, 0, seed / 2]),
});

test('versions are saved as v1, v2, …; activate, rollback and "none" work and persist', async (t) => {
  const dataDir = await tempDataDir(t);
  const store = createAdapterStore(dataDir, 'ViT-B-32__openai');
  assert.equal(await store.active(), null);
  assert.deepEqual(await store.list(), []);

  assert.equal(await store.save(adapter(1), { activate: true }), 1);
  assert.equal(await store.save(adapter(2)), 2);
  assert.equal(await store.save(adapter(3), { activate: true }), 3);
  assert.deepEqual((await readdir(join(dataDir, 'adapters', 'ViT-B-32__openai'))).sort(), [
    'active.json',
    'v1.json',
    'v2.json',
    'v3.json',
  ]);
  const active = await store.active();
  assert.equal(active?.version, 3);
  assert.deepEqual(active?.adapter.text, adapter(3).text);
  assert.deepEqual(
    (await store.list()).map((v) => [v.version, v.active]),
    [
      [1, false],
      [2, false],
      [3, true],
    ],
  );

  // A new store object (another process, a restart) sees the same state.
  const again = createAdapterStore(dataDir, 'ViT-B-32__openai');
  assert.equal(await again.rollback(), 1);
  assert.equal((await again.active())?.version, 1);
  await again.activate(null); // back to the zero-shot model
  assert.equal(await again.active(), null);
  assert.equal(await again.rollback(), 1);
  assert.equal(await again.rollback(), null); // before v1 nothing was active
  await assert.rejects(again.rollback(), /nothing to roll back to/);
  await assert.rejects(again.activate(9), /no adapter version 9/);
});

test('a corrupt version file is reported by name; other models and bad ids are kept apart', async (t) => {
  const dataDir = await tempDataDir(t);
  const store = createAdapterStore(dataDir, 'ViT-B-32__openai');
  await store.save(adapter(1));
  await writeFile(
    join(dataDir, 'adapters', 'ViT-B-32__openai', 'v2.json'),
    '{"format": "lookbook-adapter", "formatVersion"',
  );
  await assert.rejects(store.load(2), /adapter v2 of ViT-B-32__openai is unreadable/);
  assert.deepEqual((await store.load(1)).text, adapter(1).text);
  const listed = await store.list();
  assert.equal(listed.length, 2);
  assert.equal(listed[0]!.error, undefined);
  assert.match(listed[1]!.error ?? '', /v2 of ViT-B-32__openai is unreadable/);
  await assert.rejects(
    createAdapterStore(dataDir, 'other').save(adapter(1)),
    /trained for ViT-B-32__openai, not other/,
  );
  assert.throws(() => createAdapterStore(dataDir, '../escape'), /cannot name an adapters folder/);
});
