import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmod, copyFile, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { decodePixels, loadImage, openImage, openImageInput, probeImage } from '../../main/media/decode.js';
import { MediaError } from '../../main/media/errors.js';
import { PHOTOS, withTempDir } from './helpers.js';

const img = (name: string): string => join(PHOTOS, 'images', name);

async function rejectsWith(p: Promise<unknown>, code: string, reason?: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof MediaError, `expected a MediaError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (reason) assert.match(e.message, reason);
    return true;
  });
}

test('every photo in the rclip set decodes to its real size, through the decoder its format needs', async () => {
  // Sizes as `file` reports them for these fixtures.
  const expected: [string, number, number, string][] = [
    ['images/bee.jpg', 384, 256, 'sharp'],
    ['images/books.jpg', 384, 576, 'sharp'],
    ['images/black kitty.jpeg', 384, 256, 'sharp'],
    ['images/chessboard with rocks.JPG', 384, 256, 'sharp'],
    ['images/duck.jp2', 384, 256, 'sharp'],
    ['images/boats on a lake.png', 384, 256, 'sharp'],
    ['images/bee_animated.gif', 200, 133, 'sharp'],
    ['images/chess-queen.gif', 256, 384, 'sharp'],
    ['images/chess-knight.tiff', 384, 256, 'sharp'],
    ['images/tree.webp', 171, 256, 'sharp'],
    ['images/chess-pawns.bmp', 384, 256, 'bmp'],
    ['images/kookaburras.pnm', 384, 256, 'pnm'],
    ['images/magpie.pbm', 384, 256, 'pnm'],
    ['images/parrot-and-flowers.pgm', 256, 384, 'pnm'],
    ['images/parrot-looks-into-the-camera.ppm', 256, 384, 'pnm'],
    ['images heic/bee.heic', 384, 256, 'heic-decode'],
    ['images unicode/鳥鳥.png', 1198, 1080, 'sharp'],
    ['images nested directories/misc/bees/bee.jpg', 384, 256, 'sharp'],
  ];
  for (const [rel, width, height, decoder] of expected) {
    const path = join(PHOTOS, rel);
    const probe = await probeImage(path);
    assert.deepEqual([probe.width, probe.height, probe.decoder], [width, height, decoder], rel);
    const px = await decodePixels(path);
    assert.deepEqual([px.width, px.height], [width, height], rel);
    assert.equal(px.data.length, width * height * px.channels);
    // Decoded pixels are a picture, not a blank buffer.
    const mean = px.data.reduce((a, b) => a + b, 0) / px.data.length;
    assert.ok(mean > 10 && mean < 245, `${rel}: mean ${mean}`);
  }
});

test('HEIC decodes (sharp alone cannot) to the same picture as its JPEG twin', async () => {
  await assert.rejects(sharp(join(PHOTOS, 'images heic/bee.heic')).raw().toBuffer(), /HEVC|bad seek/);
  const heic = await (await openImage(join(PHOTOS, 'images heic/bee.heic'))).removeAlpha().raw().toBuffer();
  const jpeg = await sharp(join(PHOTOS, 'images heic/bee.jpg')).raw().toBuffer();
  assert.equal(heic.length, jpeg.length);
  let diff = 0;
  for (let i = 0; i < heic.length; i++) diff += Math.abs(heic[i]! - jpeg[i]!);
  assert.ok(diff / heic.length < 8, `mean abs difference ${diff / heic.length}`);
});

test('Netpbm: plain and binary, 8- and 16-bit, PAM, all give the same pixels', async () => {
  await withTempDir(async (dir) => {
    const w = 7;
    const h = 3;
    const grey = Array.from({ length: w * h }, (_, i) => (i * 12) % 256);
    const rgb = grey.flatMap((g, i) => [g, 255 - g, (i * 5) % 256]);
    const files: Record<string, Buffer> = {
      'p2.pgm': Buffer.from(`P2\n# a comment\n${w} ${h}\n255\n${grey.join(' ')}\n`),
      'p5.pgm': Buffer.concat([Buffer.from(`P5 ${w} ${h} 255\n`), Buffer.from(grey)]),
      'p5-16.pgm': Buffer.concat([
        Buffer.from(`P5 ${w} ${h} 65535\n`),
        Buffer.from(grey.flatMap((g) => [(g * 257) >> 8, (g * 257) & 255])),
      ]),
      'p3.ppm': Buffer.from(`P3 ${w} ${h} 255 ${rgb.join(' ')}`),
      'p6.ppm': Buffer.concat([Buffer.from(`P6\n${w} ${h}\n255\n`), Buffer.from(rgb)]),
      'p7.pam': Buffer.concat([
        Buffer.from(`P7\nWIDTH ${w}\nHEIGHT ${h}\nDEPTH 3\nMAXVAL 255\nTUPLTYPE RGB\nENDHDR\n`),
        Buffer.from(rgb),
      ]),
    };
    for (const [name, bytes] of Object.entries(files)) {
      await writeFile(join(dir, name), bytes);
      const img = await loadImage(join(dir, name));
      assert.deepEqual(img.raw, { width: w, height: h, channels: name.endsWith('pgm') ? 1 : 3 }, name);
      const want = name.endsWith('pgm') ? grey : rgb;
      assert.deepEqual([...(img.input as Buffer)], want, name);
    }
    // PBM: 1 is black. Plain (digits may touch) and packed binary rows.
    await writeFile(join(dir, 'p1.pbm'), 'P1\n3 2\n101\n0 1 0\n');
    await writeFile(
      join(dir, 'p4.pbm'),
      Buffer.concat([Buffer.from('P4\n3 2\n'), Buffer.from([0b10100000, 0b01000000])]),
    );
    for (const name of ['p1.pbm', 'p4.pbm']) {
      const img = await loadImage(join(dir, name));
      assert.deepEqual([...(img.input as Buffer)], [0, 255, 0, 255, 0, 255], name);
    }
    await writeFile(
      join(dir, 'short.ppm'),
      Buffer.concat([Buffer.from('P6 100 100 255\n'), Buffer.alloc(50)]),
    );
    await rejectsWith(loadImage(join(dir, 'short.ppm')), 'corrupt', /truncated/);
  });
});

/** A PNG that claims `width`×`height` in its header, with one tiny IDAT: a decompression bomb's shape. */
function pngHeader(width: number, height: number): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (b: Buffer): number => {
    let c = 0xffffffff;
    for (const x of b) c = crcTable[(c ^ x) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer): Buffer => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc(body), body.length + 4);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(1000))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

test('huge images are refused from their header, before any pixel is decoded', async () => {
  await withTempDir(async (dir) => {
    const bombs: Record<string, Buffer> = {
      'bomb.png': pngHeader(100_000, 100_000),
      'bomb.ppm': Buffer.concat([Buffer.from('P6 60000 60000 255\n'), Buffer.alloc(16)]),
      'bomb.bmp': (() => {
        const b = Buffer.alloc(64);
        b.write('BM', 0, 'latin1');
        b.writeUInt32LE(40, 14);
        b.writeInt32LE(50_000, 18);
        b.writeInt32LE(-50_000, 22);
        return b;
      })(),
    };
    for (const [name, bytes] of Object.entries(bombs)) {
      await writeFile(join(dir, name), bytes);
      const started = Date.now();
      await rejectsWith(loadImage(join(dir, name)), 'too-large', /above the 268\.4 MP limit/);
      // Decoding any of these would take minutes or run out of memory; 10 s leaves room for a busy CI.
      assert.ok(Date.now() - started < 10_000, `${name} took ${Date.now() - started} ms`);
    }
    // The limit is a setting: a small limit refuses an ordinary photo, with its size in the message.
    await rejectsWith(loadImage(img('bee.jpg'), { maxPixels: 1000 }), 'too-large', /384×256/);
  });
});

test('broken files fail with clear reasons: empty, truncated, text, deleted, a folder', async () => {
  await withTempDir(async (dir) => {
    const bee = await readFile(img('bee.jpg'));
    await writeFile(join(dir, 'empty.jpg'), '');
    await rejectsWith(openImage(join(dir, 'empty.jpg')), 'empty', /empty/);
    await writeFile(join(dir, 'cut.jpg'), bee.subarray(0, Math.floor(bee.length * 0.6)));
    await rejectsWith(decodePixels(join(dir, 'cut.jpg')), 'corrupt', /damaged or truncated/);
    await writeFile(join(dir, 'cut.bmp'), (await readFile(img('chess-pawns.bmp'))).subarray(0, 5000));
    await rejectsWith(decodePixels(join(dir, 'cut.bmp')), 'corrupt');
    await writeFile(
      join(dir, 'cut.heic'),
      (await readFile(join(PHOTOS, 'images heic/bee.heic'))).subarray(0, 3000),
    );
    await rejectsWith(decodePixels(join(dir, 'cut.heic')), 'corrupt');
    await writeFile(join(dir, 'note.png'), 'not a picture at all');
    await rejectsWith(openImage(join(dir, 'note.png')), 'corrupt', /contains text/);
    await copyFile(img('bee.jpg'), join(dir, 'gone.jpg'));
    await unlink(join(dir, 'gone.jpg'));
    await rejectsWith(openImage(join(dir, 'gone.jpg')), 'missing', /no longer exists/);
    await mkdir(join(dir, 'album.jpg'));
    await rejectsWith(openImage(join(dir, 'album.jpg')), 'not-a-file');
  });
});

test('a file that cannot be read for lack of permission fails as permission-denied', async (t) => {
  await withTempDir(async (dir) => {
    const path = join(dir, 'private.jpg');
    await copyFile(img('bee.jpg'), path);
    await chmod(path, 0o000);
    if (process.getuid?.() !== 0) {
      await rejectsWith(openImage(path), 'permission-denied', /permission denied/);
      return;
    }
    // Root reads any file, so the check runs in a child process as the unprivileged 'nobody' user.
    await chmod(dir, 0o755);
    const script = `
      const { openImage } = await import(${JSON.stringify(resolve('main/media/decode.ts'))});
      try { await openImage(${JSON.stringify(path)}); console.log('opened'); }
      catch (e) { console.log(e.code + ' ' + e.message); }`;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      uid: 65534,
      gid: 65534,
      encoding: 'utf8',
      env: { ...process.env, HOME: '/tmp' },
    });
    if (child.error || child.status !== 0) {
      t.skip(`cannot run as another user here: ${child.error?.message ?? child.stderr.slice(0, 200)}`);
      return;
    }
    assert.match(child.stdout.trim(), /^permission-denied .*permission denied/);
  });
});

test('long and non-ASCII paths work', async () => {
  await withTempDir(async (dir) => {
    let deep = dir;
    for (let i = 0; i < 12; i++) deep = join(deep, `${'é'.repeat(20)}-папка-${'x'.repeat(60)}-${i}`);
    await mkdir(deep, { recursive: true });
    const path = join(deep, '写真 🐝 café.jpeg');
    assert.ok(Buffer.byteLength(path) > 1000);
    await copyFile(img('bee.jpg'), path);
    const px = await decodePixels(path);
    assert.deepEqual([px.width, px.height], [384, 256]);
    assert.equal(await openImageInput(path), path);
  });
});

test('openImageInput: the path for sharp formats, an upright PNG for the others', async () => {
  assert.equal(await openImageInput(img('bee.jpg')), img('bee.jpg'));
  for (const name of ['chess-pawns.bmp', 'magpie.pbm']) {
    const buf = await openImageInput(img(name));
    assert.ok(Buffer.isBuffer(buf));
    const meta = await sharp(buf).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ['png', 384, 256]);
  }
});

test('camera RAW: the largest embedded JPEG preview is used, upright per the RAW orientation', async () => {
  await withTempDir(async (dir) => {
    // A stand-in RAW: a TIFF container (orientation 6, like a camera held upright) whose bytes are
    // followed by a small thumbnail and a larger preview JPEG, as makers embed them.
    const tiff = await sharp({ create: { width: 16, height: 12, channels: 3, background: '#123456' } })
      .withMetadata({ orientation: 6 })
      .tiff({ compression: 'none' })
      .toBuffer();
    const thumb = await sharp({ create: { width: 32, height: 24, channels: 3, background: '#ff0000' } })
      .jpeg()
      .toBuffer();
    const preview = await sharp(await readFile(img('bee.jpg')))
      .jpeg({ quality: 80 })
      .toBuffer();
    const path = join(dir, 'IMG_0001.CR2');
    await writeFile(path, Buffer.concat([tiff, thumb, Buffer.alloc(100, 0xff), preview, Buffer.alloc(50)]));
    const probe = await probeImage(path);
    assert.deepEqual(
      [probe.format, probe.decoder, probe.width, probe.height],
      ['raw', 'raw-preview', 256, 384],
    );
    const px = await decodePixels(path);
    assert.deepEqual([px.width, px.height], [256, 384]);
    const expected = await sharp(preview).rotate(90).raw().toBuffer();
    assert.ok(px.data.equals(expected), 'the preview, rotated 90° clockwise');
    // A RAW without any preview is refused with the reason.
    await writeFile(join(dir, 'bare.nef'), tiff);
    await rejectsWith(loadImage(join(dir, 'bare.nef')), 'unsupported-format', /no embedded JPEG preview/);
  });
});
