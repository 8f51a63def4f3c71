// The Models view's "faster version for this computer" (issue 15 item 1): the active model's card offers
// an int8 copy on a computer without a graphics card, 'models.makeFaster' makes it with progress, its card
// says what it trades, and switching to it keeps search working while the library is re-encoded.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createCoreApi } from '../../main/api/core-api.js';
import { dispatch, type CoreApi } from '../../main/api/dispatch.js';
import type { CatalogueModel, ConversionProgress } from '../../main/api/types.js';
import { importModel } from '../../main/models/import-model.js';
import { setActiveModel } from '../../main/models/installed-models.js';
import { TINY } from '../engine/fixtures.js';
import { COLOUR_NAMES, tempDir, writeColourPhoto } from '../tagging/colour-photos.js';

let tmp: { path: string; cleanup(): Promise<void> };
let api: CoreApi;
let photos: string;

async function call<T>(method: string, request: object): Promise<T> {
  const r = await dispatch(api, method, request);
  if (!r.ok) throw new Error(r.body.error.message);
  return r.result as T;
}

before(async () => {
  tmp = await tempDir('make-faster');
  const dataDir = join(tmp.path, 'data');
  photos = join(tmp.path, 'photos');
  for (const [i, c] of COLOUR_NAMES.slice(0, 4).entries())
    await writeColourPhoto(join(photos, `${c}.jpg`), c, { seed: i + 1, width: 64, height: 48 });
  await importModel(join(TINY, 'hf'), { dataDir, id: 'tiny' });
  await setActiveModel(dataDir, 'tiny');
  api = await createCoreApi({ dataDir, device: 'cpu', threads: 1, watch: false, log: () => undefined });
  await call('folders.add', { path: photos });
  await indexed('tiny');
});

/** Waits until the library runs `modelId` and has indexed every photo with it. */
async function indexed(modelId: string): Promise<void> {
  for (let i = 0; i < 1200; i++) {
    const s = await api.handlers['library.status']({});
    if (s.model?.id === modelId && s.photoCount === 4 && s.indexing.phase === 'done') return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the library did not finish indexing with ${modelId}`);
}

after(async () => {
  await api?.close();
  await tmp?.cleanup();
});

test('the model in use offers its int8 copy, makes it with progress and lists it with what it trades', async () => {
  let models = await call<CatalogueModel[]>('models.catalogue', {});
  const tiny = models.find((m) => m.id === 'tiny')!;
  assert.equal(tiny.active, true);
  assert.deepEqual(tiny.fasterVersion, { id: 'tiny-int8', precision: 'int8', installed: false });
  assert.equal(models.find((m) => m.isDemo)!.fasterVersion, undefined, 'nothing to offer for the demo');

  const events: ConversionProgress[] = [];
  const done = new Promise<ConversionProgress>((resolve) => {
    api.subscribe('conversionProgress', (p) => {
      events.push(p);
      if (p.phase !== 'working') resolve(p);
    });
  });
  assert.deepEqual(await call('models.makeFaster', { id: 'tiny' }), { started: true });
  // A second request while it runs is refused in words.
  await assert.rejects(call('models.makeFaster', { id: 'tiny' }), /being made already/);
  const last = await done;
  assert.equal(last.phase, 'done', last.message);
  assert.ok(last.agreement! > 0.99, `agreement ${last.agreement}`);
  const steps = events.filter((e) => e.phase === 'working').map((e) => e.message);
  assert.ok(
    steps.some((m) => /Checking it against the original/.test(m)),
    steps.join(' | '),
  );
  assert.ok(events.every((e) => e.targetId === 'tiny-int8'));

  models = await call<CatalogueModel[]>('models.catalogue', {});
  assert.equal(models.find((m) => m.id === 'tiny')!.fasterVersion?.installed, true);
  const copy = models.find((m) => m.id === 'tiny-int8')!;
  assert.equal(copy.active, false, 'made, not put to use');
  assert.equal(copy.converted?.from, 'tiny');
  assert.equal(copy.converted?.precision, 'int8');
  assert.match(
    copy.description,
    /faster copy of tiny.*processor.*slightly less precise.*agreed at least 99\.\d% with the original/,
  );
  assert.doesNotMatch(copy.description, /int8|quantiz|cosine|embedding/i, 'plain words');
  assert.equal(copy.fasterVersion, undefined, 'a copy is not copied again');
  await assert.rejects(call('models.makeFaster', { id: 'tiny' }), /already installed/);
  await assert.rejects(call('models.makeFaster', { id: 'tiny-int8' }), /no faster version to make/);
});

test('switching to the copy keeps search working, then re-encodes the photos with it', async () => {
  const before = await api.handlers['search.query']({ query: 'red' });
  assert.ok(before.total > 0);
  await call('models.activate', { id: 'tiny-int8' });
  const right = await api.handlers['search.query']({ query: 'red' });
  assert.ok(right.total > 0, 'search answers at once, from the photos indexed so far');
  await indexed('tiny-int8');
  const status = await api.handlers['library.status']({});
  assert.equal(status.device?.provider, 'cpu');
  const after = await api.handlers['search.query']({ query: 'red' });
  assert.equal(after.total, before.total);
  assert.equal(after.items[0]!.path, before.items[0]!.path, 'the same best match');
});
