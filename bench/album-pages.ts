// Albums at library scale: what opening an album costs (its first page of photos, as the Albums view
// asks for it) for a large manual album and for a smart album (a saved search), and the album list with
// their counts and covers. Measured in the same synthetic library as the queries (query-latency.ts).
import type { Core } from '../main/core/open-core.js';
import { summarize, type LatencySummary } from './stats.js';

/** Photos in the benchmark's manual album: a large wedding or a year of one camera. */
export const BENCH_ALBUM_PHOTOS = 10_000;
/** A page as the Albums view asks for it. */
const PAGE = 100;

export interface AlbumPageLatency {
  /** Photos in the manual album. */
  albumPhotos: number;
  /** The first page of the manual album (album order). */
  manual: LatencySummary;
  /** The first page of a smart album of words (the search's order). */
  smart: LatencySummary;
  /** The album list with both albums' counts and covers. */
  list: LatencySummary;
}

/**
 * Creates a manual album of BENCH_ALBUM_PHOTOS photos and a smart album of `query`, times their first
 * pages and the list `rounds` times after one warm-up, and deletes both (the cached library is reused).
 */
export async function measureAlbumPages(
  core: Core,
  query: string,
  rounds: number,
): Promise<AlbumPageLatency> {
  const albums = core.albums();
  const ids = [...(await core.library.store.indexedPaths()).keys()].slice(0, BENCH_ALBUM_PHOTOS);
  // Left over from a run that was stopped: the cached library keeps its albums.
  for (const a of await albums.list()) if (a.name.startsWith('bench ')) await albums.delete(a.id);
  const manual = await albums.create('bench manual', { photos: ids });
  const smart = await albums.create('bench smart', { smart: { query } });
  try {
    const times = { manual: [] as number[], smart: [] as number[], list: [] as number[] };
    const time = async (into: number[], fn: () => Promise<unknown>) => {
      const t0 = performance.now();
      await fn();
      into.push(performance.now() - t0);
    };
    for (let r = 0; r <= rounds; r++) {
      const warm = r === 0 ? [] : undefined;
      await time(warm ?? times.manual, () => albums.photos(manual.id, { limit: PAGE }));
      await time(warm ?? times.smart, () => albums.photos(smart.id, { limit: PAGE }));
      await time(warm ?? times.list, () => albums.list());
    }
    return {
      albumPhotos: ids.length,
      manual: summarize(times.manual),
      smart: summarize(times.smart),
      list: summarize(times.list),
    };
  } finally {
    await albums.delete(manual.id);
    await albums.delete(smart.id);
  }
}
