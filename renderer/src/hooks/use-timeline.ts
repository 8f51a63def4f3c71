// The library as the Photos view sees it: the months (with their counts, from `photos.timeline`) and the
// photos of each month, fetched (`photos.month`) only when the view scrolls near them. A photo's place in
// the timeline (its index, newest first) comes from the month counts alone, so selection and the photo
// viewer can count through photos that are not loaded yet.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { PhotoSummary, TimelineSummary } from '../api/types';
import type { AppClient } from '../api/client';
import { messageOf } from '../api/client';
import { useEventListener } from './use-event';

interface Loaded {
  photos: PhotoSummary[];
  /** The refresh it was fetched in: an older one is still shown, and fetched again when in view. */
  generation: number;
}

export interface Timeline {
  summary: TimelineSummary | null;
  error: string | null;
  /** Changes whenever a month's photos arrive (the layout depends on it). */
  version: number;
  /** Timeline index of each month's first photo. */
  monthStarts: number[];
  /** A month's photos, when loaded and consistent with the current counts. */
  photosOf(month: number): PhotoSummary[] | undefined;
  /** Fetches these months if they are missing or out of date (no-op for those on their way). */
  ensureMonths(months: number[]): void;
  item(index: number): PhotoSummary | undefined;
  /** Photos [start, end), fetching the months they are in. */
  range(start: number, end: number): Promise<PhotoSummary[]>;
}

/**
 * The timeline and its newest month, asked for as the app starts (App.tsx), before it knows which view to
 * open: the Photos view, usually the first, then draws its first screen from them without waiting for its
 * own requests. Taken by the first useTimeline of the same client, once.
 */
interface Prefetch {
  client: AppClient;
  summary: Promise<TimelineSummary>;
  newest: Promise<{ month: string; photos: PhotoSummary[] } | null>;
  /** Both, once they have arrived. */
  done?: { summary: TimelineSummary; newest: { month: string; photos: PhotoSummary[] } | null };
}
let prefetch: Prefetch | null = null;

/** Starts fetching the timeline and its newest month; resolves with the timeline once both are here. */
export function prefetchTimeline(client: AppClient): Promise<TimelineSummary> {
  const summary = client.call('photos.timeline', {});
  const newest = summary.then(async (s) => {
    const month = s.months[0]?.month;
    return month ? { month, photos: await client.call('photos.month', { month }) } : null;
  });
  const entry: Prefetch = { client, summary, newest };
  Promise.all([summary, newest])
    .then(([s, n]) => (entry.done = { summary: s, newest: n }))
    .catch(() => undefined);
  prefetch = entry;
  return Promise.all([summary, newest.catch(() => null)]).then(([s]) => s);
}

function takePrefetch(client: AppClient): Prefetch | null {
  const p = prefetch?.client === client ? prefetch : null;
  prefetch = null;
  return p;
}

export function useTimeline(client: AppClient): Timeline {
  const [taken] = useState(() => takePrefetch(client));
  const [summary, setSummary] = useState<TimelineSummary | null>(taken?.done?.summary ?? null);
  const [error, setError] = useState<string | null>(null);
  const [version, setVersion] = useState(0);
  const [firstCache] = useState(() => {
    const newest = taken?.done?.newest;
    return new Map<string, Loaded>(newest ? [[newest.month, { photos: newest.photos, generation: 0 }]] : []);
  });
  const cache = useRef(firstCache);
  const pending = useRef(new Map<string, Promise<PhotoSummary[]>>());
  const generation = useRef(0);
  const summaryRef = useRef(summary);
  summaryRef.current = summary;
  // What was prefetched is used instead of the first requests (below, and in fetchMonth).
  const early = useRef(taken);

  const refresh = useCallback(async () => {
    try {
      const first = early.current;
      early.current = null;
      // Already shown when it has arrived; it may be from before a change the view did not see (the
      // Photos view opened later than the app), so it is asked for again: one quick call, and the months
      // on screen are fetched again if they changed.
      const s = await (first && !first.done ? first.summary : client.call('photos.timeline', {}));
      generation.current++;
      setSummary(s);
      setError(null);
    } catch (e) {
      setError(messageOf(e));
    }
  }, [client]);

  useEffect(() => void refresh(), [refresh]);

  // New or removed photos: a fresh timeline; months already shown stay until they are fetched again.
  const refreshTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const refreshSoon = useCallback(() => {
    clearTimeout(refreshTimer.current);
    refreshTimer.current = setTimeout(() => void refresh(), 500);
  }, [refresh]);
  useEffect(() => () => clearTimeout(refreshTimer.current), []);
  useEventListener('libraryChanged', refreshSoon);

  const monthStarts = useMemo(() => {
    const starts: number[] = [];
    let n = 0;
    for (const m of summary?.months ?? []) {
      starts.push(n);
      n += m.count;
    }
    return starts;
  }, [summary]);

  const photosOf = useCallback(
    (month: number) => {
      const m = summary?.months[month];
      const entry = m && cache.current.get(m.month);
      return entry && entry.photos.length === m.count ? entry.photos : undefined;
    },
    // `version` is how this function (and the layout built with it) learns that the cache changed.
    [summary, version],
  );

  // The prefetched newest month, when it had not arrived as the view opened: the first fetch waits for it.
  const newestOnItsWay = useRef(taken && !taken.done ? taken.newest : null);

  const fetchMonth = useCallback(
    (month: string): Promise<PhotoSummary[]> => {
      const inFlight = pending.current.get(month);
      if (inFlight) return inFlight;
      const forGeneration = generation.current;
      const prefetched = newestOnItsWay.current;
      newestOnItsWay.current = null;
      const p = (
        prefetched
          ? prefetched.then((n) => (n?.month === month ? n.photos : client.call('photos.month', { month })))
          : client.call('photos.month', { month })
      )
        .then((photos) => {
          cache.current.set(month, { photos, generation: forGeneration });
          const expected = summaryRef.current?.months.find((m) => m.month === month)?.count;
          // The library changed between the two calls: the counts are out of date too.
          if (expected !== undefined && expected !== photos.length) refreshSoon();
          setVersion((v) => v + 1);
          return photos;
        })
        .catch((e: unknown) => {
          setError(messageOf(e));
          throw e;
        })
        .finally(() => pending.current.delete(month));
      pending.current.set(month, p);
      return p;
    },
    [client, refreshSoon],
  );

  const ensureMonths = useCallback(
    (months: number[]) => {
      for (const mi of months) {
        const m = summaryRef.current?.months[mi];
        if (!m) continue;
        const entry = cache.current.get(m.month);
        if (!entry || entry.generation < generation.current) fetchMonth(m.month).catch(() => undefined);
      }
    },
    [fetchMonth],
  );

  const item = useCallback(
    (index: number) => {
      let lo = 0;
      let hi = monthStarts.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if ((monthStarts[mid] as number) <= index) lo = mid;
        else hi = mid - 1;
      }
      return photosOf(lo)?.[index - (monthStarts[lo] ?? 0)];
    },
    [monthStarts, photosOf],
  );

  const range = useCallback(
    async (start: number, end: number) => {
      const s = summaryRef.current;
      if (!s) return [];
      const out: PhotoSummary[] = [];
      let first = 0;
      for (const m of s.months) {
        const last = first + m.count;
        if (last > start && first < end) {
          const cached = cache.current.get(m.month)?.photos;
          const photos = cached && cached.length === m.count ? cached : await fetchMonth(m.month);
          out.push(...photos.slice(Math.max(0, start - first), Math.max(0, end - first)));
        }
        first = last;
        if (first >= end) break;
      }
      return out;
    },
    [fetchMonth],
  );

  return { summary, error, version, monthStarts, photosOf, ensureMonths, item, range };
}
