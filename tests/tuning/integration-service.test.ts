import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { openCore } from '../../main/core/open-core.js';
import type { SearchResponse } from '../../main/library/types.js';
import { createTagStore } from '../../main/tagging/tag-store.js';
import { contentIdOfBytes } from '../../main/media/content-id.js';
import { COLOURS, INVENTED, colourPhoto, tempDir, tsvLine } from './integration-fixtures.js';

/** A new library's content id (BLAKE3) of these bytes. */
const contentIdOf = (bytes: Uint8Array) => contentIdOfBytes(bytes, 'blake3');

// Fine-tuning end to end on a real library: the demo model (real ONNX Runtime sessions), LanceDB in a
// temporary data directory, photos generated with sharp. The demo model knows colour words but has never
// seen "blorf" or "zintak"; pairs tie each invented word to one colour.

const ranked = (r: SearchResponse) => r.items.map((i) => [i.contentId, i.score]);

test('invented words: near chance zero-shot, ≥ 0.9 after tuning, colour words still work, rollback is exact', async () => {
  const dir = await tempDir('tuning-int');
  try {
    // 11 words × 6 photo variants for training, alternating the two base64 alphabets; one more photo per
    // word, never imported, as the evaluation set (distinct texts, so 1:1 recall is well defined).
    const lines: string[] = [];
    const evalLines: string[] = [];
    const idsByColour = new Map<string, Set<string>>();
    for (const colour of COLOURS) {
      const ids = new Set<string>();
      for (let seed = 0; seed < 6; seed++) {
        const photo = await colourPhoto(colour, seed);
        ids.add(contentIdOf(photo));
        lines.push(tsvLine(`a ${INVENTED[colour]} photo`, photo, seed % 2 ? 'url' : 'standard'));
      }
      idsByColour.set(colour, ids);
      evalLines.push(tsvLine(`a ${INVENTED[colour]} photo`, await colourPhoto(colour, 100)));
    }
    const words = join(dir.path, 'words.tsv');
    const evalSet = join(dir.path, 'held-out.tsv');
    await writeFile(words, `text\timage\n${lines.join('\n')}\n`);
    await writeFile(evalSet, `${evalLines.join('\n')}\n`);

    const dataDir = join(dir.path, 'data');
    const core = await openCore({ dataDir, tuning: { pairs: { valFraction: 0.25 } } });
    const library = core.library;
    try {
      const tuning = await core.tuning();
      // Into the library: this test searches the imported pictures (datasets-apart.test.ts: without it).
      const report = await tuning.importTsv(words, { intoLibrary: true });
      assert.deepEqual(report.skipped, []);
      assert.equal(report.imported, 66);
      assert.equal(report.dataset, 'words');
      // The images became library photos, under the data directory's imported folder.
      assert.equal(report.folder, join(dataDir, 'imported', 'words'));
      const [anyRed] = idsByColour.get('red')!;
      const photo = await library.getPhoto(anyRed!);
      assert.ok(photo && photo.path.startsWith(report.folder), 'imported image is a library photo');
      assert.ok(existsSync(photo.path));
      const counts = await tuning.counts();
      assert.equal(counts.total, 66);
      assert.ok(counts.measured > 0 && counts.train > counts.measured, JSON.stringify(counts));
      // Importing again adds nothing: same photos, same texts.
      const again = await tuning.importTsv(words, { intoLibrary: true });
      assert.deepEqual([again.imported, again.existing], [0, 66]);

      const zeroShot = await tuning.evaluateTsv(evalSet, { adapter: 'none' });
      assert.equal(zeroShot.pairs, 11);
      assert.equal(zeroShot.adapter, 'none');
      // Chance for Recall@1 over 11 candidates is 0.09.
      assert.ok(zeroShot.textToImage[1]! <= 0.4, `zero-shot R@1 ${zeroShot.textToImage[1]}`);

      const redQuery = 'red';
      const beforeRed = await core.search.search(redQuery, { all: true, limit: 66 });
      const beforeWord = await core.search.search('a zintak photo', { all: true, limit: 66 });
      // Zero-shot, the invented word does not find its colour (so what follows is the adapter's doing).
      const blorf0 = await core.search.search('a blorf photo', { all: true, limit: 6 });
      assert.ok(blorf0.items.some((i) => !idsByColour.get('red')!.has(i.contentId)));

      const progress: number[] = [];
      const result = await tuning.train({
        epochs: 15,
        activate: true,
        onProgress: (p) => {
          if (p.phase === 'training' && p.recall) progress.push(p.epoch);
        },
      });
      assert.equal(result.version, 1);
      assert.equal(result.activated, true);
      assert.equal(result.evaluatedOn, 'val');
      assert.ok(progress.length >= 1 && progress[0] === 1, 'per-epoch progress with recall');
      assert.ok(
        result.after.textToImage[1]! >= 0.9,
        `held-out split R@1 after: ${result.after.textToImage[1]}`,
      );
      assert.ok(result.after.mean > result.before.mean);

      const tuned = await tuning.evaluateTsv(evalSet);
      assert.equal(tuned.adapter, 'v1');
      assert.ok(tuned.textToImage[1]! >= 0.9, `eval R@1 after tuning: ${tuned.textToImage[1]}`);
      assert.ok(tuned.textToImage[1]! > zeroShot.textToImage[1]!);

      // Search uses the adapter at once, without re-encoding: the invented word finds its colour…
      const blorf = await core.search.search('a blorf photo', { limit: 6 });
      assert.ok(blorf.items.length > 0);
      for (const item of blorf.items) assert.ok(idsByColour.get('red')!.has(item.contentId), 'blorf → red');
      // …and a plain colour word still ranks that colour first.
      const red = await core.search.search(redQuery, { limit: 6 });
      assert.equal(red.items.length, 6);
      for (const item of red.items) assert.ok(idsByColour.get('red')!.has(item.contentId), 'red → red');
      const tunedWord = await core.search.search('a zintak photo', { all: true, limit: 66 });
      assert.notDeepEqual(ranked(tunedWord), ranked(beforeWord));

      // A second version, then rollbacks: each restores exactly what search returned before.
      const v2 = await tuning.train({ epochs: 3, lr: 3e-3, seed: 7, activate: true });
      assert.equal(v2.version, 2);
      const v2Word = await core.search.search('a zintak photo', { all: true, limit: 66 });
      assert.notDeepEqual(ranked(v2Word), ranked(tunedWord));
      assert.equal(await tuning.rollback(), 1);
      assert.deepEqual(
        ranked(await core.search.search('a zintak photo', { all: true, limit: 66 })),
        ranked(tunedWord),
      );
      assert.equal(await tuning.rollback(), null);
      assert.deepEqual(
        ranked(await core.search.search('a zintak photo', { all: true, limit: 66 })),
        ranked(beforeWord),
      );
      assert.deepEqual(
        ranked(await core.search.search(redQuery, { all: true, limit: 66 })),
        ranked(beforeRed),
      );

      // WiSE-FT at apply time: alpha 0 is the zero-shot model, exactly; the choice survives a reopen.
      await tuning.activate(1, { alpha: 0 });
      assert.deepEqual(
        ranked(await core.search.search('a zintak photo', { all: true, limit: 66 })),
        ranked(beforeWord),
      );
      await tuning.activate(1, { alpha: 1 });
      assert.equal((await tuning.listAdapters()).find((v) => v.active)?.alphaInUse, 1);
      // Rollback restores the alpha as well as the version.
      assert.equal(await tuning.rollback(), 1);
      assert.equal((await tuning.listAdapters()).find((v) => v.active)?.alphaInUse, 0);
      assert.deepEqual(
        ranked(await core.search.search('a zintak photo', { all: true, limit: 66 })),
        ranked(beforeWord),
      );
      await tuning.activate(1);
    } finally {
      await core.close();
    }
    const reopened = await openCore({ dataDir });
    try {
      const word = await reopened.search.search('a blorf photo', { limit: 6 });
      for (const item of word.items)
        assert.ok(idsByColour.get('red')!.has(item.contentId), 'adapter reloaded');
    } finally {
      await reopened.close();
    }
  } finally {
    await dir.cleanup();
  }
});

test('TSV import: both base64 alphabets, and malformed lines named while every good line is imported', async () => {
  const dir = await tempDir('tuning-tsv');
  try {
    const good1 = await colourPhoto('blue', 1);
    const good2 = await colourPhoto('green', 2, 'png');
    const good3 = await colourPhoto('yellow', 3);
    const lines = [
      tsvLine('a blue square', good1, 'standard'), // 1: standard alphabet, padded
      'no tab on this line', // 2
      `a broken image\t${Buffer.from('definitely not an image').toString('base64')}`, // 3
      tsvLine('a green square', good2, 'url').replace(/=+$/, ''), // 4: URL-safe, unpadded
      `bad characters\t%%%%`, // 5
      '', // 6: blank, ignored
      `\t${good3.toString('base64')}`, // 7: empty text
      tsvLine('a yellow square', good3, 'url'), // 8
    ];
    const file = join(dir.path, 'mixed set.tsv');
    await writeFile(file, lines.join('\n'));
    const core = await openCore({ dataDir: join(dir.path, 'data') });
    const library = core.library;
    try {
      const tuning = await core.tuning();
      // Into the library: the captions below are on library photos.
      const report = await tuning.importTsv(file, { intoLibrary: true });
      assert.equal(report.imported, 3);
      assert.equal(report.dataset, 'mixed-set');
      assert.deepEqual(
        report.skipped.map((s) => s.line),
        [2, 3, 5, 7],
      );
      assert.match(report.skipped[0]!.reason, /missing column/);
      assert.match(report.skipped[1]!.reason, /cannot be decoded/);
      assert.match(report.skipped[2]!.reason, /not base64/);
      assert.match(report.skipped[3]!.reason, /empty text/);
      const pairs = await tuning.listPairs();
      assert.deepEqual(pairs.map((p) => p.text).sort(), [
        'a blue square',
        'a green square',
        'a yellow square',
      ]);
      assert.deepEqual(
        new Set(pairs.map((p) => p.contentId)),
        new Set([good1, good2, good3].map(contentIdOf)),
      );
      // Each pair's photo has a vector: it is in the library and training can use it.
      const vectors = await library.getImageVectors(pairs.map((p) => p.contentId));
      assert.equal(vectors.size, 3);

      // A caption on a library photo, by path; a path outside the library is refused clearly.
      const photo = await library.getPhoto(contentIdOf(good1));
      const caption = await tuning.addCaption(photo!.path, 'my favourite blue');
      assert.equal(caption.contentId, contentIdOf(good1));
      assert.equal(caption.source, 'caption');
      await assert.rejects(tuning.addCaption(join(dir.path, 'nope.jpg'), 'x'), /not a photo in the library/);
      assert.equal(await tuning.removePairs([caption.id]), 1);
      assert.equal((await tuning.counts()).total, 3);
    } finally {
      await core.close();
    }
  } finally {
    await dir.cleanup();
  }
});

test('folder-per-class datasets and confirmed tags become pairs; training can be cancelled', async () => {
  const dir = await tempDir('tuning-folder');
  try {
    const dataset = join(dir.path, 'swatches');
    for (const [cls, colour] of [
      ['fire_engine', 'red'],
      ['sea-water', 'blue'],
    ] as const) {
      await mkdir(join(dataset, cls), { recursive: true });
      for (let seed = 0; seed < 3; seed++)
        await writeFile(join(dataset, cls, `${seed}.jpg`), await colourPhoto(colour, seed + 10));
    }
    await writeFile(join(dataset, 'sea-water', 'broken.jpg'), 'not a jpeg');
    const core = await openCore({ dataDir: join(dir.path, 'data') });
    const library = core.library;
    try {
      const tuning = await core.tuning();
      // Into the library: tags are on library photos.
      const report = await tuning.importPath(dataset, { intoLibrary: true });
      assert.equal(report.imported, 6);
      assert.deepEqual(
        report.skipped.map((s) => s.path),
        [join(dataset, 'sea-water', 'broken.jpg')],
      );
      const texts = (await tuning.listPairs({ source: 'folder' })).map((p) => p.text);
      assert.deepEqual([...new Set(texts)].sort(), ['a photo of a fire engine.', 'a photo of a sea water.']);

      // A confirmed tag is a pair; a suggested one is not.
      const tags = createTagStore(library.store);
      const [first, second] = (await tuning.listPairs({ source: 'folder' })).map((p) => p.contentId);
      await tags.addUserTags([first!], ['lobster']);
      await tags.applyAutoSuggestions(new Map([[second!, [{ label: 'ocean', score: 0.9 }]]]), {
        vocabulary: 'test',
        vocabularyHash: 'x',
        modelId: 'demo',
        adapterVersion: 'none',
      });
      assert.deepEqual(await tuning.addPairsFromTags(), { imported: 1, existing: 0 });
      const fromTags = await tuning.listPairs({ source: 'tag' });
      assert.deepEqual(
        fromTags.map((p) => [p.contentId, p.text]),
        [[first, 'a photo of a lobster.']],
      );

      const abort = new AbortController();
      const run = tuning.train({
        epochs: 10_000,
        patience: 0,
        onProgress: (p) => {
          if (p.phase === 'training') abort.abort(new Error('user cancelled'));
        },
        signal: abort.signal,
      });
      await assert.rejects(run, /user cancelled/);
      assert.equal(tuning.training, false);
      assert.deepEqual(await tuning.listAdapters(), [], 'a cancelled run saves nothing');
    } finally {
      await core.close();
    }
  } finally {
    await dir.cleanup();
  }
});
