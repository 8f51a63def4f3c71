import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { open, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openCore } from '../../main/core/open-core.js';
import { createMediaPort, type MediaPort } from '../../main/library/media-port.js';
import { tempDir, writePhoto } from './photo-fixtures.js';

// A restart trusts what the store knows: a file whose size and modification time match its row is not
// opened, hashed or decoded again. Every read of a photo goes through the library's MediaPort, which
// this test replaces with one that counts the reads per path. A second check does not rely on the port:
// a photo's bytes are changed behind the library's back with its size and mtime put back, and the
// restart must keep the content the store holds (had it read the file, the hash would differ).

/** main/media's port, counting every call that opens a photo, by path. */
function countingMedia(): { media: MediaPort; reads: Map<string, string[]>; total(): number } {
  const real = createMediaPort();
  const reads = new Map<string, string[]>();
  const count = (what: string, path: string) => reads.set(path, [...(reads.get(path) ?? []), what]);
  const media: MediaPort = {
    hashFile: (path, hash) => (count('hash', path), real.hashFile(path, hash)),
    readMetadata: (path) => (count('metadata', path), real.readMetadata(path)),
    makeThumbnail: (path, out) => (count('thumbnail', path), real.makeThumbnail(path, out)),
    imageInput: (path) => (count('imageInput', path), real.imageInput(path)),
    readForIndex: (path, options) => (count('decode', path), real.readForIndex(path, options)),
  };
  return { media, reads, total: () => [...reads.values()].reduce((n, r) => n + r.length, 0) };
}

describe('a restart over an unchanged library', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let root: string;
  let dataDir: string;
  const photos: string[] = [];

  before(async () => {
    dir = await tempDir('restart-reads');
    root = join(dir.path, 'photos');
    dataDir = join(dir.path, 'data');
    const colours = ['red', 'green', 'blue', 'yellow'] as const;
    for (let i = 0; i < 8; i++) {
      const path = join(root, i < 4 ? 'trip' : join('home', 'garden'), `photo-${i}.jpg`);
      // Whole seconds, so that the test can put a date back exactly (utimes takes no nanoseconds).
      const mtime = new Date(Date.UTC(2024, 5, 1 + i, 12));
      photos.push(await writePhoto({ path, colour: colours[i % 4]!, seed: i + 1, mtime }));
    }
    await writeFile(join(root, 'notes.txt'), 'not a photo');
  });

  after(async () => {
    await dir?.cleanup();
  });

  /** Opens the library with a counting MediaPort, runs one full index, closes it. */
  async function restart() {
    const counting = countingMedia();
    const core = await openCore({ dataDir, library: { media: counting.media } });
    try {
      if ((await core.library.listFolders()).length === 0) await core.library.addFolder(root);
      const stats = await core.library.index();
      const contents = new Map<string, string | null>();
      for (const f of await core.library.store.allFiles()) contents.set(f.path, f.contentId);
      return { stats, counting, contents };
    } finally {
      await core.close();
    }
  }

  test('the first index reads every photo; a restart reads none and hashes nothing', async () => {
    const first = await restart();
    assert.equal(first.stats.encoded, photos.length);
    // Each photo is hashed and decoded once: the counter sees real reads.
    for (const p of photos) assert.deepEqual(first.counting.reads.get(p), ['hash', 'decode'], p);

    const second = await restart();
    assert.equal(second.counting.total(), 0, `photos read: ${JSON.stringify([...second.counting.reads])}`);
    assert.equal(second.stats.hashed, 0);
    assert.equal(second.stats.encoded, 0);
    assert.equal(second.stats.seen, photos.length + 1);
    assert.deepEqual(second.contents, first.contents);
  });

  test('a photo whose bytes changed with its size and date put back keeps the content the store knows', async () => {
    // Not a thing a person does; it shows the restart did not read the file, whatever path it took.
    const path = photos[0]!;
    const before = await restart();
    const info = await stat(path);
    const file = await open(path, 'r+');
    try {
      await file.write(Buffer.alloc(64, 0x55), 0, 64, Math.floor(info.size / 2));
    } finally {
      await file.close();
    }
    await utimes(path, info.atime, info.mtime);
    const after = await restart();
    assert.equal(after.counting.total(), 0);
    assert.equal(after.contents.get(path), before.contents.get(path));
    // Put the photo's date forward: now it is read, found changed and indexed again.
    await utimes(path, info.atime, new Date(info.mtimeMs + 5000));
    const changed = await restart();
    assert.deepEqual(changed.counting.reads.get(path)?.[0], 'hash');
    assert.notEqual(changed.contents.get(path), before.contents.get(path));
  });

  test('a photo touched (new date, same bytes) is hashed once and keeps its content, not encoded again', async () => {
    const path = photos[5]!;
    const before = await restart();
    const info = await stat(path);
    await utimes(path, info.atime, new Date(info.mtimeMs + 60_000));
    const after = await restart();
    assert.deepEqual([...after.counting.reads], [[path, ['hash']]]);
    assert.equal(after.stats.hashed, 1);
    assert.equal(after.stats.encoded, 0);
    assert.equal(after.contents.get(path), before.contents.get(path));
    assert.deepEqual(after.contents, before.contents);
  });
});
