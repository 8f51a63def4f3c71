// Search results fetched page by page as the grid scrolls, so a 100k-photo library never sends (or
// renders) more than what is on screen.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { NoResultsReason, PhotoSummary, SearchRequest } from '../api/types';
import type { AppClient } from '../api/client';
import { messageOf } from '../api/client';

const PAGE = 120;

export interface PagedSearch {
  total: number;
  loading: boolean;
  error: string | null;
  /** Why the search found nothing (from the core), when it found nothing. */
  emptyReasons: NoResultsReason[];
  item(index: number): PhotoSummary | undefined;
  ensureRange(start: number, end: number): void;
  key: string;
}

export function usePagedSearch(
  client: AppClient,
  request: SearchRequest | null,
  refreshToken: number,
): PagedSearch {
  const key = request ? `${JSON.stringify(request)}#${refreshToken}` : '';
  const pages = useRef(new Map<number, PhotoSummary[]>());
  const pending = useRef(new Set<number>());
  const currentKey = useRef(key);
  const [total, setTotal] = useState(0);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [emptyReasons, setEmptyReasons] = useState<NoResultsReason[]>([]);
  const [, setVersion] = useState(0);

  const fetchPage = useCallback(
    async (page: number, forKey: string, req: SearchRequest) => {
      if (pending.current.has(page) || pages.current.has(page)) return;
      pending.current.add(page);
      try {
        const res = await client.call('search.query', { ...req, offset: page * PAGE, limit: PAGE });
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
    },
    [client],
  );

  useEffect(() => {
    currentKey.current = key;
    pages.current = new Map();
    pending.current = new Set();
    if (!request) {
      setTotal(0);
      setEmptyReasons([]);
      setLoading(false);
      return;
    }
    setLoading(true);
    void fetchPage(0, key, request);
    // `request` is captured through `key` (its JSON), so it is not a dependency of its own.
  }, [key, fetchPage]);

  const requestRef = useRef(request);
  requestRef.current = request;

  const ensureRange = useCallback(
    (start: number, end: number) => {
      const req = requestRef.current;
      if (!req) return;
      for (let p = Math.floor(start / PAGE); p <= Math.floor(Math.max(start, end - 1) / PAGE); p++) {
        void fetchPage(p, currentKey.current, req);
      }
    },
    [fetchPage],
  );

  const item = useCallback(
    (index: number) => pages.current.get(Math.floor(index / PAGE))?.[index % PAGE],
    [],
  );
  return { total, loading, error, emptyReasons, item, ensureRange, key };
}
