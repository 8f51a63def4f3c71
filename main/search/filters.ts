import type { SearchOptions } from '../library/types.js';

// The filters a person sets (the search bar's, the API's SearchFilters, a smart album's saved query) and
// what the searcher takes for them. The one place that knows that a 'to' date includes its whole day.

export interface PhotoFilters {
  folder?: string;
  /** Inclusive ISO dates (YYYY-MM-DD or full ISO). */
  from?: string;
  to?: string;
  /** Photos carrying all of these tags. */
  tags?: string[];
  /** Lower-case format names: 'jpeg', 'png', 'heic'… */
  formats?: string[];
  /** Only photos in this album (its id). */
  album?: string;
}

/** The day after an inclusive 'to' date: the searcher's `before` bound is exclusive. */
function dayAfter(iso: string): string {
  const d = new Date(iso.length === 10 ? `${iso}T00:00:00Z` : iso);
  if (iso.length === 10) d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString();
}

/** The searcher's options for these filters (empty ones left out). */
export function filterOptions(filters: PhotoFilters | undefined): SearchOptions {
  const o: SearchOptions = {};
  if (filters?.folder) o.folder = filters.folder;
  if (filters?.from) o.after = filters.from;
  if (filters?.to) o.before = dayAfter(filters.to);
  if (filters?.formats?.length) o.formats = filters.formats;
  if (filters?.tags?.length) o.tags = filters.tags;
  if (filters?.album) o.album = filters.album;
  return o;
}
