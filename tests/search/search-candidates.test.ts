import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openCore, type Core } from '../../main/core/open-core.js';
import type { Library } from '../../main/library/library.js';
import { FIRST_CANDIDATES } from '../../main/search/searcher.js';
import type { ContentRow, FileRow } from '../../main/store/library-store.js';

// Search fetches FIRST_CANDIDATES first and widens only when the cut-off keeps all of them; it joins only
// the page shown. A library (real demo engine, real LanceDB) whose vectors hold one tight cluster larger
// than the first fetch checks that totals and pages stay exact.

const CLUSTER = FIRST_CANDIDATES + 150;
const OTHERS = 900;
const ORPHANS = 5;

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5;
  };
}

function normalized(v: Float32Array): Float32Array {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

const id = (i: number) => i.toString(16).padStart(64, '0');

describe('candidate fetching and paging at scale', () => {
  let dir: string;
  let core: Core;
  let library: Library;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lookbook-candidates-'));
    core = await openCore({ dataDir: dir, model: 'demo' });
    library = core.library;
    const dim = library.engine.model.embedDim;
    const next = rng(7);
    const centre = normalized(new Float32Array(dim).map(() => next()));
    const vectors: { contentId: string; vector: Float32Array }[] = [];
    const contents: ContentRow[] = [];
    const files: FileRow[] = [];
    for (let i = 0; i < CLUSTER + OTHERS; i++) {
      const noise = i < CLUSTER ? 0.02 : 1;
      const base = i < CLUSTER ? centre : new Float32Array(dim);
      const vector = normalized(base.map((c) => c + noise * next()));
      vectors.push({ contentId: id(i), vector });
      contents.push({
        contentId: id(i),
        width: 10,
        height: 10,
        takenAt: Date.UTC(2020, 0, 1) + i * 60_000,
        takenAtSource: 'exif',
        cameraMake: null,
        cameraModel: null,
        latitude: null,
        longitude: null,
        format: 'jpeg',
        size: 100,
        thumbnail: false,
        addedAt: 1,
      });
      // The last few cluster members lost their file (moved away): contents not collected yet.
      if (i >= CLUSTER - ORPHANS && i < CLUSTER) continue;
      files.push({
        path: join(dir, 'photos', `p${String(i).padStart(5, '0')}.jpg`),
        folder: join(dir, 'photos'),
        contentId: id(i),
        size: 100,
        mtimeMs: 1,
        status: 'indexed',
        code: null,
        reason: null,
        updatedAt: 1,
      });
    }
    await library.store.upsertVectors(library.engine.model.id, dim, vectors);
    await library.store.upsertContents(contents);
    await library.store.upsertFiles(files);
  });

  after(async () => {
    await core.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('a match set larger than the first fetch is found whole, without orphans, and pages add up', async () => {
    const first = await core.search.search({ similarTo: id(0) }, { limit: 50 });
    assert.equal(first.total, CLUSTER - ORPHANS, 'every live cluster member is kept, no other photo');
    const seen = new Set<string>();
    for (let offset = 0; offset < first.total; offset += 200) {
      const page = await core.search.search({ similarTo: id(0) }, { offset, limit: 200 });
      assert.equal(page.total, first.total, 'the total does not depend on the page');
      for (const item of page.items) {
        assert.ok(parseInt(item.contentId, 16) < CLUSTER - ORPHANS, `${item.contentId} is a live match`);
        seen.add(item.contentId);
      }
      const scores = page.items.map((i) => i.score!);
      assert.deepEqual(
        scores,
        [...scores].sort((a, b) => b - a),
        'best first',
      );
    }
    assert.equal(seen.size, CLUSTER - ORPHANS, 'pages are disjoint and cover every result');
    const past = await core.search.search({ similarTo: id(0) }, { offset: first.total, limit: 50 });
    assert.equal(past.items.length, 0);
  });

  test('date order and the folder filter see the same result set', async () => {
    const byDate = await core.search.search({ similarTo: id(0) }, { sort: 'date', limit: 10 });
    assert.equal(byDate.total, CLUSTER - ORPHANS);
    assert.equal(byDate.items[0]!.contentId, id(CLUSTER - ORPHANS - 1), 'newest live match first');
    const inFolder = await core.search.search(
      { similarTo: id(0) },
      { folder: join(dir, 'photos'), limit: 5 },
    );
    assert.equal(inFolder.total, CLUSTER - ORPHANS);
  });

  test('a file removed after a search is no longer a result (the path cache follows writes)', async () => {
    const before = await core.search.search({ similarTo: id(0) }, { limit: 5 });
    const gone = before.items[1]!;
    await library.store.deleteFiles([gone.path]);
    const afterDelete = await core.search.search({ similarTo: id(0) }, { limit: 5 });
    assert.equal(afterDelete.total, before.total - 1);
    assert.ok(!afterDelete.items.some((i) => i.contentId === gone.contentId));
  });
});
