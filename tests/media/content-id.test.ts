import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { appendFile, copyFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { contentId, contentIdOfBytes } from '../../main/media/content-id.js';
import { PHOTOS, withTempDir } from './helpers.js';

test('content id: same for copies anywhere, different after a change, equal to sha256 of the bytes', async () => {
  await withTempDir(async (dir) => {
    const src = join(PHOTOS, 'images/bee.jpg');
    const copy = join(dir, 'renamed copy.jpg');
    await copyFile(src, copy);
    const id = await contentId(src);
    assert.match(id, /^[0-9a-f]{64}$/);
    assert.equal(await contentId(copy), id);
    assert.equal(
      id,
      createHash('sha256')
        .update(await readFile(src))
        .digest('hex'),
    );
    // Bytes already in memory (an imported dataset's photo) get the id their file gets.
    assert.equal(contentIdOfBytes(await readFile(src)), id);
    // The fixture set holds the same bee in three folders: one id.
    assert.equal(await contentId(join(PHOTOS, 'images nested directories/misc/bees/bee.jpg')), id);
    await appendFile(copy, Buffer.from([0]));
    assert.notEqual(await contentId(copy), id);
    assert.notEqual(await contentId(join(PHOTOS, 'images/cat.jpg')), id);
    await assert.rejects(contentId(join(dir, 'missing.jpg')), { code: 'missing' });
  });
});
