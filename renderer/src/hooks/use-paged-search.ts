// Search results fetched page by page as the grid scrolls (see use-paged.ts).
import type { SearchRequest } from '../api/types';
import type { AppClient } from '../api/client';
import type { PagedPhotos } from './use-paged';
import { usePaged } from './use-paged';

export type PagedSearch = PagedPhotos;

export function usePagedSearch(
  client: AppClient,
  request: SearchRequest | null,
  refreshToken: number,
): PagedSearch {
  return usePaged(request ? JSON.stringify(request) : null, refreshToken, (offset, limit) =>
    client.call('search.query', { ...request, offset, limit }),
  );
}
