import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyAdapter, withAlpha } from '../../main/adapters/adapter.js';
import { recallFromEmbeddings } from '../../main/tuning/recall.js';
import { trainAdapter } from '../../main/tuning/train.js';
import type { TrainProgress, TrainingPairs } from '../../main/tuning/train.js';
import { runTrainingInWorker } from '../../main/tuning/train-in-worker.js';
import type { Adapter } from '../../main/adapters/adapter.js';
import { createSyntheticWorld } from './synthetic-pairs.js';

// 20 invented product words whose text embeddings point away from their photos (zero-shot cannot find
// them) and 20 general concepts the zero-shot model already gets right.
const world = createSyntheticWorld({ dim: 64, invented: 20, general: 20, seed: 42 });
const train = world.invented(25); // 500 pairs
const val = world.invented(1); // one held-out pair per concept: chance R@1 = 1/20
const general = world.general(1);
const options = { train, val, epochs: 30, lr: 3e-3, batchSize: 64, seed: 1, modelId: 'synthetic' };

const recallWith = (adapter: Adapter, pairs: TrainingPairs) =>
  recallFromEmbeddings(
    applyAdapter(adapter, pairs.text, 'text'),
    applyAdapter(adapter, pairs.image, 'image'),
  );

test('fine-tuning teaches invented words: text→image R@1 from chance to ≥ 0.9', async () => {
  const progress: TrainProgress[] = [];
  const result = await trainAdapter({ ...options, onProgress: (p) => progress.push(p) });
  assert.ok(
    result.before.textToImage[1]! <= 0.15,
    `zero-shot R@1 ${result.before.textToImage[1]} should be near chance`,
  );
  assert.ok(result.after.textToImage[1]! >= 0.9, `fine-tuned R@1 ${result.after.textToImage[1]}`);
  assert.ok(result.after.imageToText[1]! >= 0.9, `fine-tuned image→text R@1 ${result.after.imageToText[1]}`);
  // The reported "after" is what the saved adapter really does on the validation pairs.
  assert.deepEqual(recallWith(result.adapter, val), result.after);
  assert.deepEqual(result.adapter.metrics?.after, result.after);
  assert.equal(result.adapter.metrics?.evaluatedOn, 'val');
  // Progress: one epoch report per history entry, with a finite, falling loss.
  const epochs = progress.filter((p) => p.kind === 'epoch');
  assert.equal(epochs.length, result.history.length);
  assert.ok(result.history.every((h) => Number.isFinite(h.loss)));
  assert.ok(result.history.at(-1)!.loss < result.history[0]!.loss);
  assert.ok(result.bestEpoch >= 1 && result.bestEpoch <= result.history.length);
});

test('general concepts still retrieve after fine-tuning at alpha 0.5 and 1; alpha 0 is exactly zero-shot', async () => {
  const { adapter, before } = await trainAdapter(options);
  const zeroShot = recallWith(withAlpha(adapter, 0), general);
  assert.ok(zeroShot.textToImage[1]! >= 0.9, 'the general concepts work zero-shot');
  // alpha = 0 is exactly the zero-shot model.
  assert.deepEqual(recallWith(withAlpha(adapter, 0), val), before);
  for (const alpha of [0.5, 1]) {
    const g = recallWith(withAlpha(adapter, alpha), general);
    assert.ok(g.textToImage[1]! >= 0.9, `general R@1 at alpha ${alpha}: ${g.textToImage[1]}`);
    const v = recallWith(withAlpha(adapter, alpha), val);
    assert.ok(
      v.mean > before.mean + 0.2,
      `invented words improve at alpha ${alpha}: ${before.mean} → ${v.mean}`,
    );
  }
});

test('class-folder data (many photos, one caption each class) trains through the multi-positive targets', async () => {
  const perClass = world.invented(10);
  // Every photo of a class gets the same caption vector, as "a photo of a {class}." does.
  const caption = world.invented(1).text;
  const folder: TrainingPairs = {
    image: perClass.image,
    text: perClass.image.map((_, i) => caption[i % 20]!),
  };
  const result = await trainAdapter({ ...options, train: folder, val: { image: val.image, text: caption } });
  assert.ok(result.history.every((h) => Number.isFinite(h.loss)));
  assert.ok(result.after.textToImage[1]! >= 0.9, `R@1 ${result.after.textToImage[1]}`);
});

test('same seed, same adapter; without validation pairs it evaluates on the training pairs', async () => {
  const small = { ...options, epochs: 3, patience: 0 };
  const a = await trainAdapter(small);
  const b = await trainAdapter(small);
  assert.deepEqual(a.adapter.text, b.adapter.text);
  assert.deepEqual(a.adapter.image, b.adapter.image);
  const c = await trainAdapter({ ...small, seed: 2 });
  assert.notDeepEqual(a.adapter.text, c.adapter.text);
  const noVal = await trainAdapter({ ...small, val: undefined });
  assert.equal(noVal.adapter.metrics?.evaluatedOn, 'train');
  assert.equal(noVal.history.length, 3);
});

test('a text-only adapter leaves the image side alone', async () => {
  const r = await trainAdapter({ ...options, epochs: 10, trainImage: false });
  assert.equal(r.adapter.image, null);
  assert.ok(r.adapter.text);
  assert.ok(r.after.textToImage[1]! >= 0.9, `R@1 ${r.after.textToImage[1]}`);
});

test('bad input gets a clear error', async () => {
  await assert.rejects(
    trainAdapter({ ...options, train: { image: train.image, text: train.text.slice(1) } }),
    /500 image embeddings but 499 text/,
  );
  const odd = { image: [...train.image.slice(0, 3), new Float32Array(63)], text: train.text.slice(0, 4) };
  await assert.rejects(
    trainAdapter({ ...options, train: odd }),
    /pair 3: image embedding has 63 dimensions, expected 64/,
  );
  const zero = { image: [new Float32Array(64), train.image[1]!], text: train.text.slice(0, 2) };
  await assert.rejects(
    trainAdapter({ ...options, train: zero }),
    /pair 0: image embedding is zero or not finite/,
  );
  await assert.rejects(trainAdapter({ ...options, alpha: 2 }), /alpha/);
});

test('training stops when its signal is aborted', async () => {
  const controller = new AbortController();
  let batches = 0;
  const run = trainAdapter({
    ...options,
    epochs: 1000,
    patience: 0,
    signal: controller.signal,
    onProgress: (p) => {
      batches++;
      if (p.kind === 'epoch' && p.epoch === 2) controller.abort();
    },
  });
  await assert.rejects(run, { name: 'AbortError' });
  assert.ok(batches < 10);
});

test('in a worker thread: same result as in-thread, progress arrives, cancel rejects promptly', async () => {
  const small = { ...options, epochs: 4, patience: 0 };
  const progress: TrainProgress[] = [];
  const inWorker = await runTrainingInWorker({ ...small, onProgress: (p) => progress.push(p) });
  const inThread = await trainAdapter(small);
  assert.deepEqual(inWorker.adapter.text, inThread.adapter.text);
  assert.deepEqual(inWorker.after, inThread.after);
  assert.equal(progress.filter((p) => p.kind === 'epoch').length, 4);

  const controller = new AbortController();
  const started = Date.now();
  const run = runTrainingInWorker({
    ...options,
    epochs: 100000,
    patience: 0,
    signal: controller.signal,
    onProgress: (p) => {
      if (p.kind === 'epoch') controller.abort();
    },
  });
  await assert.rejects(run, { name: 'AbortError' });
  assert.ok(Date.now() - started < 20000);

  await assert.rejects(runTrainingInWorker({ ...small, alpha: -1 }), /alpha must be between 0 and 1/);
});
