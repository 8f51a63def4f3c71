import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { openCore } from '../../main/core/open-core.js';
import { formatFromExtension } from '../../main/media/formats.js';
import { tempDir } from './photo-fixtures.js';

// rclip's end-to-end photo set (read-only, shared): every photo in a supported format is indexed and
// searchable; every other file has a clear status; the empty folder is fine.

const ROOT = resolve('../shared/photos/rclip-e2e');

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

test('the rclip e2e photo set', async () => {
  const dir = await tempDir('rclip');
  const core = await openCore({ dataDir: dir.path });
  const library = core.library;
  try {
    await library.addFolder(ROOT);
    const stats = await library.index();
    const rows = new Map((await library.store.allFiles()).map((r) => [r.path, r]));
    const files = walk(ROOT).filter((p) => !p.split('/').pop()!.startsWith('.'));
    for (const path of files) {
      const row = rows.get(path);
      assert.ok(row, `${path} has no status`);
      const byName = formatFromExtension(path);
      if (byName === undefined) assert.equal(row.status, 'skipped', path);
      else if (byName === 'unsupported') assert.ok(row.status !== 'indexed' || row.contentId, path);
      else assert.equal(row.status, 'indexed', `${path}: ${row.reason}`);
      if (row.status !== 'indexed') assert.ok(row.reason, `${path} has no reason`);
    }
    // Identical files in several folders are one photo each, with all their paths.
    const photos = await core.search.listPhotos({ limit: 1000 });
    const indexed = [...rows.values()].filter((r) => r.status === 'indexed');
    assert.equal(photos.total, new Set(indexed.map((r) => r.contentId)).size);
    assert.equal(stats.encoded, photos.total);
    const cat = photos.items.find((p) => p.paths.some((x) => x.endsWith('/images/cat.jpg')));
    assert.ok(cat, 'cat.jpg listed');
    assert.deepEqual(cat.paths.length, 2);
    assert.ok(cat.width! > 0 && cat.height! > 0);
    // Searchable: every indexed photo comes back for a query with `all`, and by "similar" to itself.
    const all = await core.search.search('black', { all: true, limit: 1000 });
    assert.equal(all.total, photos.total);
    const unicode = indexed.find((r) => r.path.includes('鳥鳥'));
    assert.ok(unicode);
    const similar = await core.search.search({ similarTo: unicode.path }, { limit: 1 });
    assert.equal(similar.items[0]?.contentId, unicode.contentId);
  } finally {
    await core.close();
    await dir.cleanup();
  }
});
