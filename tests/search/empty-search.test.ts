import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openCore } from '../../main/core/open-core.js';
import type { IndexingProgress } from '../../main/library/types.js';
import { tempDir, writePhoto, type Colour } from '../library/photo-fixtures.js';

// A search that finds nothing while the library is still being indexed says so, with how far indexing
// has got (the app shows the same reason: it comes from the core).

test('a search that finds nothing mid-indexing says "still indexing, N of M"', async () => {
  const dir = await tempDir('empty-search');
  const core = await openCore({ dataDir: join(dir.path, 'data'), library: { decodeConcurrency: 1 } });
  try {
    const root = join(dir.path, 'photos');
    const colours: Colour[] = ['red', 'blue', 'green', 'yellow', 'red', 'blue', 'green', 'yellow'];
    for (const [i, colour] of colours.entries())
      await writePhoto({ path: join(root, `${colour}${i}.jpg`), colour, seed: i + 1 });
    await core.library.addFolder(root);

    // Indexing is paused as soon as it has started encoding, so the search runs in the middle of it.
    let paused: (p: IndexingProgress) => void = () => undefined;
    const midway = new Promise<IndexingProgress>((resolve) => (paused = resolve));
    const off = core.library.onProgress((p) => {
      if (p.phase === 'indexing' && p.total > 0) {
        core.library.pause();
        paused(p);
      }
    });
    const indexing = core.library.index();
    await midway;
    off();

    // No photo is purple: nothing is found, and the reason is indexing, with its counts.
    const r = await core.search.search('purple');
    assert.equal(r.total, 0);
    const reason = r.emptyReasons?.find((e) => e.kind === 'indexing');
    assert.ok(reason && reason.kind === 'indexing', `an indexing reason: ${JSON.stringify(r.emptyReasons)}`);
    assert.equal(reason.total, colours.length);
    assert.ok(reason.done < reason.total);
    assert.match(reason.message, new RegExp(`${reason.done} of ${colours.length} photos`));

    core.library.resume();
    await indexing;
    // Indexing done: the same empty search no longer blames it.
    const later = await core.search.search('purple');
    assert.equal(later.total, 0);
    assert.ok(!later.emptyReasons?.some((e) => e.kind === 'indexing'), JSON.stringify(later.emptyReasons));
    // And a colour that is there is found (the reason is not a cover for a broken search).
    assert.ok((await core.search.search('red')).total >= 2);
  } finally {
    await core.close();
    await dir.cleanup();
  }
});
