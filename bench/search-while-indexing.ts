// Search stays interactive while the library indexes: queries every 200 ms during an indexing run of
// 12-MP photos, against the same queries on the idle library afterwards. The text tower runs in its own
// worker thread, so a query is encoded beside the indexer's image batches instead of after them.
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { openCore } from '../main/core/open-core.js';
import { linkPhotos } from './indexing-throughput.js';
import { summarize, type LatencySummary } from './stats.js';

export interface SearchWhileIndexing {
  photos: number;
  /** core.search.search() latency while library.index() runs. */
  duringIndexing: LatencySummary;
  /** The same queries once indexing has finished. */
  idle: LatencySummary;
  indexingSeconds: number;
}

const QUERIES = ['a red car', 'the kids at the beach', 'a dog in the snow', 'birthday cake with candles'];

export async function measureSearchWhileIndexing(options: {
  model: string;
  photos: string[];
  workDir: string;
}): Promise<SearchWhileIndexing> {
  const folder = await linkPhotos(options.photos, join(options.workDir, 'search-while-indexing-photos'));
  const core = await openCore({
    dataDir: join(options.workDir, 'search-while-indexing'),
    model: options.model,
  });
  const library = core.library;
  try {
    await library.addFolder(folder);
    await core.search.search('warm up');
    const during: number[] = [];
    let indexing = true;
    const searching = (async () => {
      for (let i = 0; indexing; i++) {
        const t0 = performance.now();
        await core.search.search(QUERIES[i % QUERIES.length]!);
        during.push(performance.now() - t0);
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    const t0 = performance.now();
    await library.index();
    const indexingSeconds = (performance.now() - t0) / 1000;
    indexing = false;
    await searching;
    const idle: number[] = [];
    for (let i = 0; i < Math.max(8, during.length); i++) {
      const t1 = performance.now();
      await core.search.search(QUERIES[i % QUERIES.length]!);
      idle.push(performance.now() - t1);
    }
    return {
      photos: options.photos.length,
      duringIndexing: summarize(during),
      idle: summarize(idle),
      indexingSeconds,
    };
  } finally {
    await core.close();
  }
}
