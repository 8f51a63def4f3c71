// Phone HEICs embed a small thumbnail; indexing uses it for the model and the thumbnail when it covers
// the model's input, and decodes the full image only when there is none (or too small a one). The test
// photos are made with heif-enc (libheif-examples, installed by .ci/run) from a real photo.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import sharp from 'sharp';
import { planResize, preprocessPixels } from '../../main/engine/preprocess.js';
import { decodePixels } from '../../main/media/decode.js';
import { findHeifThumbnail } from '../../main/media/heif-thumbnail.js';
import { readForIndex } from '../../main/media/index-read.js';
import { CLIP_PREPROCESS, meanAbsDiff } from '../engine/fixtures.js';
import { PHOTOS } from './helpers.js';

const model = { resizeTo: (w: number, h: number) => planResize(w, h, CLIP_PREPROCESS) };
const SIZE = { width: 1600, height: 1200 };
let dir: string;
/**
 * heif-enc makes the test photos. CI installs it (.ci/run), and there a missing encoder fails the tests;
 * on a developer's machine without it they are skipped, saying what to install.
 */
const hasHeifEnc = (() => {
  try {
    execFileSync('heif-enc', ['--version'], { stdio: 'pipe' });
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ENOENT';
  }
})();
const skip =
  !hasHeifEnc && !process.env.CI ? 'heif-enc is not installed (apt-get install libheif-examples)' : false;
const heic = { withPreview: '', smallPreview: '', none: '' };

before(async () => {
  if (skip) return;
  dir = await mkdtemp(join(tmpdir(), 'lookbook-heic-'));
  const jpeg = join(dir, 'photo.jpg');
  await sharp(join(PHOTOS, 'images/bee.jpg')).resize(SIZE.width, SIZE.height, { fit: 'fill' }).toFile(jpeg);
  const encode = (out: string, ...args: string[]) => {
    execFileSync('heif-enc', ['-q', '70', ...args, '-o', out, jpeg], { stdio: 'pipe' });
    return out;
  };
  heic.withPreview = encode(join(dir, 'with-preview.heic'), '-t', '320');
  heic.smallPreview = encode(join(dir, 'small-preview.heic'), '-t', '160');
  heic.none = encode(join(dir, 'no-preview.heic'));
});
after(() => (dir ? rm(dir, { recursive: true, force: true }) : undefined));

test('the thumbnail item is found when it covers the model, with its size', { skip }, async () => {
  assert.deepEqual(findHeifThumbnail(await readFile(heic.withPreview), 224), {
    itemId: 2,
    width: 320,
    height: 240,
  });
  assert.equal(findHeifThumbnail(await readFile(heic.withPreview), 241), undefined, 'short side 240 < 241');
  assert.equal(findHeifThumbnail(await readFile(heic.smallPreview), 224), undefined);
  assert.equal(findHeifThumbnail(await readFile(heic.none), 224), undefined);
  assert.equal(findHeifThumbnail(await readFile(join(PHOTOS, 'images heic', 'bee.heic')), 224), undefined);
  // Damaged headers give no preview rather than an error (the full decode then says what is wrong).
  const cut = (await readFile(heic.withPreview)).subarray(0, 300);
  assert.equal(findHeifThumbnail(cut, 224), undefined);
});

test(
  'a HEIC with a preview is indexed from it, close to its full decode; one without by a full decode',
  { skip },
  async () => {
    const full = await decodePixels(heic.withPreview);
    const fullTensor = await preprocessPixels(
      {
        ...full,
        channels: full.channels as 1 | 2 | 3 | 4,
        sourceWidth: full.width,
        sourceHeight: full.height,
      },
      CLIP_PREPROCESS,
    );

    const fromPreview = await readForIndex(heic.withPreview, { model, metadata: true });
    assert.equal(fromPreview.fromPreview, true);
    assert.deepEqual(
      [fromPreview.pixels.width, fromPreview.pixels.height],
      [320, 240],
      'the thumbnail, not enlarged',
    );
    // The photo keeps its own size in the library.
    assert.deepEqual([fromPreview.metadata?.width, fromPreview.metadata?.height], [SIZE.width, SIZE.height]);
    assert.deepEqual(
      [fromPreview.pixels.sourceWidth, fromPreview.pixels.sourceHeight],
      [SIZE.width, SIZE.height],
    );
    const diff = meanAbsDiff(await preprocessPixels(fromPreview.pixels, CLIP_PREPROCESS), fullTensor);
    console.log(`HEIC preview vs full decode: mean abs diff of the model input ${diff.toFixed(4)}`);
    assert.ok(
      diff < 0.06,
      `the preview's model input is within 0.06 of the full decode's (${diff.toFixed(4)})`,
    );

    for (const path of [heic.none, heic.smallPreview]) {
      const read = await readForIndex(path, { model, metadata: true });
      assert.equal(read.fromPreview, false, path);
      assert.ok(
        read.pixels.width > 320,
        `${path}: decoded from the full image (${read.pixels.width} px wide)`,
      );
      assert.deepEqual([read.metadata?.width, read.metadata?.height], [SIZE.width, SIZE.height]);
    }
  },
);
