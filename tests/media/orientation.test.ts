import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { applyOrientation, swapsDimensions } from '../../main/media/orientation.js';

test('applyOrientation matches sharp autoOrient for all eight EXIF orientations', async () => {
  const w = 5;
  const h = 3;
  const px = Buffer.alloc(w * h * 3);
  for (let i = 0; i < w * h; i++) px.set([i * 16, 255 - i * 16, (i * 37) % 256], i * 3);
  const base = await sharp(px, { raw: { width: w, height: h, channels: 3 } })
    .png()
    .toBuffer();
  for (let o = 1; o <= 8; o++) {
    const tagged = await sharp(base).withMetadata({ orientation: o }).png().toBuffer();
    const ref = await sharp(tagged).autoOrient().raw().toBuffer({ resolveWithObject: true });
    const mine = await applyOrientation(sharp(base), o).raw().toBuffer({ resolveWithObject: true });
    assert.deepEqual(
      [mine.info.width, mine.info.height],
      [ref.info.width, ref.info.height],
      `orientation ${o}`,
    );
    assert.ok(mine.data.equals(ref.data), `pixels differ for orientation ${o}`);
    assert.equal(swapsDimensions(o), mine.info.width === h);
  }
});
