// Indexing decodes each photo once and derives the thumbnail and the CLIP input from the same pixels.
// That must not cost fidelity: the tensor stays within the preprocessing tolerance of a full decode.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { planResize, preprocessImage, preprocessPixels } from '../../main/engine/preprocess.js';
import { readForIndex } from '../../main/media/index-read.js';
import { makeThumbnail } from '../../main/media/thumbnail.js';
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
