import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, stat, writeFile, copyFile, unlink } from 'node:fs/promises';
import { join, relative } from 'node:path';
import {
  browserImageType,
  classifyPath,
  formatFromExtension,
  READABLE_PHOTO_EXTENSIONS,
  sniffFormat,
} from '../../main/media/formats.js';
import { PHOTOS, withTempDir } from './helpers.js';

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const name of await readdir(dir)) {
    const p = join(dir, name);
    if ((await stat(p)).isDirectory()) out.push(...(await walk(p)));
    else out.push(p);
  }
  return out;
}

test('every file of the rclip set is classified by extension and content', async () => {
  const files = await walk(PHOTOS);
  assert.ok(files.length >= 40, `expected the whole set, found ${files.length}`);
  const byFile: Record<string, string> = {};
  for (const f of files) {
    const c = await classifyPath(f);
    byFile[relative(PHOTOS, f)] =
      c.kind === 'photo' ? c.format : `not-photo${c.error ? `:${c.error.code}` : ''}`;
  }
  // The content decides among image formats: duck.jp2 holds a JPEG, and is read as one.
  assert.equal(byFile['images/duck.jp2'], 'jpeg');
  assert.equal(byFile['images/not-an-image.txt'], 'not-photo');
  assert.equal(byFile['LICENSE-rclip.txt'], 'not-photo');
  assert.equal(byFile['images heic/bee.heic'], 'heic');
  assert.equal(byFile['images/chess-pawns.bmp'], 'bmp');
  assert.equal(byFile['images/chess-knight.tiff'], 'tiff');
  assert.equal(byFile['images/tree.webp'], 'webp');
  assert.equal(byFile['images/bee_animated.gif'], 'gif');
  assert.equal(byFile['images unicode/鳥鳥.png'], 'png');
  assert.equal(byFile['images nested directories/cats/black cat sleeping on a chair.JPG'], 'jpeg');
  for (const name of [
    'magpie.pbm',
    'parrot-and-flowers.pgm',
    'kookaburras.pnm',
    'parrot-looks-into-the-camera.ppm',
  ]) {
    assert.equal(byFile[`images/${name}`], 'pnm', name);
  }
  const photos = Object.values(byFile).filter((v) => !v.startsWith('not-photo'));
  assert.equal(photos.length, files.length - 3, JSON.stringify(byFile, null, 1));
});

test('extensions: case-insensitive, RAW and unsupported image types are recognised without disk access', () => {
  assert.equal(formatFromExtension('/x/IMG_0001.JPG'), 'jpeg');
  assert.equal(formatFromExtension('/x/IMG_0001.HEIC'), 'heic');
  assert.equal(formatFromExtension('/x/DSC_0001.NEF'), 'raw');
  assert.equal(formatFromExtension('/x/a.dng'), 'raw');
  assert.equal(formatFromExtension('/x/a.jp2'), 'unsupported');
  assert.equal(formatFromExtension('/x/a.mp4'), undefined);
  assert.equal(formatFromExtension('/x/README'), undefined);
});

test('one extension table: what a picker offers and what a browser is sent follow the formats', () => {
  for (const ext of ['jpg', 'jfif', 'heic', 'nef', 'pgm'])
    assert.ok(READABLE_PHOTO_EXTENSIONS.includes(ext), ext);
  assert.ok(!READABLE_PHOTO_EXTENSIONS.includes('jp2'), 'an unsupported type is not offered');
  assert.equal(browserImageType('/x/IMG_0001.JPG'), 'image/jpeg');
  assert.equal(browserImageType('/x/a.jfif'), 'image/jpeg');
  assert.equal(browserImageType('/x/a.webp'), 'image/webp');
  // Browsers cannot show these: the UI uses the thumbnail.
  for (const name of ['a.heic', 'a.tif', 'a.nef', 'a.ppm', 'a.jp2', 'a.svg', 'README']) {
    assert.equal(browserImageType(`/x/${name}`), undefined, name);
  }
});

test('sniffing recognises magic bytes and says when content is text', () => {
  assert.deepEqual(sniffFormat(Buffer.from('hello, this is text')), { kind: 'unknown', looksLikeText: true });
  assert.deepEqual(sniffFormat(Buffer.from([0xff, 0xd8, 0xff, 0xe0])), { kind: 'format', format: 'jpeg' });
  const jp2 = Buffer.from([0, 0, 0, 0x0c, 0x6a, 0x50, 0x20, 0x20, 0x0d, 0x0a, 0x87, 0x0a, 0, 0, 0, 0x14]);
  assert.deepEqual(sniffFormat(jp2), { kind: 'unsupported', name: 'JPEG 2000' });
  const avif = Buffer.concat([Buffer.from([0, 0, 0, 0x1c]), Buffer.from('ftypavif\0\0\0\0avifmif1miaf')]);
  assert.deepEqual(sniffFormat(avif), { kind: 'format', format: 'avif' });
  const heic = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypheic\0\0\0\0mif1heic')]);
  assert.deepEqual(sniffFormat(heic), { kind: 'format', format: 'heic' });
});

test('bad files with photo extensions are reported with a code and a reason; other files are skipped quietly', async () => {
  await withTempDir(async (dir) => {
    const empty = join(dir, 'empty.jpg');
    await writeFile(empty, '');
    const text = join(dir, 'notes.png');
    await writeFile(text, 'shopping list: milk, eggs\n');
    const realJp2 = join(dir, 'real.jp2');
    await writeFile(
      realJp2,
      Buffer.from([0, 0, 0, 0x0c, 0x6a, 0x50, 0x20, 0x20, 0x0d, 0x0a, 0x87, 0x0a, 0, 0]),
    );
    const gone = join(dir, 'gone.jpg');
    await copyFile(join(PHOTOS, 'images/bee.jpg'), gone);
    await unlink(gone);
    const cases: [string, string, RegExp][] = [
      [empty, 'empty', /empty \(0 bytes\)/],
      [text, 'corrupt', /\.png extension but contains text/],
      [realJp2, 'unsupported-format', /JPEG 2000 images are not supported/],
      [gone, 'missing', /no longer exists/],
      [dir + '/folder.jpg', 'missing', /no longer exists/],
    ];
    for (const [path, code, reason] of cases) {
      const c = await classifyPath(path);
      assert.equal(c.kind, 'not-photo', path);
      if (c.kind !== 'not-photo') continue;
      assert.equal(c.error?.code, code, path);
      assert.match(c.reason, reason);
      assert.ok(c.reason.includes(path), 'the reason names the file');
    }
    const txt = await classifyPath(join(PHOTOS, 'images/not-an-image.txt'));
    assert.equal(txt.kind === 'not-photo' && txt.error, undefined);
  });
});
