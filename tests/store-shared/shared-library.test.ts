import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { basename, join } from 'node:path';
import { openCore, type Core } from '../../main/core/open-core.js';
import { updateSettings } from '../../main/host/settings.js';
import { tempDir, writePhoto, type Colour } from '../library/photo-fixtures.js';
import { lookbook, type CliRun } from './cli-process.js';
import { startS3Server, type TestS3Server } from './s3-server.js';

// One library in a bucket, two computers (here: two processes with their own data directories and the
// same --store on a loopback S3 server). The writer indexes and watches its folder; the reader, with no
// folder of its own, finds the photos by search within seconds of their indexing, sees the writer's
// tags, writes tags at the same moment as the writer without either losing any, and a second writer is
// refused with who holds the library.

const STORE = 's3://photos/family-library';
let s3: TestS3Server;
let dir: Awaited<ReturnType<typeof tempDir>>;
let writer: CliRun | undefined;
let reader: Core | undefined;

before(async () => {
  s3 = await startS3Server(['photos']);
  dir = await tempDir('s3-shared');
  // This process is the reader: its store options come from the same variables a person would set.
  Object.assign(process.env, s3.env);
});
after(async () => {
  await reader?.close();
  writer?.kill('SIGINT');
  await writer?.done;
  await s3?.stop();
  await dir?.cleanup();
});

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

test('a reader finds what the writer indexes, sees its tags, and a second writer is refused', async () => {
  const root = join(dir.path, 'photos');
  const colours: Colour[] = ['red', 'red', 'blue', 'blue'];
  for (const [i, colour] of colours.entries())
    await writePhoto({ path: join(root, `${colour}${i}.jpg`), colour, seed: i + 1 });
  const writerDir = join(dir.path, 'writer');
  updateSettings(writerDir, (s) => {
    s.folders = [{ path: root, excluded: [], patterns: [] }];
  });

  writer = lookbook(writerDir, ['--store', STORE, 'index', '--watch'], s3.env);
  reader = await openCore({ dataDir: join(dir.path, 'reader'), store: STORE, model: 'demo' });
  const core = reader;

  // The first index: the reader finds both red photos (and only those lead the list).
  const found = await until('the reader to find the red photos', 120_000, async () => {
    const r = await core.search.search('red');
    const reds = r.items.filter((p) => basename(p.path).startsWith('red'));
    return reds.length === 2 ? r : undefined;
  });
  assert.ok(basename(found.items[0]!.path).startsWith('red'), found.items.map((p) => p.path).join(', '));

  // A photo added while the writer watches reaches the reader within seconds of being indexed.
  await until('the writer to watch', 60_000, async () =>
    /Watching for changes/.test(writer!.output()) ? true : undefined,
  );
  await writePhoto({ path: join(root, 'red-new.jpg'), colour: 'red', seed: 99 });
  const started = Date.now();
  await until('the new photo on the reader', 60_000, async () =>
    (await core.search.search('red')).items.some((p) => basename(p.path) === 'red-new.jpg')
      ? true
      : undefined,
  ).catch(async (e: Error) => {
    const s = await core.status();
    const { openLibraryStore } = await import('../../main/store/library-store.js');
    const { storeLocation } = await import('../../main/store/store-location.js');
    const fresh = await openLibraryStore(join(dir.path, 'x'), storeLocation(join(dir.path, 'x'), STORE));
    const files = (await fresh.allFiles()).map((f) => basename(f.path));
    throw new Error(
      `${e.message}; reader: ${s.photoCount} photos; fresh: ${files}; writer said:\n${writer?.output()}`,
    );
  });
  const seenAfterMs = Date.now() - started;
  assert.ok(seenAfterMs < 30_000, `seen ${seenAfterMs} ms after it was written (watch debounce + indexing)`);

  // The reader's thumbnails: none were made here; the thumbnail route makes them from the photo.
  const first = found.items[0]!;
  assert.equal(core.library.thumbnailPath(first.contentId), undefined, 'no thumbnail on the reader yet');
  const thumb = await core.library.thumbnailOnDemand(first.contentId);
  assert.ok(thumb && core.library.thumbnailPath(first.contentId) === thumb, 'made on demand');

  // A tag added on the writer's computer (another process on its data directory) reaches the reader.
  const tagged = await lookbook(
    writerDir,
    ['--store', STORE, 'tags', 'add', join(root, 'blue2.jpg'), 'sky'],
    s3.env,
  ).done;
  assert.equal(tagged.code, 0, tagged.output);
  await until('the writer’s tag on the reader', 30_000, async () => {
    const tags = await core.tagging().photoTags(join(root, 'blue2.jpg'));
    return tags.tags.some((t) => t.label === 'sky') ? true : undefined;
  });

  // Both computers write tags at the same moment: LanceDB's commit protocol retries the loser, and no
  // tag is lost on either side.
  const writerLabels = ['w1', 'w2', 'w3'];
  const readerLabels = ['r1', 'r2', 'r3'];
  const [fromWriter] = await Promise.all([
    (async () => {
      const runs = writerLabels.map(
        (label) =>
          lookbook(writerDir, ['--store', STORE, 'tags', 'add', join(root, 'red0.jpg'), label], s3.env).done,
      );
      return Promise.all(runs);
    })(),
    (async () => {
      for (const label of readerLabels) await core.tagging().addTags([join(root, 'red0.jpg')], [label]);
    })(),
  ]);
  for (const r of fromWriter) assert.equal(r.code, 0, r.output);
  const labels = (await core.tagging().photoTags(join(root, 'red0.jpg'))).tags.map((t) => t.label);
  for (const label of [...writerLabels, ...readerLabels])
    assert.ok(labels.includes(label), `${label} in ${labels}`);

  // A second writer (another computer with the same folder) is refused, and told who holds the library.
  const secondDir = join(dir.path, 'second');
  updateSettings(secondDir, (s) => {
    s.folders = [{ path: root, excluded: [], patterns: [] }];
  });
  const second = await lookbook(secondDir, ['--store', STORE, 'index'], s3.env).done;
  assert.notEqual(second.code, 0, second.output);
  assert.match(second.output, /lookbook --store s3:\/\/photos\/family-library index --watch/);
  assert.match(second.output, /watches its folders/);
  assert.doesNotMatch(second.output, /\n\s+at /);
  // The holder's pid is named; the host too when it is another computer (here it is this one).
  assert.match(second.output, /pid \d+/);
});
