import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { appendFile, copyFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { contentId, contentIdOfBytes } from '../../main/media/content-id.js';
import { PHOTOS, withTempDir } from './helpers.js';

test('content id: same for copies anywhere, different after a change, for both hashes', async () => {
  await withTempDir(async (dir) => {
    const src = join(PHOTOS, 'images/bee.jpg');
    const copy = join(dir, 'renamed copy.jpg');
    await copyFile(src, copy);
    const bytes = await readFile(src);
    for (const hash of ['blake3', 'sha256'] as const) {
      const id = await contentId(src, hash);
      assert.match(id, /^[0-9a-f]{64}$/);
      assert.equal(await contentId(copy, hash), id);
      // Bytes already in memory (an imported dataset's photo) get the id their file gets.
      assert.equal(contentIdOfBytes(bytes, hash), id);
      // The fixture set holds the same bee in three folders: one id.
      assert.equal(await contentId(join(PHOTOS, 'images nested directories/misc/bees/bee.jpg'), hash), id);
      assert.notEqual(await contentId(join(PHOTOS, 'images/cat.jpg'), hash), id);
    }
    // SHA-256 ids are exactly what earlier versions stored; BLAKE3 ones differ from them.
    assert.equal(await contentId(src, 'sha256'), createHash('sha256').update(bytes).digest('hex'));
    assert.notEqual(await contentId(src, 'blake3'), await contentId(src, 'sha256'));
    // BLAKE3's published test vector, so the id is the standard hash, not a variant of it.
    assert.equal(
      contentIdOfBytes(Buffer.from('abc'), 'blake3'),
      '6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85',
    );
    // A file bigger than one read (1 MB) hashes as its whole bytes.
    const big = join(dir, 'big.bin');
    const bigBytes = Buffer.concat([bytes, Buffer.alloc(3 << 20, 7), bytes]);
    await appendFile(big, bigBytes);
    assert.equal(await contentId(big, 'blake3'), contentIdOfBytes(bigBytes, 'blake3'));
    const before = await contentId(copy, 'blake3');
    await appendFile(copy, Buffer.from([0]));
    assert.notEqual(await contentId(copy, 'blake3'), before);
    await assert.rejects(contentId(join(dir, 'missing.jpg'), 'blake3'), { code: 'missing' });
  });
});
