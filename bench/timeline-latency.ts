// The Photos view's first screen at scale: photos.timeline (every month's count) and the newest month's
// photos, as the view asks for them after navigation. The first pair of calls after the library opens
// reads the indexed paths and the contents' dates in bulk (the "cold" figure, the one the ≤ 300 ms target
// is about); later calls reuse that read until the tables change ("warm").
import type { Core } from '../main/core/open-core.js';
import { summarize, type LatencySummary } from './stats.js';

export interface TimelineLatency {
  /** photos.timeline then the newest month, the first time after the library opened, ms. */
  coldFirstScreen: number;
  /** The same two calls again (the bulk read cached), ms. */
  warmFirstScreen: LatencySummary;
  /** Months in the summary, and photos in the newest month (what the first screen lays out). */
  months: number;
  firstMonthPhotos: number;
}

export async function measureTimeline(core: Core, rounds: number): Promise<TimelineLatency> {
  const { timeline } = core.search;
  const firstScreen = async () => {
    const summary = await timeline.summary();
    const newest = summary.months[0];
    const photos = newest ? await timeline.month(newest.month) : [];
    return { months: summary.months.length, photos: photos.length };
  };
  let t0 = performance.now();
  const shape = await firstScreen();
  const coldFirstScreen = performance.now() - t0;
  const warm: number[] = [];
  for (let r = 0; r < Math.max(5, rounds * 5); r++) {
    t0 = performance.now();
    await firstScreen();
    warm.push(performance.now() - t0);
  }
  return {
    coldFirstScreen,
    warmFirstScreen: summarize(warm),
    months: shape.months,
    firstMonthPhotos: shape.photos,
  };
}
