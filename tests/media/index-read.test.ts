// Indexing decodes each photo once and derives the thumbnail and the CLIP input from the same pixels.
// That must not cost fidelity: the tensor stays within the preprocessing tolerance of a full decode.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { planResize, preprocessImage, preprocessPixels } from '../../main/engine/preprocess.js';
import { contentIdOfBytes, readAndHash } from '../../main/media/content-id.js';
import { jpegScaleSize, readForIndex, sharedDecodeSize } from '../../main/media/index-read.js';
import { makeThumbnail, thumbnailSize } from '../../main/media/thumbnail.js';
import {
  CLIP_PREPROCESS,
  SHARED,
  grainy12MpJpeg,
  meanAbsDiff,
  readF32,
  readJson,
} from '../engine/fixtures.js';

const model = { resizeTo: (w: number, h: number) => planResize(w, h, CLIP_PREPROCESS) };

async function viaIndexRead(path: string, thumbnailOut?: string): Promise<Float32Array> {
  const read = await readForIndex(path, { model, metadata: true, ...(thumbnailOut ? { thumbnailOut } : {}) });
  return preprocessPixels(read.pixels, CLIP_PREPROCESS);
}

test('one decode for thumbnail and model stays within 0.01 of a full decode on a 12-MP JPEG', async () => {
  const tmp = await mkdtemp(join(tmpdir(), 'lookbook-index-read-'));
  try {
    const file = join(tmp, 'big.jpg');
    await writeFile(file, await grainy12MpJpeg());
    const thumb = join(tmp, 'thumb.webp');
    const once = await viaIndexRead(file, thumb);
    const full = await preprocessImage(file, CLIP_PREPROCESS, { fastShrinkOnLoad: false });
    const diff = meanAbsDiff(once, full);
    assert.ok(diff <= 0.01, `mean abs diff ${diff.toFixed(4)}`);
    // The thumbnail made from the shared pixels has the size a thumbnail made from the file has.
    const alone = join(tmp, 'alone.webp');
    await makeThumbnail(file, alone);
    const [a, b] = await Promise.all([sharp(thumb).metadata(), sharp(alone).metadata()]);
    assert.equal(a.format, 'webp');
    assert.deepEqual([a.width, a.height], [b.width, b.height]);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
});

test('the golden preprocessing cases hold through the indexing path too', async () => {
  const GOLDEN = join(SHARED, 'fixtures', 'preprocess', 'golden');
  const index = readJson<{ cases: { file: string; tensor: string }[] }>(join(GOLDEN, 'index.json'));
  for (const c of index.cases) {
    const path = join(SHARED, c.file);
    const meta = await sharp(path).metadata();
    const short = Math.min(meta.autoOrient.width, meta.autoOrient.height);
    const diff = meanAbsDiff(await viaIndexRead(path), readF32(join(GOLDEN, c.tensor)));
    const tolerance = short < 224 ? 0.1 : 0.01;
    assert.ok(diff <= tolerance, `${c.file}: mean abs diff ${diff.toFixed(4)} > ${tolerance}`);
  }
});

test('a large JPEG is decoded at the coarsest DCT scale that still covers the model and the thumbnail', () => {
  const need = (w: number, h: number) => ({ model: model.resizeTo(w, h), thumb: thumbnailSize(w, h, 256) });
  // 12 MP: sharp is asked for a size at least 9 times smaller, which it decodes at 1/8 (see jpegScaleSize).
  let n = need(4000, 3000);
  assert.deepEqual(sharedDecodeSize(4000, 3000, n.model, n.thumb, { shrinkOnLoad: true }), {
    width: 444,
    height: 333,
  });
  // The same photo in a format without shrink-on-load: twice the model's resize size, for fidelity.
  assert.deepEqual(sharedDecodeSize(4000, 3000, n.model, n.thumb), { width: 597, height: 448 });
  // 6 MP: 1/8 (333×222) would not cover the 384×256 thumbnail; 1/4 does, where sharp used 1/2 before.
  n = need(3000, 2000);
  assert.deepEqual(sharedDecodeSize(3000, 2000, n.model, n.thumb, { shrinkOnLoad: true }), {
    width: 600,
    height: 400,
  });
  // Small photos: no scaled decode covers the need, so the two-times rule (capped by the image) holds.
  n = need(800, 600);
  assert.equal(jpegScaleSize(800, 600, 256 / 600), undefined);
  assert.deepEqual(sharedDecodeSize(800, 600, n.model, n.thumb, { shrinkOnLoad: true }), {
    width: 597,
    height: 448,
  });
  // Whatever the shape, the size chosen covers both needs.
  for (const [w, h] of [
    [4000, 3000],
    [3000, 4000],
    [6000, 4000],
    [4032, 3024],
    [12000, 1000],
    [2400, 2400],
  ] as const) {
    n = need(w, h);
    const s = sharedDecodeSize(w, h, n.model, n.thumb, { shrinkOnLoad: true });
    assert.ok(s.width >= n.model.width && s.height >= n.model.height, `${w}×${h}: ${s.width}×${s.height}`);
    assert.ok(s.width >= n.thumb.width && s.height >= n.thumb.height, `${w}×${h}: ${s.width}×${s.height}`);
  }
});

test('indexing decodes the bytes it hashed: a file rewritten after its read does not change the pixels', async () => {
  const tmp = await mkdtemp(join(tmpdir(), 'lookbook-index-read-'));
  try {
    const file = join(tmp, 'photo.jpg');
    const solid = (r: number, g: number, b: number) =>
      sharp({ create: { width: 640, height: 480, channels: 3, background: { r, g, b } } })
        .jpeg()
        .toBuffer();
    await writeFile(file, await solid(220, 30, 30));
    const { contentId, bytes } = await readAndHash(file, 'blake3');
    assert.ok(bytes, 'a photo this size is read whole');
    assert.equal(contentId, contentIdOfBytes(bytes, 'blake3'));
    await writeFile(file, await solid(30, 30, 220)); // replaced on disk between the hash and the decode
    const read = await readForIndex(file, { model, metadata: true, bytes });
    const [r, , b] = read.pixels.data;
    assert.ok(
      r! > 200 && b! < 50,
      `decoded the hashed (red) bytes, got rgb ${[...read.pixels.data.subarray(0, 3)]}`,
    );
    // Without the bytes the file is read again and the new (blue) content is what is decoded.
    const again = await readForIndex(file, { model, metadata: false });
    assert.ok(again.pixels.data[2]! > 200, 'the file itself now holds the blue photo');
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
});
