import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { makeThumbnail, thumbnailSize } from '../../main/media/thumbnail.js';
import { ORIENTATION_6, PHOTOS, withTempDir } from './helpers.js';

test('thumbnails are small upright WebP files for every kind of input', async () => {
  await withTempDir(async (dir) => {
    const inputs = [
      ['images unicode/鳥鳥.png', 284, 256],
      ['images/chess-pawns.bmp', 384, 256],
      ['images heic/bee.heic', 384, 256],
      ['images/parrot-and-flowers.pgm', 256, 384],
      ['images/books.jpg', 256, 384],
    ] as const;
    for (const [rel, w, h] of inputs) {
      const out = join(dir, 'thumbs', `${rel.replace(/[/ ]/g, '_')}.webp`);
      const t = await makeThumbnail(join(PHOTOS, rel), out);
      const meta = await sharp(out).metadata();
      assert.deepEqual([meta.format, meta.width, meta.height], ['webp', w, h], rel);
      assert.deepEqual([t.width, t.height], [w, h]);
      assert.ok(t.bytes < 40_000, `${rel}: ${t.bytes} bytes`);
      assert.equal(meta.exif, undefined, 'no metadata (GPS) copied into thumbnails');
    }
    // The rotated camera photo comes out upright: taller than wide.
    const t = await makeThumbnail(ORIENTATION_6, join(dir, 'o6.webp'), 128);
    assert.ok(t.height > t.width, `${t.width}x${t.height}`);
    assert.equal(Math.min(t.width, t.height), 128);
  });
});

test('a failed thumbnail leaves the earlier one and no temporary files', async () => {
  await withTempDir(async (dir) => {
    const out = join(dir, 'x.webp');
    await makeThumbnail(join(PHOTOS, 'images/bee.jpg'), out);
    const before = await sharp(out).metadata();
    await writeFile(join(dir, 'broken.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 1, 2, 3]));
    await assert.rejects(makeThumbnail(join(dir, 'broken.jpg'), out), { code: 'corrupt' });
    assert.deepEqual((await sharp(out).metadata()).width, before.width);
    assert.deepEqual((await readdir(dir)).sort(), ['broken.jpg', 'x.webp']);
  });
});

test('thumbnail size: short side to size, no enlargement, panoramas capped', () => {
  assert.deepEqual(thumbnailSize(4000, 3000, 256), { width: 341, height: 256 });
  assert.deepEqual(thumbnailSize(100, 50, 256), { width: 100, height: 50 });
  assert.deepEqual(thumbnailSize(12000, 1000, 256), { width: 768, height: 64 });
});
