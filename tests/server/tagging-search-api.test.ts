// What the app gets through the API for items of "first use without friction": the default vocabulary
// (the CLI's), the warning for one the model cannot score and the refusal without `anyway`, undoing a
// tagging run, and why a search found nothing. Through createCoreApi, as the web server and Electron.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createCoreApi } from '../../main/api/core-api.js';
import type { CoreApi } from '../../main/api/dispatch.js';
import type { TaggingProgress } from '../../main/api/types.js';
import { tempDir, writeColourPhoto } from '../tagging/colour-photos.js';

let tmp: { path: string; cleanup(): Promise<void> };
let api: CoreApi;

before(async () => {
  tmp = await tempDir('tagging-api');
  api = await createCoreApi({
    dataDir: join(tmp.path, 'data'),
    model: 'demo',
    watch: false,
    log: () => undefined,
  });
});

after(async () => {
  await api?.close();
  await tmp?.cleanup();
});

test('search says why it found nothing; tagging defaults, warns, and undoes', async () => {
  const h = api.handlers;
  // No folders yet.
  const empty = await h['search.query']({ query: 'red' });
  assert.deepEqual(
    empty.emptyReasons?.map((r) => r.kind),
    ['no-folders'],
  );

  const photos = join(tmp.path, 'photos');
  await writeColourPhoto(join(photos, 'red.jpg'), 'red', { seed: 1 });
  await writeColourPhoto(join(photos, 'blue.jpg'), 'blue', { seed: 2 });
  await h['folders.add']({ path: photos });
  await h['indexing.start']({});
  for (let i = 0; i < 600 && (await h['library.status']({})).photoCount < 2; i++)
    await new Promise((r) => setTimeout(r, 100));

  const cat = await h['search.query']({ query: 'cat' });
  assert.equal(cat.total, 0);
  const unknown = cat.emptyReasons?.find((r) => r.kind === 'unknown-words');
  assert.ok(unknown && unknown.kind === 'unknown-words');
  assert.deepEqual(unknown.words, ['cat']);
  const filtered = await h['search.query']({ query: 'red', filters: { formats: ['png'] } });
  assert.equal(filtered.emptyReasons?.find((r) => r.kind === 'filtered')?.message.includes('1 photo'), true);

  // The default vocabulary is the core's (the one `lookbook tag` uses): colours with the demo model.
  const vocabularies = await h['vocabularies.list']({});
  assert.deepEqual(
    vocabularies.filter((v) => v.isDefault).map((v) => v.id),
    ['colours'],
  );
  assert.equal(vocabularies.find((v) => v.id === 'colours')?.warning, undefined);
  assert.match(vocabularies.find((v) => v.id === 'everyday')?.warning ?? '', /only tells colours apart/);
  await assert.rejects(h['tagging.autoTag']({ vocabularyId: 'everyday' }), /only tells colours apart/);

  // A run, then its undo: the suggestions it made are gone.
  const done = new Promise<TaggingProgress>((resolve) => {
    const off = api.subscribe('taggingProgress', (p) => {
      if (p.phase === 'done' || p.phase === 'error') {
        off();
        resolve(p);
      }
    });
  });
  const { runId } = await h['tagging.autoTag']({ vocabularyId: 'colours' });
  const finished = await done;
  assert.equal(finished.phase, 'done');
  assert.ok(finished.tagsAdded >= 2);
  const last = await h['tagging.lastRun']({});
  assert.equal(last?.runId, runId);
  assert.ok((await h['tags.facets']({})).length >= 2);
  const undone = await h['tagging.undo']({ runId });
  assert.equal(undone.removed, finished.tagsAdded);
  assert.deepEqual(await h['tags.facets']({}), []);
  assert.equal(await h['tagging.lastRun']({}), null);
});
