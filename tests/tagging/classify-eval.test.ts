import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createEngineForModel } from '../../main/models/resolve-model.js';
import type { ClipEngine } from '../../main/engine/types.js';
import { builtinVocabulary } from '../../main/tagging/builtin-vocabularies.js';
import { classLabelFromFolder, evaluateZeroShot } from '../../main/tagging/classify-eval.js';
import { COLOUR_NAMES, tempDir, writeColourPhoto, type ColourName } from './colour-photos.js';

let tmp: { path: string; cleanup(): Promise<void> };
let engine: ClipEngine;

before(async () => {
  tmp = await tempDir('classify-eval');
  engine = await createEngineForModel('demo', { dataDir: join(tmp.path, 'data'), threads: 1 });
});

after(async () => {
  await engine?.close();
  await tmp?.cleanup();
});

async function classSet(name: string, classes: readonly ColourName[], perClass: number): Promise<string> {
  const dir = join(tmp.path, name);
  for (const c of classes) {
    for (let i = 0; i < perClass; i++) {
      // Sizes and formats vary; nested folders inside a class count for that class.
      const sub = i === 2 ? join(c, 'more') : c;
      await writeColourPhoto(join(dir, sub, `${c}-${i}.${i % 2 ? 'png' : 'jpg'}`), c, {
        seed: i + 1,
        format: i % 2 ? 'png' : 'jpeg',
        width: 24 + 8 * i,
      });
    }
  }
  return dir;
}

test('clean colour classes: 100% top-1 and top-5, no confusions', async () => {
  const dir = await classSet('clean', COLOUR_NAMES, 3);
  await writeFile(join(dir, 'README.txt'), 'not a photo');
  const progress: number[] = [];
  const report = await evaluateZeroShot(engine, dir, { onProgress: (p) => progress.push(p.done) });
  assert.equal(report.classes, 11);
  assert.equal(report.labels, 11);
  assert.equal(report.images, 33);
  assert.equal(report.top1, 1);
  assert.equal(report.top5, 1);
  assert.deepEqual(report.confusedPairs, []);
  assert.deepEqual(report.failures, []);
  assert.equal(report.perClass.length, 11);
  for (const c of report.perClass) assert.deepEqual([c.images, c.top1, c.top5], [3, 1, 1], c.label);
  assert.equal(progress.at(-1), 33);
});

test('mislabelled images lower top-1 by exactly their share and show up as confused pairs', async () => {
  const classes = ['red', 'green', 'blue', 'yellow'] as const;
  const dir = await classSet('noisy', classes, 3);
  // Two red photos filed as blue, one yellow as green: 15 images, 12 right.
  await writeColourPhoto(join(dir, 'blue', 'actually-red-1.jpg'), 'red', { seed: 91 });
  await writeColourPhoto(join(dir, 'blue', 'actually-red-2.jpg'), 'red', { seed: 92 });
  await writeColourPhoto(join(dir, 'green', 'actually-yellow.jpg'), 'yellow', { seed: 93 });
  const report = await evaluateZeroShot(engine, dir);
  assert.equal(report.images, 15);
  assert.equal(report.top1, 12 / 15);
  // Four labels: the right one is always within the top five.
  assert.equal(report.top5, 1);
  assert.deepEqual(
    report.confusedPairs.map((p) => [p.actual, p.predicted, p.count]),
    [
      ['blue', 'red', 2],
      ['green', 'yellow', 1],
    ],
  );
  assert.deepEqual(report.confusedPairs[0]!.examples, [
    join('blue', 'actually-red-1.jpg'),
    join('blue', 'actually-red-2.jpg'),
  ]);
  const blue = report.perClass.find((c) => c.label === 'blue')!;
  assert.deepEqual([blue.images, blue.top1], [5, 3 / 5]);
});

test('with a vocabulary: extra labels compete, classes must be labels, unreadable files are reported', async () => {
  const dir = await classSet('vocab', ['gray', 'pink'], 2);
  await writeFile(join(dir, 'pink', 'broken.jpg'), 'not really a jpeg');
  const colours = builtinVocabulary('colours')!;
  const report = await evaluateZeroShot(engine, dir, { vocabulary: colours });
  assert.equal(report.vocabulary, 'colours');
  assert.equal(report.labels, 11);
  assert.equal(report.images, 4);
  assert.equal(report.top1, 1);
  assert.equal(report.failures.length, 1);
  assert.equal(report.failures[0]!.path, join('pink', 'broken.jpg'));

  // A folder spelled as a synonym ("grey") maps to its label.
  await mkdir(join(dir, 'grey'));
  await writeColourPhoto(join(dir, 'grey', 'g.jpg'), 'gray', { seed: 5 });
  assert.equal((await evaluateZeroShot(engine, dir, { vocabulary: colours })).top1, 1);

  await mkdir(join(dir, 'teal'));
  await writeColourPhoto(join(dir, 'teal', 't.jpg'), 'blue', { seed: 4 });
  await assert.rejects(
    evaluateZeroShot(engine, dir, { vocabulary: colours }),
    /not labels of the vocabulary "colours": teal/,
  );
  await assert.rejects(evaluateZeroShot(engine, join(dir, 'pink')), /at least two sub-folders/);
  await assert.rejects(evaluateZeroShot(engine, join(tmp.path, 'missing')), /does not exist/);
});

test('folder names become labels', () => {
  assert.equal(classLabelFromFolder('golden_retriever'), 'golden retriever');
  assert.equal(classLabelFromFolder('t-shirt'), 't-shirt');
});
