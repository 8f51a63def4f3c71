import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openCore, type Core } from '../../main/core/open-core.js';
import { contentIdOfBytes } from '../../main/media/content-id.js';
import type { DemoColour } from '../../main/models/demo-model.js';
import { colourPhoto, INVENTED, tempDir, tsvLine } from './integration-fixtures.js';

// Imported datasets are training data, not library content: their pictures stay out of the photo count,
// the folders, the Photos list and search, unless imported `--into-library`; and a library written when
// `<dataDir>/imported` was a library folder is moved to the new arrangement on open, its pairs still
// training. The demo model, real LanceDB, generated colour photos.

const DATASET_COLOURS: DemoColour[] = ['red', 'green', 'yellow', 'orange'];

/** A TSV of 24 pairs (6 photos of each of 4 colours, each with its invented word), and their content ids. */
async function writeDataset(dir: string): Promise<{ tsv: string; ids: Set<string>; images: Buffer[] }> {
  const lines: string[] = [];
  const ids = new Set<string>();
  const images: Buffer[] = [];
  for (const colour of DATASET_COLOURS) {
    for (let seed = 0; seed < 6; seed++) {
      const photo = await colourPhoto(colour, seed);
      ids.add(contentIdOfBytes(photo, 'blake3'));
      images.push(photo);
      lines.push(tsvLine(`a ${INVENTED[colour]} photo`, photo));
    }
  }
  const tsv = join(dir, 'colours.tsv');
  await writeFile(tsv, `${lines.join('\n')}\n`);
  return { tsv, ids, images };
}

/** A library folder of 3 blue photos: the user's own photos. */
async function userPhotos(dir: string): Promise<string> {
  const folder = join(dir, 'my-photos');
  await mkdir(folder, { recursive: true });
  for (let seed = 0; seed < 3; seed++)
    await writeFile(join(folder, `blue-${seed}.jpg`), await colourPhoto('blue', 50 + seed));
  return folder;
}

/** What a user sees of the library: photo count, folders, the Photos list, and a search for "red". */
async function whatTheUserSees(core: Core) {
  const status = await core.status();
  const folders = (await core.library.listFolders()).map((f) => f.path);
  const photos = await core.search.listPhotos({ limit: 1000 });
  const red = await core.search.search('red', { all: true, limit: 1000 });
  return {
    photoCount: status.photoCount,
    folders,
    listed: photos.items.map((p) => p.contentId),
    listedTotal: photos.total,
    red: red.items.map((p) => p.contentId),
  };
}

test('pairs import keeps the pictures out of the library; they still train', async () => {
  const dir = await tempDir('datasets-apart');
  try {
    const { tsv, ids } = await writeDataset(dir.path);
    const mine = await userPhotos(dir.path);
    const core = await openCore({
      dataDir: join(dir.path, 'data'),
      tuning: { pairs: { valFraction: 0.25 } },
    });
    try {
      await core.library.addFolder(mine);
      await core.library.index();
      const tuning = await core.tuning();
      const report = await tuning.importTsv(tsv);
      assert.equal(report.imported, 24);
      assert.equal(report.inLibrary, false);

      const seen = await whatTheUserSees(core);
      assert.equal(seen.photoCount, 3, 'the photo count is the user’s photos only');
      assert.deepEqual(seen.folders, [mine]);
      assert.equal(seen.listedTotal, 3);
      assert.ok(!seen.listed.some((id) => ids.has(id)), 'no dataset picture in Photos');
      assert.ok(!seen.red.some((id) => ids.has(id)), 'no dataset picture among the results for "red"');

      // The Fine-tuning view lists the pairs with thumbnails, which the indexer did not make.
      for (const id of ids) assert.ok(core.library.thumbnailPath(id), `thumbnail of ${id}`);

      const result = await tuning.train({ epochs: 3 });
      assert.equal(result.notIndexed, 0);
      const counts = await tuning.counts();
      assert.equal(result.trainPairs, counts.train);
      assert.equal(counts.train + counts.measured + counts.repeats, 24);
    } finally {
      await core.close();
    }
  } finally {
    await dir.cleanup();
  }
});

test('pairs import --into-library makes the pictures library photos', async () => {
  const dir = await tempDir('datasets-into');
  try {
    const { tsv, ids } = await writeDataset(dir.path);
    const dataDir = join(dir.path, 'data');
    const core = await openCore({ dataDir });
    try {
      const tuning = await core.tuning();
      const report = await tuning.importTsv(tsv, { intoLibrary: true });
      assert.equal(report.imported, 24);
      assert.equal(report.inLibrary, true);
      const seen = await whatTheUserSees(core);
      assert.equal(seen.photoCount, 24);
      assert.deepEqual(seen.folders, [join(dataDir, 'imported', 'colours')]);
      assert.equal(seen.listedTotal, 24);
      assert.ok(seen.red.length > 0 && seen.red.every((id) => ids.has(id)), 'search finds the red pictures');
    } finally {
      await core.close();
    }
  } finally {
    await dir.cleanup();
  }
});

test('a library whose imported pairs were a library folder is migrated on open and still trains', async () => {
  const dir = await tempDir('datasets-migrate');
  try {
    const { ids, images } = await writeDataset(dir.path);
    const mine = await userPhotos(dir.path);
    const dataDir = join(dir.path, 'data');
    // The library as the version before wrote it: the pictures copied into <dataDir>/imported/<dataset>/
    // under their content ids, <dataDir>/imported added as a library folder and indexed, then the pairs.
    const old = await openCore({ dataDir, tuning: { pairs: { valFraction: 0.25 } } });
    try {
      await old.library.addFolder(mine);
      const datasetDir = join(dataDir, 'imported', 'colours');
      await mkdir(datasetDir, { recursive: true });
      const pairs = [];
      for (const [i, image] of images.entries()) {
        const id = contentIdOfBytes(image, 'blake3');
        await writeFile(join(datasetDir, `${id}.jpg`), image);
        pairs.push({
          contentId: id,
          text: `a ${INVENTED[DATASET_COLOURS[Math.floor(i / 6)]!]} photo`,
          source: 'tsv' as const,
        });
      }
      await old.library.addFolder(join(dataDir, 'imported'));
      await old.library.index();
      const tuning = await old.tuning();
      assert.equal((await tuning.pairs.add(pairs)).inserted, 24);
      const before = await whatTheUserSees(old);
      assert.equal(before.photoCount, 27, 'the old arrangement: dataset pictures counted as photos');
      assert.ok(before.red.some((id) => ids.has(id)));
    } finally {
      await old.close();
    }

    const notices: string[] = [];
    const core = await openCore({
      dataDir,
      tuning: { pairs: { valFraction: 0.25 } },
      onNotice: (m) => notices.push(m),
    });
    try {
      assert.match(notices.join('\n'), /24 pictures left the library/);
      const seen = await whatTheUserSees(core);
      assert.equal(seen.photoCount, 3);
      assert.deepEqual(seen.folders, [mine]);
      assert.equal(seen.listedTotal, 3);
      assert.ok(!seen.red.some((id) => ids.has(id)));
      for (const id of ids) assert.ok(core.library.thumbnailPath(id), `thumbnail of ${id}`);
      const tuning = await core.tuning();
      assert.equal((await tuning.counts()).total, 24, 'the pairs are kept');
      const result = await tuning.train({ epochs: 3 });
      assert.equal(result.notIndexed, 0, 'every pair still has its picture’s vector');
      const counts = await tuning.counts();
      assert.equal(result.trainPairs, counts.train);
      assert.equal(counts.train + counts.measured + counts.repeats, 24);
    } finally {
      await core.close();
    }
    // Once is enough: the next open finds nothing to move.
    const again = await openCore({ dataDir, onNotice: (m) => notices.push(m) });
    await again.close();
    assert.equal(notices.length, 1);
  } finally {
    await dir.cleanup();
  }
});

test('`lookbook pairs import` says where the pictures went, and `status` does not count them', async () => {
  const dir = await tempDir('datasets-cli');
  try {
    const { tsv } = await writeDataset(dir.path);
    const dataDir = join(dir.path, 'data');
    const lookbook = (...args: string[]) =>
      spawnSync(process.execPath, ['--import', 'tsx', 'main/cli/cli.ts', '--data-dir', dataDir, ...args], {
        encoding: 'utf8',
      });
    const imported = lookbook('pairs', 'import', tsv);
    assert.equal(imported.status, 0, imported.stderr);
    assert.match(imported.stdout, /Imported 24 pairs/);
    assert.match(imported.stdout, /kept for fine-tuning only: they are not library photos/);
    assert.match(lookbook('status').stdout, /Photos: 0 /);
    const into = lookbook('pairs', 'import', tsv, '--name', 'shown', '--into-library');
    assert.equal(into.status, 0, into.stderr);
    assert.match(into.stdout, /a library folder: they are photos of the library too/);
    assert.match(lookbook('status').stdout, /Photos: 24 /);
  } finally {
    await dir.cleanup();
  }
});
