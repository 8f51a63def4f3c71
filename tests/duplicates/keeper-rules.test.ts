import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keeperReason, rankForKeeping, type KeeperCandidate } from '../../main/duplicates/keeper-rules.js';

// The keeper rules in their stated order: resolution, then an original format over re-encodes, then
// metadata, then the oldest file; and the reason says which rule decided.

const base: KeeperCandidate = {
  path: '/p/a.jpg',
  width: 4000,
  height: 3000,
  format: 'jpeg',
  hasExifDate: false,
  hasGps: false,
  hasCamera: false,
  mtimeMs: 2000,
};

test('resolution first, then format, then metadata, then the oldest file', () => {
  const big = { ...base, path: '/p/big.webp', format: 'webp' };
  const small = { ...base, path: '/p/small.heic', width: 2000, height: 1500, format: 'heic' };
  assert.equal(rankForKeeping([small, big])[0], big, 'a larger WebP beats a smaller HEIC');

  const heic = { ...base, path: '/p/z.heic', format: 'heic' };
  const webp = { ...base, path: '/p/a.webp', format: 'webp' };
  assert.deepEqual(
    rankForKeeping([webp, base, heic]).map((c) => c.format),
    ['heic', 'jpeg', 'webp'],
  );

  const exif = { ...base, path: '/p/z.jpg', hasExifDate: true, hasGps: true, mtimeMs: 9000 };
  assert.equal(rankForKeeping([base, exif])[0], exif, 'metadata before age');
  assert.equal(
    keeperReason(exif, [base]),
    'kept: 4000×3000 JPEG, has EXIF date, GPS; the others are copies with less metadata',
  );

  const older = { ...base, path: '/p/z.jpg', mtimeMs: 1000 };
  assert.equal(rankForKeeping([base, older])[0], older);
  assert.equal(keeperReason(older, [base]), 'kept: 4000×3000 JPEG; the others are newer files');
  assert.equal(keeperReason(older, [base], { chosenByUser: true }), 'kept: 4000×3000 JPEG; chosen by you');
});
