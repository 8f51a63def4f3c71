import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { planResize, preprocessImage } from '../../main/engine/preprocess.js';
import {
  CLIP_PREPROCESS,
  PHOTOS,
  SHARED,
  grainy12MpJpeg,
  meanAbsDiff,
  readF32,
  readJson,
} from './fixtures.js';

const GOLDEN = join(SHARED, 'fixtures', 'preprocess', 'golden');
const index = readJson<{ cases: { file: string; tensor: string; shape: number[] }[] }>(
  join(GOLDEN, 'index.json'),
);
const N = 224 * 224;

/** Back from normalized CHW to 0–255 for channel c at pixel i. */
function pixel(t: Float32Array, c: number, i: number): number {
  return (t[c * N + i]! * CLIP_PREPROCESS.std[c]! + CLIP_PREPROCESS.mean[c]!) * 255;
}

test('matches the reference CLIP preprocessing on every golden image', async () => {
  assert.ok(index.cases.length >= 7);
  for (const c of index.cases) {
    const path = join(SHARED, c.file);
    const meta = await sharp(path).metadata();
    const short = Math.min(meta.autoOrient.width, meta.autoOrient.height);
    const golden = readF32(join(GOLDEN, c.tensor));
    const tensor = await preprocessImage(path, CLIP_PREPROCESS);
    assert.equal(tensor.length, golden.length, c.file);
    // Downscaling agrees closely; upscaling a tiny image differs more between PIL's and libvips' bicubic.
    const tolerance = short < 224 ? 0.1 : 0.01;
    const diff = meanAbsDiff(tensor, golden);
    assert.ok(diff <= tolerance, `${c.file}: mean abs diff ${diff.toFixed(4)} > ${tolerance}`);
  }
});

test('shrink-on-load (the default) stays within tolerance of a full decode on a large JPEG', async () => {
  const jpeg = await grainy12MpJpeg();
  const fast = await preprocessImage(jpeg, CLIP_PREPROCESS);
  const full = await preprocessImage(jpeg, CLIP_PREPROCESS, { fastShrinkOnLoad: false });
  const diff = meanAbsDiff(fast, full);
  assert.ok(diff > 0, 'shrink-on-load took effect');
  assert.ok(diff <= 0.01, `mean abs diff ${diff.toFixed(4)}`);
});

test('the same image as a file and as bytes gives the same tensor', async () => {
  const path = join(PHOTOS, 'cat.jpg');
  assert.deepEqual(
    await preprocessImage(readFileSync(path), CLIP_PREPROCESS),
    await preprocessImage(path, CLIP_PREPROCESS),
  );
});

test('resize plan: shortest side to size, long side truncated, centre crop rounded half to even', () => {
  assert.deepEqual(planResize(384, 256, CLIP_PREPROCESS), { width: 336, height: 224, left: 56, top: 0 });
  assert.deepEqual(planResize(256, 1200, CLIP_PREPROCESS), { width: 224, height: 1050, left: 0, top: 413 });
  // 229 - 224 = 5 → offset round(2.5) = 2 (Python/torchvision), not 3.
  assert.deepEqual(planResize(229, 224, CLIP_PREPROCESS), { width: 229, height: 224, left: 2, top: 0 });
  assert.deepEqual(planResize(90, 50, { size: 224, resizeMode: 'squash' }), {
    width: 224,
    height: 224,
    left: 0,
    top: 0,
  });
});

test('squash mode fills the whole square without cropping', async () => {
  // Left half red, right half blue: squashing keeps both halves; a centre crop of a wide image would too,
  // so use a tall image whose top quarter is red: only squash keeps the red rows.
  const raw = Buffer.alloc(100 * 400 * 3);
  for (let y = 0; y < 400; y++)
    for (let x = 0; x < 100; x++) raw[(y * 100 + x) * 3 + (y < 100 ? 0 : 2)] = 255;
  const png = await sharp(raw, { raw: { width: 100, height: 400, channels: 3 } })
    .png()
    .toBuffer();
  const squash = await preprocessImage(png, { ...CLIP_PREPROCESS, resizeMode: 'squash' });
  const crop = await preprocessImage(png, CLIP_PREPROCESS);
  assert.ok(pixel(squash, 0, 10 * 224 + 100) > 250, 'top row is red when squashed');
  assert.ok(pixel(crop, 0, 10 * 224 + 100) < 5, 'top row of the centre crop is blue');
});

test('transparent pixels become white, not black', async () => {
  const rgba = Buffer.alloc(300 * 300 * 4); // fully transparent black
  const png = await sharp(rgba, { raw: { width: 300, height: 300, channels: 4 } })
    .png()
    .toBuffer();
  const t = await preprocessImage(png, CLIP_PREPROCESS);
  for (const c of [0, 1, 2]) assert.ok(Math.abs(pixel(t, c, 112 * 224 + 112) - 255) < 0.5);
});

test('grey, animated and other formats decode to three channels', async () => {
  const greyJpeg = await sharp(join(PHOTOS, 'cat.jpg')).toColourspace('b-w').jpeg().toBuffer();
  assert.equal((await sharp(greyJpeg).metadata()).channels, 1);
  const grey = await preprocessImage(greyJpeg, CLIP_PREPROCESS);
  for (const i of [0, 5000, 30000]) {
    assert.ok(Math.abs(pixel(grey, 0, i) - pixel(grey, 1, i)) < 0.01);
    assert.ok(Math.abs(pixel(grey, 1, i) - pixel(grey, 2, i)) < 0.01);
  }
  // An animated GIF gives its first frame: the same tensor as that frame alone.
  const gif = join(PHOTOS, 'bee_animated.gif');
  const frame0 = await sharp(gif, { page: 0, pages: 1 }).png().toBuffer();
  const animated = await preprocessImage(gif, CLIP_PREPROCESS);
  assert.ok(meanAbsDiff(animated, await preprocessImage(frame0, CLIP_PREPROCESS)) < 1e-6);
  for (const name of ['tree.webp', 'chess-knight.tiff', 'boats on a lake.png']) {
    const t = await preprocessImage(join(PHOTOS, name), CLIP_PREPROCESS);
    assert.equal(t.length, 3 * N, name);
    assert.ok(t.every(Number.isFinite), name);
  }
});

test('unreadable inputs are clear user errors', async () => {
  await assert.rejects(preprocessImage(join(PHOTOS, 'not-an-image.txt'), CLIP_PREPROCESS), (e: Error) => {
    return e.name === 'UserError' && /not-an-image\.txt is not an image format/.test(e.message);
  });
  await assert.rejects(preprocessImage(join(PHOTOS, 'missing.jpg'), CLIP_PREPROCESS), (e: Error) => {
    return e.name === 'UserError' && /missing\.jpg: no such file/.test(e.message);
  });
  const truncated = readFileSync(join(PHOTOS, 'cat.jpg')).subarray(0, 200);
  await assert.rejects(preprocessImage(truncated, CLIP_PREPROCESS), (e: Error) => e.name === 'UserError');
});
