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

export function useTimeline(client: AppClient): Timeline {
  const [summary, setSummary] = useState<TimelineSummary | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [version, setVersion] = useState(0);
  const cache = useRef(new Map<string, Loaded>());
  const pending = useRef(new Map<string, Promise<PhotoSummary[]>>());
  const generation = useRef(0);
  const summaryRef = useRef(summary);
  summaryRef.current = summary;

  const refresh = useCallback(async () => {
    try {
      const s = await client.call('photos.timeline', {});
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

  const fetchMonth = useCallback(
    (month: string): Promise<PhotoSummary[]> => {
      const inFlight = pending.current.get(month);
      if (inFlight) return inFlight;
      const forGeneration = generation.current;
      const p = client
        .call('photos.month', { month })
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
