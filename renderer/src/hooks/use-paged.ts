// A long list of photos fetched page by page as a grid scrolls, so a 100k-photo library never sends (or
// renders) more than what is on screen. Search results and album pages both come this way.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { NoResultsReason, PhotoSummary, SearchResponse } from '../api/types';
import { messageOf } from '../api/client';

const PAGE = 120;

export interface PagedPhotos {
  total: number;
  loading: boolean;
  error: string | null;
  /** Why the list is empty (from the core, for searches), when it is. */
  emptyReasons: NoResultsReason[];
  item(index: number): PhotoSummary | undefined;
  ensureRange(start: number, end: number): void;
  /** Changes whenever the list is fetched afresh (new request or refresh). */
  key: string;
}

/**
 * `key` names the list (a request's JSON, an album's id…) and `fetchPage` fetches one page of it; a new
 * key (or a new `refreshToken`) starts over from the first page. `fetchPage` is read at call time, so it
 * need not be stable; null `key` means there is nothing to fetch.
 */
export function usePaged(
  key: string | null,
  refreshToken: number,
  fetchPage: (offset: number, limit: number) => Promise<SearchResponse>,
): PagedPhotos {
  const fullKey = key === null ? '' : `${key}#${refreshToken}`;
  const pages = useRef(new Map<number, PhotoSummary[]>());
  const pending = useRef(new Set<number>());
  const currentKey = useRef(fullKey);
  const fetcher = useRef(fetchPage);
  fetcher.current = fetchPage;
  const [total, setTotal] = useState(0);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [emptyReasons, setEmptyReasons] = useState<NoResultsReason[]>([]);
  const [, setVersion] = useState(0);

  const loadPage = useCallback(async (page: number, forKey: string) => {
    if (!forKey || pending.current.has(page) || pages.current.has(page)) return;
    pending.current.add(page);
    try {
      const res = await fetcher.current(page * PAGE, PAGE);
      if (currentKey.current !== forKey) return;
      pages.current.set(page, res.items);
      setTotal(res.total);
      if (page === 0) setEmptyReasons(res.emptyReasons ?? []);
      setError(null);
      setVersion((v) => v + 1);
    } catch (e) {
      if (currentKey.current === forKey) setError(messageOf(e));
    } finally {
      pending.current.delete(page);
      if (currentKey.current === forKey) setLoading(false);
    }
  }, []);

  useEffect(() => {
    currentKey.current = fullKey;
    pages.current = new Map();
    pending.current = new Set();
    if (!fullKey) {
      setTotal(0);
      setEmptyReasons([]);
      setLoading(false);
      return;
    }
    setLoading(true);
    void loadPage(0, fullKey);
  }, [fullKey, loadPage]);

  const ensureRange = useCallback(
    (start: number, end: number) => {
      for (let p = Math.floor(start / PAGE); p <= Math.floor(Math.max(start, end - 1) / PAGE); p++) {
        void loadPage(p, currentKey.current);
      }
    },
    [loadPage],
  );

  const item = useCallback(
    (index: number) => pages.current.get(Math.floor(index / PAGE))?.[index % PAGE],
    [],
  );
  return { total, loading, error, emptyReasons, item, ensureRange, key: fullKey };
}
