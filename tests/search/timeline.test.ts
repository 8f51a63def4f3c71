// The Photos view's timeline through the API the UI calls: months newest first with their counts, each
// month's photos newest first with their displayed size, identical copies once, and search's filters.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdir, utimes } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import sharp from 'sharp';
import { createCoreApi } from '../../main/api/core-api.js';
import type { CoreApi } from '../../main/api/dispatch.js';
import { validateRequest } from '../../main/api/validate.js';
import { openCore } from '../../main/core/open-core.js';
import { tempDir } from '../tagging/colour-photos.js';

let tmp: { path: string; cleanup(): Promise<void> };
let photos: string;
let api: CoreApi;

/** A small photo with its own bytes (seed), a stored size, and optionally an EXIF date and orientation. */
async function photo(
  path: string,
  o: { seed: number; width: number; height: number; exifDate?: string; orientation?: number; png?: boolean },
): Promise<string> {
  const pixels = Buffer.alloc(o.width * o.height * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 7 + o.seed * 31) % 256;
  let img = sharp(pixels, { raw: { width: o.width, height: o.height, channels: 3 } });
  if (o.exifDate || o.orientation)
    img = img.withMetadata({
      ...(o.orientation ? { orientation: o.orientation } : {}),
      ...(o.exifDate ? { exif: { IFD2: { DateTimeOriginal: o.exifDate } } } : {}),
    });
  await mkdir(dirname(path), { recursive: true });
  await (o.png ? img.png() : img.jpeg({ quality: 90 })).toFile(path);
  return path;
}

before(async () => {
  tmp = await tempDir('timeline');
  photos = join(tmp.path, 'photos');
  // Three months with EXIF dates, given out of order; sizes stored landscape, portrait and rotated.
  await photo(join(photos, 'trip', 'mar-landscape.jpg'), {
    seed: 1,
    width: 40,
    height: 20,
    exifDate: '2024:03:10 09:00:00',
  });
  // Stored 40×20 but EXIF orientation 6 (rotate 90°): shown, and laid out, 20 wide and 40 high.
  await photo(join(photos, 'trip', 'mar-rotated.jpg'), {
    seed: 2,
    width: 40,
    height: 20,
    exifDate: '2024:03:20 18:30:00',
    orientation: 6,
  });
  await photo(join(photos, 'home', 'nov-portrait.jpg'), {
    seed: 3,
    width: 20,
    height: 40,
    exifDate: '2023:11:05 12:00:00',
  });
  for (const [i, day] of ['02', '14', '28'].entries())
    await photo(join(photos, 'home', `jul-${day}.jpg`), {
      seed: 10 + i,
      width: 30,
      height: 30,
      exifDate: `2024:07:${day} 12:00:00`,
    });
  // An identical copy in another folder is the same photo: it appears once.
  await copyFile(join(photos, 'home', 'jul-14.jpg'), join(photos, 'trip', 'jul-14-copy.jpg'));
  // No EXIF date: the file's time places it (January 2022, mid-month so no time zone moves it).
  const png = await photo(join(photos, 'scans', 'scan.png'), { seed: 20, width: 24, height: 24, png: true });
  const mtime = new Date(2022, 0, 15, 12, 0, 0);
  await utimes(png, mtime, mtime);

  const dataDir = join(tmp.path, 'data');
  const core = await openCore({ dataDir, model: 'demo', threads: 1 });
  await core.library.addFolder(photos);
  const stats = await core.library.index();
  assert.equal(stats.failed, 0);
  await core.close();
  api = await createCoreApi({ dataDir, model: 'demo', watch: false });
});

after(async () => {
  await api?.close();
  await tmp?.cleanup();
});

test('the timeline lists months newest first with their counts; a copy counts once', async () => {
  const summary = await api.handlers['photos.timeline']({});
  assert.deepEqual(summary, {
    total: 7,
    months: [
      { month: '2024-07', count: 3 },
      { month: '2024-03', count: 2 },
      { month: '2023-11', count: 1 },
      { month: '2022-01', count: 1 },
    ],
  });
});

test("a month's photos come newest first, with their displayed width and height and the date taken", async () => {
  const march = await api.handlers['photos.month']({ month: '2024-03' });
  assert.deepEqual(
    march.map((p) => [p.name, p.width, p.height]),
    [
      ['mar-rotated.jpg', 20, 40],
      ['mar-landscape.jpg', 40, 20],
    ],
  );
  assert.equal(new Date(march[0]!.takenAt!).getTime(), new Date(2024, 2, 20, 18, 30).getTime());
  assert.equal(march[0]!.format, 'jpeg');
  assert.equal(march[0]!.folder, join(photos, 'trip'));

  const july = await api.handlers['photos.month']({ month: '2024-07' });
  assert.deepEqual(
    july.map((p) => basename(p.path)),
    ['jul-28.jpg', 'jul-14.jpg', 'jul-02.jpg'],
  );
  const november = await api.handlers['photos.month']({ month: '2023-11' });
  assert.deepEqual([november[0]!.width, november[0]!.height], [20, 40]);
  assert.deepEqual(await api.handlers['photos.month']({ month: '2021-05' }), []);
});

test('the timeline takes the search filters: folder, dates, formats', async () => {
  const trip = await api.handlers['photos.timeline']({ filters: { folder: join(photos, 'trip') } });
  assert.deepEqual(trip.months, [
    { month: '2024-07', count: 1 },
    { month: '2024-03', count: 2 },
  ]);
  // Inside a folder, the copy there is the path shown.
  const tripJuly = await api.handlers['photos.month']({
    month: '2024-07',
    filters: { folder: join(photos, 'trip') },
  });
  assert.deepEqual(
    tripJuly.map((p) => p.name),
    ['jul-14-copy.jpg'],
  );

  const spring = await api.handlers['photos.timeline']({ filters: { from: '2024-01-01', to: '2024-03-10' } });
  assert.deepEqual(spring, { total: 1, months: [{ month: '2024-03', count: 1 }] });

  const pngs = await api.handlers['photos.timeline']({ filters: { formats: ['png'] } });
  assert.deepEqual(pngs.months, [{ month: '2022-01', count: 1 }]);
});

test('a month that is not one is refused with a sentence', () => {
  assert.throws(() => validateRequest('photos.month', { month: 'March' }), /month like 2024-07/);
  assert.throws(() => validateRequest('photos.month', { month: '2024-13' }), /month like 2024-07/);
  assert.deepEqual(validateRequest('photos.month', { month: 'undated' }), { month: 'undated' });
});
