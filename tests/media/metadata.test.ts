import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { readMetadata, parseExifDate } from '../../main/media/metadata.js';
import { openImage } from '../../main/media/decode.js';
import { ORIENTATION_6, PHOTOS, withTempDir } from './helpers.js';

test('dimensions are reported upright: EXIF orientation 6 swaps width and height, as openImage does', async () => {
  const raw = await sharp(ORIENTATION_6).metadata();
  assert.equal(raw.orientation, 6);
  const meta = await readMetadata(ORIENTATION_6);
  assert.deepEqual([meta.width, meta.height], [raw.height, raw.width]);
  const { info } = await (await openImage(ORIENTATION_6)).raw().toBuffer({ resolveWithObject: true });
  assert.deepEqual([info.width, info.height], [meta.width, meta.height]);
});

test('EXIF capture date (with its offset), camera and GPS are read', async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, 'trip.jpg');
    await sharp({ create: { width: 40, height: 30, channels: 3, background: '#808080' } })
      .withExif({
        IFD0: { Make: 'Lookbook Cam', Model: 'LB-1' },
        IFD2: { DateTimeOriginal: '2021:07:04 18:30:15', OffsetTimeOriginal: '+02:00' },
        IFD3: {
          GPSLatitudeRef: 'N',
          GPSLatitude: '48/1 51/1 2964/100',
          GPSLongitudeRef: 'W',
          GPSLongitude: '2/1 21/1 792/100',
        },
      })
      .jpeg()
      .toFile(path);
    const meta = await readMetadata(path);
    assert.equal(meta.takenAt.toISOString(), '2021-07-04T16:30:15.000Z');
    assert.equal(meta.takenAtSource, 'exif');
    assert.equal(meta.cameraMake, 'Lookbook Cam');
    assert.equal(meta.cameraModel, 'LB-1');
    assert.ok(meta.gps);
    assert.ok(Math.abs(meta.gps.lat - 48.858233) < 1e-5, String(meta.gps.lat));
    assert.ok(Math.abs(meta.gps.lon - -2.3522) < 1e-5, String(meta.gps.lon));
    assert.deepEqual([meta.width, meta.height, meta.format], [40, 30, 'jpeg']);
    assert.equal(meta.sizeBytes, (await stat(path)).size);
  });
});

test('without EXIF the file time is used and said so; camera and GPS are null', async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, 'plain.png');
    await sharp({ create: { width: 10, height: 20, channels: 3, background: '#000' } })
      .png()
      .toFile(path);
    const when = new Date('2019-03-02T10:00:00Z');
    await utimes(path, when, when);
    const meta = await readMetadata(path);
    assert.equal(meta.takenAt.toISOString(), when.toISOString());
    assert.equal(meta.takenAtSource, 'file');
    assert.deepEqual([meta.cameraMake, meta.cameraModel, meta.gps], [null, null, null]);
  });
});

test('every photo of the rclip set has metadata; BMP, PNM and HEIC included', async () => {
  for (const [rel, w, h, format] of [
    ['images/chess-pawns.bmp', 384, 256, 'bmp'],
    ['images/magpie.pbm', 384, 256, 'pnm'],
    ['images heic/bee.heic', 384, 256, 'heic'],
    ['images/tree.webp', 171, 256, 'webp'],
    ['images/bee_animated.gif', 200, 133, 'gif'],
  ] as const) {
    const meta = await readMetadata(join(PHOTOS, rel));
    assert.deepEqual([meta.width, meta.height, meta.format], [w, h, format], rel);
  }
});

test('impossible EXIF dates fall back; a missing file is a MediaError', async () => {
  assert.equal(parseExifDate('0000:00:00 00:00:00'), undefined);
  assert.equal(parseExifDate('garbage'), undefined);
  assert.equal(parseExifDate('2020:01:02 03:04:05', '-05:00')?.toISOString(), '2020-01-02T08:04:05.000Z');
  await withTempDir(async (dir) => {
    await writeFile(join(dir, 'x.jpg'), '');
    await assert.rejects(readMetadata(join(dir, 'x.jpg')), { code: 'empty' });
    await assert.rejects(readMetadata(join(dir, 'nope.jpg')), { code: 'missing' });
  });
});
