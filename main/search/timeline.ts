import { resolve } from 'node:path';
import { UserError } from '../errors.js';
import type { SearchOptions } from '../library/types.js';
import { isUnder } from '../paths.js';
import type { ContentSummary, LibraryStore } from '../store/library-store.js';
import { parseDate } from './searcher.js';

// The Photos view's timeline: every photo (one per content: identical copies appear once, as in search's
// browse) grouped by the month it was taken, newest first, and the photos of one month.
//
// At 100,000 photos a query per month, or a join per request, is too slow for the view's first screen
// (≤ 300 ms). So the whole library is read once, in bulk (the indexed paths and the contents' dates, sizes
// and formats, each cached by the store until its table changes), into one list sorted newest first with
// each photo's month; the summary and each month are then plain filters over that list.

/** The filters the timeline takes: search's, without query, sort or paging. */
export type TimelineFilters = Pick<SearchOptions, 'folder' | 'after' | 'before' | 'formats' | 'tags'>;

/** A photo of the timeline: what the grid needs to lay it out. */
export interface TimelinePhoto {
  contentId: string;
  /** The first path holding this content (inside the folder filter, when there is one). */
  path: string;
  format: string | null;
  /** The displayed size (after EXIF orientation), as the store records it. */
  width: number | null;
  height: number | null;
  /** ISO 8601: EXIF date taken, else the file's modification time; null when neither is known. */
  takenAt: string | null;
}

export interface TimelineMonthCount {
  /** 'YYYY-MM' in this computer's time zone, or 'undated'. */
  month: string;
  count: number;
}

export interface Timeline {
  /** Months newest first with their photo counts, the undated photos last. */
  summary(filters?: TimelineFilters): Promise<{ total: number; months: TimelineMonthCount[] }>;
  /** The photos of one month ('YYYY-MM' or 'undated'), newest first. */
  month(month: string, filters?: TimelineFilters): Promise<TimelinePhoto[]>;
}

export interface TimelineDeps {
  store: Pick<LibraryStore, 'indexedPaths' | 'contentSummaries'>;
  /** The tag filter: content ids carrying all these tags (tagging provides it). */
  contentIdsWithTags(tags: string[]): Promise<Set<string>>;
}

export const UNDATED = 'undated';
const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;

interface Entry {
  content: ContentSummary;
  /** Every indexed path of the content, sorted. */
  paths: readonly string[];
  month: string;
}

/**
 * The month a photo belongs to, in this computer's time zone: an EXIF date without a time zone is stored
 * as this computer's local time, so the month shown is the one on the photo's own clock.
 */
function monthOf(takenAt: number | null): string {
  if (takenAt === null) return UNDATED;
  const d = new Date(takenAt);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}`;
}

export function createTimeline(deps: TimelineDeps): Timeline {
  // Rebuilt when either cached store read is a new object, i.e. when the files or contents changed.
  let cache:
    | {
        paths: ReadonlyMap<string, readonly string[]>;
        contents: readonly ContentSummary[];
        entries: Entry[];
      }
    | undefined;

  async function entries(): Promise<Entry[]> {
    const [paths, contents] = await Promise.all([deps.store.indexedPaths(), deps.store.contentSummaries()]);
    if (cache && cache.paths === paths && cache.contents === contents) return cache.entries;
    const list: Entry[] = [];
    for (const content of contents) {
      const p = paths.get(content.contentId);
      // A content no indexed file refers to any more (moved away, deleted, not yet collected) is not shown.
      if (!p || p.length === 0) continue;
      list.push({ content, paths: p, month: monthOf(content.takenAt) });
    }
    // Newest first, undated last; equal dates by path, so the order is the same on every call.
    list.sort(
      (a, b) =>
        (b.content.takenAt ?? -Infinity) - (a.content.takenAt ?? -Infinity) ||
        (a.paths[0]! < b.paths[0]! ? -1 : a.paths[0]! > b.paths[0]! ? 1 : 0),
    );
    cache = { paths, contents, entries: list };
    return list;
  }

  /** The entries that pass the filters, newest first, each with the path to show (inside the folder). */
  async function filtered(
    filters: TimelineFilters = {},
    onlyMonth?: string,
  ): Promise<Array<{ entry: Entry; path: string }>> {
    const all = await entries();
    const folder = filters.folder ? resolve(filters.folder) : undefined;
    const after = parseDate(filters.after, 'from');
    const before = parseDate(filters.before, 'to');
    const formats = filters.formats?.length
      ? new Set(filters.formats.map((f) => f.toLowerCase()))
      : undefined;
    const tagged = filters.tags?.length ? await deps.contentIdsWithTags(filters.tags) : undefined;
    const out: Array<{ entry: Entry; path: string }> = [];
    for (const entry of all) {
      if (onlyMonth !== undefined && entry.month !== onlyMonth) continue;
      const { content } = entry;
      // A date filter leaves out the photos without a date, as search's does.
      if (after !== undefined && (content.takenAt === null || content.takenAt < after)) continue;
      if (before !== undefined && (content.takenAt === null || content.takenAt >= before)) continue;
      if (formats && !formats.has(content.format ?? '')) continue;
      if (tagged && !tagged.has(content.contentId)) continue;
      const path = folder ? entry.paths.find((p) => isUnder(p, folder)) : entry.paths[0];
      if (path === undefined) continue;
      out.push({ entry, path });
    }
    return out;
  }

  return {
    async summary(filters) {
      const list = await filtered(filters);
      // The list is sorted newest first, so months come out in order, the undated ones last.
      const months: TimelineMonthCount[] = [];
      for (const { entry } of list) {
        const last = months.at(-1);
        if (last?.month === entry.month) last.count++;
        else months.push({ month: entry.month, count: 1 });
      }
      return { total: list.length, months };
    },
    async month(month, filters) {
      if (month !== UNDATED && !MONTH.test(month))
        throw new UserError(`'${month}' is not a month of the timeline (try 2024-07)`, 'invalid-month');
      return (await filtered(filters, month)).map(({ entry, path }) => ({
        contentId: entry.content.contentId,
        path,
        format: entry.content.format,
        width: entry.content.width,
        height: entry.content.height,
        takenAt: entry.content.takenAt === null ? null : new Date(entry.content.takenAt).toISOString(),
      }));
    },
  };
}
