import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { openCore, type Core } from '../../main/core/open-core.js';
import type { Library } from '../../main/library/library.js';
import { createMediaPort } from '../../main/library/media-port.js';
import type { FileRow } from '../../main/store/library-store.js';
import { tempDir, writePhoto } from './photo-fixtures.js';

// Every kind of bad file gets its own status with a reason, and none of them stops the others.

function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body) >>> 0);
  return Buffer.concat([len, body, crc]);
}

/** A PNG that claims 40000×40000 pixels (1.6 gigapixels): a decompression bomb by its header. */
function bombPng(): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(40_000, 0);
  ihdr.writeUInt32BE(40_000, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', Buffer.from([0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01])),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

describe('bad inputs get per-file statuses', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let root: string;
  let core: Core;
  let library: Library;
  let rows: Map<string, FileRow>;
  const longDir = 'd'.repeat(120);
  const paths: Record<string, string> = {};

  before(async () => {
    dir = await tempDir('bad');
    root = join(dir.path, 'photos');
    const p = (name: string) => (paths[name] = join(root, name));
    await writePhoto({ path: p('good.jpg'), colour: 'red', seed: 1 });
    await writePhoto({ path: p('café/фото 鳥.jpg'), colour: 'blue', seed: 2 });
    await writePhoto({ path: p(`${longDir}/${longDir}/${'e'.repeat(200)}.jpg`), colour: 'green', seed: 3 });
    await writeFile(p('zero.jpg'), Buffer.alloc(0));
    await writeFile(p('text.jpg'), 'this is not a photo, only text with a .jpg name\n');
    const jpeg = await readFile(
      await writePhoto({ path: p('whole.jpg'), colour: 'yellow', seed: 4, size: 64 }),
    );
    await writeFile(p('truncated.jpg'), jpeg.subarray(0, 200));
    await writeFile(p('garbage.png'), Buffer.concat([bombPng().subarray(0, 8), Buffer.alloc(300, 7)]));
    await writeFile(p('bomb.png'), bombPng());
    await writeFile(p('notes.txt'), 'hello');
    await writeFile(p('.hidden.jpg'), jpeg);
    await mkdir(p('node_modules'));
    await writeFile(join(root, 'node_modules', 'x.jpg'), jpeg);
    await writePhoto({ path: p('vanishing.jpg'), colour: 'red', seed: 5 });
    await writePhoto({ path: p('locked.jpg'), colour: 'red', seed: 6 });
    await chmod(paths['locked.jpg']!, 0);
    await mkdir(p('loop'));
    await symlink(root, join(root, 'loop', 'back-to-root'));
    await symlink(join(root, 'nowhere.jpg'), p('dangling.jpg'));

    // A file deleted between the scan and its turn in the pipeline.
    const media = createMediaPort();
    core = await openCore({
      dataDir: join(dir.path, 'data'),
      library: {
        decodeConcurrency: 2,
        media: {
          ...media,
          async hashFile(path, hash) {
            if (path === paths['vanishing.jpg']) await rm(path);
            return media.hashFile(path, hash);
          },
        },
      },
    });
    library = core.library;
    await library.addFolder(root);
    const stats = await library.index();
    assert.ok(stats.encoded >= 3);
    rows = new Map((await library.store.allFiles()).map((r) => [r.path, r]));
  });

  after(async () => {
    await core?.close();
    await chmod(paths['locked.jpg']!, 0o644).catch(() => undefined);
    await dir?.cleanup();
  });

  const status = (name: string) => rows.get(paths[name]!);

  test('good photos, including non-ASCII and very long paths, are indexed and searchable', async () => {
    for (const name of [
      'good.jpg',
      'café/фото 鳥.jpg',
      `${longDir}/${longDir}/${'e'.repeat(200)}.jpg`,
      'whole.jpg',
    ]) {
      assert.equal(status(name)?.status, 'indexed', name);
    }
    const blue = await core.search.search('blue');
    assert.deepEqual(
      blue.items.map((i) => i.path),
      [paths['café/фото 鳥.jpg']],
    );
    const green = await core.search.search('green');
    assert.equal(green.items[0]?.path, paths[`${longDir}/${longDir}/${'e'.repeat(200)}.jpg`]);
  });

  test('each broken file has a status, a code and a reason naming it', () => {
    const expected: Record<string, string[]> = {
      'zero.jpg': ['empty'],
      'text.jpg': ['unsupported-format', 'corrupt'],
      'truncated.jpg': ['corrupt'],
      'garbage.png': ['corrupt'],
      'bomb.png': ['too-large'],
      'dangling.jpg': ['missing'],
    };
    for (const [name, codes] of Object.entries(expected)) {
      const row = status(name);
      assert.ok(row, `${name} has no status`);
      assert.ok(row.status === 'failed' || row.status === 'unsupported', `${name}: ${row.status}`);
      assert.ok(codes.includes(row.code!), `${name}: code ${row.code}`);
      assert.ok(row.reason && row.reason.length > 10, `${name}: no reason`);
    }
    assert.match(status('text.jpg')!.reason!, /text\.jpg/);
  });

  test('a symlink loop is reported once, and what it points to is indexed once', () => {
    const loop = rows.get(join(root, 'loop', 'back-to-root'));
    assert.equal(loop?.code, 'symlink-loop');
    assert.ok(![...rows.keys()].some((p) => p.includes('back-to-root/')));
  });

  test('permission denied is reported (unless running as root, who can read anything)', (t) => {
    if (process.getuid?.() === 0) {
      t.skip('root reads files without permission');
      return;
    }
    assert.equal(status('locked.jpg')?.code, 'permission-denied');
  });

  test('a file deleted while indexing simply leaves the library', () => {
    assert.equal(status('vanishing.jpg'), undefined);
  });

  test('hidden files, system folders and non-photos', () => {
    assert.equal(status('.hidden.jpg'), undefined);
    assert.equal(rows.get(join(root, 'node_modules', 'x.jpg')), undefined);
    assert.equal(status('notes.txt')?.status, 'skipped');
  });

  test('failures are not retried until the file changes; a fixed file is then indexed', async () => {
    const again = await library.index();
    assert.equal(again.hashed, 0, 'nothing re-read');
    assert.equal(again.encoded, 0);
    await writePhoto({ path: paths['text.jpg']!, colour: 'yellow', seed: 9 });
    const fixed = await library.index();
    assert.equal(fixed.encoded, 1);
    const row = await library.store.getFile(paths['text.jpg']!);
    assert.equal(row?.status, 'indexed');
    const s = await core.status();
    assert.ok(s.failures.some((f) => f.path === paths['bomb.png'] && f.code === 'too-large'));
    assert.ok(!s.failures.some((f) => f.path === paths['text.jpg']));
  });
});
