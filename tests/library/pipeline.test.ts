import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { openCore } from '../../main/core/open-core.js';
import { isUserError } from '../../main/errors.js';
import { AsyncQueue } from '../../main/library/async-queue.js';
import type { IndexingProgress } from '../../main/library/types.js';
import { TINY } from '../engine/fixtures.js';
import { tempDir, writePhoto, type Colour } from './photo-fixtures.js';

test('the queue applies backpressure: a push waits while the queue is full', async () => {
  const q = new AsyncQueue<number>(2);
  await q.push(1);
  await q.push(2);
  let third = false;
  const pushing = q.push(3).then(() => (third = true));
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(third, false);
  assert.deepEqual(await q.takeBatch(5), [1, 2]);
  await pushing;
  assert.equal(third, true);
  q.close();
  assert.deepEqual(await q.takeBatch(5), [3]);
  assert.equal(await q.takeBatch(5), undefined);
});

test('indexing batches images, reports progress as plain JSON, and pauses and resumes', async () => {
  const dir = await tempDir('pipeline');
  const COLOURS: Colour[] = ['red', 'green', 'blue', 'yellow'];
  const COUNT = 24;
  try {
    const root = join(dir.path, 'photos');
    for (let i = 0; i < COUNT; i++)
      await writePhoto({ path: join(root, `p${i}.jpg`), colour: COLOURS[i % 4]!, seed: i, size: 16 });
    // Files beside the photos that are not photos: recorded, but not counted as photos in the progress.
    await writeFile(join(root, 'notes.txt'), 'shopping list');
    await writeFile(join(root, 'p0.jpg.xmp'), '<x:xmpmeta xmlns:x="adobe:ns:meta/"/>');
    const core = await openCore({
      dataDir: join(dir.path, 'data'),
      library: { batchSize: 4, decodeConcurrency: 2 },
    });
    const library = core.library;
    try {
      await library.addFolder(root);
      const events: IndexingProgress[] = [];
      let pausedAt = -1;
      let doneWhilePaused = -1;
      library.onProgress((p) => {
        events.push(JSON.parse(JSON.stringify(p)));
        if (pausedAt < 0 && p.phase === 'indexing' && p.done >= 4) {
          library.pause();
          pausedAt = p.done;
          setTimeout(() => {
            doneWhilePaused = events.at(-1)!.done;
            library.resume();
          }, 1500);
        }
      });
      const stats = await library.index();
      assert.equal(stats.encoded, COUNT);
      assert.equal(stats.skipped, 2, 'the two files that are not photos');
      assert.ok(stats.engineCalls < COUNT, `batched: ${stats.engineCalls} model calls for ${COUNT} images`);
      assert.ok(stats.imagesPerSecond > 0 && stats.modelImagesPerSecond > 0);
      assert.ok(pausedAt >= 4);
      // Work already decoded may finish; nothing new starts while paused.
      assert.ok(
        doneWhilePaused <= pausedAt + 4,
        `paused at ${pausedAt}, ${doneWhilePaused} done while paused`,
      );
      assert.ok(events.some((e) => e.phase === 'paused'));
      assert.equal(events[0]!.phase, 'scanning');
      const last = events.at(-1)!;
      assert.equal(last.phase, 'done');
      assert.equal(events.filter((e) => e.phase === 'done').length, 1, "one 'done' per run");
      assert.equal(last.done, COUNT);
      assert.equal(last.total, COUNT, 'the progress counts photos, not every file');
      assert.ok(events.every((e) => e.total <= COUNT));
      assert.ok(events.filter((e) => e.phase === 'indexing').every((e) => e.queued === e.total - e.done));
      assert.ok(events.some((e) => e.etaSeconds !== null && e.etaSeconds > 0));
    } finally {
      await core.close();
    }
  } finally {
    await dir.cleanup();
  }
});

test('switching models: search keeps the complete model until the new one has indexed everything', async () => {
  const dir = await tempDir('switch');
  try {
    const root = join(dir.path, 'photos');
    for (let i = 0; i < 4; i++)
      await writePhoto({
        path: join(root, `p${i}.jpg`),
        colour: (['red', 'blue'] as const)[i % 2]!,
        seed: i,
      });
    const dataDir = join(dir.path, 'data');
    const demoCore = await openCore({ dataDir });
    const demo = demoCore.library;
    await demo.addFolder(root);
    await demo.index();
    await demoCore.close();

    const tiny = resolve('../shared/fixtures/clip-tiny-a/hf');
    const otherCore = await openCore({ dataDir, model: tiny });
    const other = otherCore.library;
    try {
      assert.notEqual(other.engine.model.id, 'demo');
      const before = await otherCore.status();
      assert.equal(before.searchModel, 'demo');
      const r = await otherCore.search.search('red');
      assert.equal(r.model, 'demo');
      assert.equal(r.total, 2);
      const stats = await other.index();
      assert.equal(stats.encoded, 4, 'the new model encodes every photo');
      assert.equal(stats.hashed, 0, 'unchanged files are not hashed again');
      const after = await otherCore.status();
      assert.equal(after.searchModel, other.engine.model.id);
      assert.deepEqual(after.vectors, { indexed: 4, total: 4 });
    } finally {
      await otherCore.close();
    }
  } finally {
    await dir.cleanup();
  }
});

test('a model whose vision tower cannot be loaded stops indexing with its reason, failing no photo', async () => {
  const dir = await tempDir('broken-model');
  try {
    const model = join(dir.path, 'model');
    await cp(join(TINY, 'immich'), model, { recursive: true });
    await writeFile(join(model, 'visual', 'model.onnx'), 'not a protobuf');
    const root = join(dir.path, 'photos');
    for (let i = 0; i < 3; i++) await writePhoto({ path: join(root, `p${i}.jpg`), colour: 'red', seed: i });
    const core = await openCore({ dataDir: join(dir.path, 'data'), model });
    const library = core.library;
    try {
      await library.addFolder(root);
      await assert.rejects(library.index(), (e: Error) => {
        return isUserError(e) && /cannot load .*visual[\\/]model\.onnx/.test(e.message);
      });
      const status = await core.status();
      assert.equal(status.files.failed, 0, 'the photos are not to blame');
      // Text search still works: it needs only the text tower.
      assert.equal((await core.search.search('red')).total, 0);
    } finally {
      await core.close();
    }
  } finally {
    await dir.cleanup();
  }
});
