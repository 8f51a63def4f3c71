// The benchmark's building blocks on the tiny random CLIP and small photos: every figure comes out
// positive and BENCHMARKS.md renders every section. No timing is asserted (the machine is shared).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBenchModel } from '../../bench/bench-model.js';
import { measureColdSearch } from '../../bench/cold-search.js';
import { measureSearchWhileIndexing } from '../../bench/search-while-indexing.js';
import { measureIndexing } from '../../bench/indexing-throughput.js';
import { describeMachine } from '../../bench/machine.js';
import { measureModelThroughput } from '../../bench/model-throughput.js';
import { measureQueryScale } from '../../bench/query-phase.js';
import { renderReport, throughputRatio, type BenchResults } from '../../bench/report.js';
import { profileStages } from '../../bench/stage-profile.js';
import { percentile } from '../../bench/stats.js';
import { ensureSyntheticPhotos, type SyntheticPhotoSet } from '../../bench/synthetic-photos.js';
import { compareTextEncoding } from '../../bench/text-encoding.js';
import { createClipEngine } from '../../main/engine/clip-engine.js';

describe('benchmark building blocks (tiny model)', () => {
  let dir: string;
  let model: string;
  let photos: SyntheticPhotoSet;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lookbook-bench-smoke-'));
    model = (await ensureBenchModel(dir, 'tiny')).dir;
    photos = await ensureSyntheticPhotos({ dir: join(dir, 'photos'), count: 6, width: 800, height: 600 });
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('generates photo-like JPEGs once and reuses them', async () => {
    assert.equal(photos.files.length, 6);
    assert.ok(photos.generatedSeconds > 0);
    // Noise and texture: far larger than a flat image of the same size (a few kB).
    assert.ok(photos.bytes / photos.files.length > 50_000, `mean size ${photos.bytes / 6}`);
    const again = await ensureSyntheticPhotos({
      dir: join(dir, 'photos'),
      count: 6,
      width: 800,
      height: 600,
    });
    assert.equal(again.generatedSeconds, 0);
    assert.deepEqual(again.files, photos.files);
    assert.equal((await stat(photos.files[0]!)).size, (await stat(again.files[0]!)).size);
  });

  it('nearest-rank percentiles', () => {
    assert.equal(percentile([5, 1, 4, 2, 3], 50), 3);
    assert.equal(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95), 10);
    assert.ok(Number.isNaN(percentile([], 50)));
  });

  it('measures every figure and renders BENCHMARKS.md', async () => {
    const modelOnly = await measureModelThroughput({
      model,
      photos: photos.files.slice(0, 2),
      batch: 4,
      rounds: 2,
    });
    assert.equal(modelOnly.perRound.length, 2);
    assert.ok(modelOnly.imagesPerSecond > 0);

    const indexing = await measureIndexing({
      model,
      photos: photos.files.slice(2),
      warmup: photos.files.slice(0, 2),
      workDir: join(dir, 'indexing'),
      rounds: 1,
      settings: { decodeConcurrency: 2 },
    });
    const run = indexing.runs[0]!;
    assert.equal(run.stats.encoded, 4);
    assert.ok(indexing.imagesPerSecond > 0);
    for (const stage of [
      'hash',
      'decode once (probe, EXIF, thumbnail)',
      'preprocess',
      'model',
      'db: vectors',
    ])
      assert.ok((run.busyMs[stage] ?? 0) > 0, `no time recorded for ${stage}`);

    const engine = await createClipEngine({ model });
    const profile = await profileStages(engine, photos.files.slice(0, 2), 2).finally(() => engine.close());
    assert.ok(profile.length >= 8 && profile.every((p) => p.wallMs > 0), JSON.stringify(profile));

    const queries = await measureQueryScale({
      model,
      photos: 300,
      rounds: 1,
      cacheDir: join(dir, 'libraries'),
      queries: ['a red car', 'dog'],
    });
    assert.ok(queries.flat.search.p50 > 0 && queries.indexed!.search.p50 > 0);
    assert.ok(queries.flat.medianResults > 0, 'a search over 300 photos returned nothing');
    assert.equal(queries.libraryUses, 'flat');
    assert.equal(queries.reused, false);
    assert.ok(queries.albums!.manual.p50 > 0 && queries.albums!.smart.p50 > 0, 'album pages were timed');
    assert.equal(queries.albums!.albumPhotos, 300, 'the manual album holds the whole small library');

    const cold = await measureColdSearch({
      model,
      dataDir: join(dir, 'libraries', 'queries-300', 'flat'),
      query: 'a red car',
    });
    assert.ok(cold.openMs > 0 && cold.firstSearchMs > 0 && cold.rssMiB > 0);

    const whileIndexing = await measureSearchWhileIndexing({
      model,
      photos: photos.files.slice(2),
      workDir: join(dir, 'while-indexing'),
    });
    assert.ok(whileIndexing.duringIndexing.n >= 1 && whileIndexing.idle.n >= 8);
    assert.ok(whileIndexing.duringIndexing.p50 > 0 && whileIndexing.idle.p50 > 0);

    const text = await compareTextEncoding({ model, queries: ['a red car', 'dog'], rounds: 1 });
    assert.ok(text.dynamic.p50 > 0 && text.padded.p50 > 0);
    assert.ok(text.medianTokens < text.contextLength);

    const results: BenchResults = {
      quick: true,
      command: 'test',
      machine: describeMachine(),
      loadAverageAtEnd: [0, 0, 0],
      totalSeconds: 1,
      model: { preset: 'tiny', dir: model, visionParams: 1, textParams: 1, visionGflops: 0.1 },
      photos: { count: 6, width: 800, height: 600, meanMB: 0.1 },
      modelOnly: [modelOnly],
      indexing: { shrinkOn: indexing },
      sweep: [],
      profile,
      queries: [queries],
      searchWhileIndexing: whileIndexing,
      coldSearch: { photos: 300, runs: [cold], ...cold, peakRssMiB: cold.rssMiB },
      text,
      peakRss: { 'indexing (shrink-on-load on)': 100, 'queries, 300 photos': 120 },
    };
    assert.ok(throughputRatio(results) > 0);
    const md = renderReport(results);
    for (const heading of [
      '## Machine',
      '## Summary',
      '## 1. Model-only throughput',
      '## 2. End-to-end indexing throughput',
      '### Serial stage profile',
      '## 3. Text-query latency',
      '### Query encoding: dynamic length vs padded to 77',
      '### Searching while the library indexes',
      '### Opening a library and its first search',
      '## 4. Peak memory',
    ])
      assert.ok(md.includes(heading), `missing ${heading}`);
    assert.ok(!/\bNaN\b|undefined/.test(md), 'a figure did not render');
    assert.match(md, /Text query p50 \/ p95 at 300 photos/);
    assert.match(md, /### Opening an album[\s\S]*\| 300 \| \*\*/, 'the album figures are in the report');
  });
});
