// Where every heading and photo of the Photos view goes, computed without the DOM so that a 100,000-photo
// library is laid out from the timeline's month counts alone. Months whose photos are loaded get month and
// day headings and justified rows (each photo keeps its aspect ratio; rows are stretched to the full width);
// months not loaded yet get one placeholder of their estimated height, replaced when they load.
import type { PhotoSummary, TimelineMonth } from '../api/types';

export const GAP = 6;
export const MONTH_HEADING = 56;
export const DAY_HEADING = 34;
/** Extreme panoramas and slivers are cropped to these ratios so that one photo never fills a row alone. */
const MIN_RATIO = 0.4;
const MAX_RATIO = 3;

export interface LayoutOptions {
  width: number;
  /** The height rows aim for; justified rows end up a little taller or shorter. */
  rowHeight: number;
  /** Square tiles (the user's setting) instead of each photo's own shape. */
  square: boolean;
}

export interface Tile {
  /** The photo's position in the timeline, newest first. */
  index: number;
  left: number;
  width: number;
}

export type Block =
  | { kind: 'month'; top: number; height: number; month: number; label: string }
  | { kind: 'day'; top: number; height: number; month: number; label: string }
  | { kind: 'row'; top: number; height: number; month: number; tiles: Tile[] }
  | { kind: 'placeholder'; top: number; height: number; month: number };

export interface TimelineLayout {
  blocks: Block[];
  height: number;
  /** Per month (timeline order): its top, its height, and the timeline index of its first photo. */
  monthTops: number[];
  monthHeights: number[];
  monthStarts: number[];
  /** The row blocks, in timeline order, for finding a photo's tile. */
  rows: Array<Extract<Block, { kind: 'row' }>>;
}

export function monthLabel(month: string): string {
  if (month === 'undated') return 'No date';
  const [y, m] = month.split('-').map(Number);
  return new Date(y ?? 1970, (m ?? 1) - 1, 1).toLocaleDateString(undefined, {
    month: 'long',
    year: 'numeric',
  });
}

/** The day a photo was taken, as the key its day heading groups by (local date). */
function dayKey(takenAt: string | null): string {
  if (!takenAt) return '';
  const d = new Date(takenAt);
  if (Number.isNaN(d.getTime())) return '';
  return `${d.getFullYear()}-${d.getMonth() + 1}-${d.getDate()}`;
}

function dayLabel(takenAt: string | null): string {
  const d = takenAt ? new Date(takenAt) : null;
  if (!d || Number.isNaN(d.getTime())) return 'No date';
  return d.toLocaleDateString(undefined, { weekday: 'short', day: 'numeric', month: 'long' });
}

function ratioOf(p: PhotoSummary, square: boolean): number {
  if (square || !p.width || !p.height) return 1;
  return Math.min(MAX_RATIO, Math.max(MIN_RATIO, p.width / p.height));
}

/** Square tiles: as many columns of about rowHeight as fit, all the same size. */
function squareColumns(o: LayoutOptions): { columns: number; size: number } {
  const columns = Math.max(1, Math.floor((o.width + GAP) / (o.rowHeight + GAP)));
  return { columns, size: (o.width - GAP * (columns - 1)) / columns };
}

/** Rows of one day's photos (indexes from `first`), appended to `out` from `top`; returns the new top. */
function layoutDay(
  photos: PhotoSummary[],
  first: number,
  month: number,
  top: number,
  o: LayoutOptions,
  out: TimelineLayout,
): number {
  const push = (tiles: Tile[], height: number) => {
    const row = { kind: 'row' as const, top, height, month, tiles };
    out.blocks.push(row);
    out.rows.push(row);
    top += height + GAP;
  };
  if (o.square) {
    const { columns, size } = squareColumns(o);
    for (let i = 0; i < photos.length; i += columns) {
      const tiles: Tile[] = [];
      for (let c = 0; c < columns && i + c < photos.length; c++)
        tiles.push({ index: first + i + c, left: c * (size + GAP), width: size });
      push(tiles, size);
    }
    return top;
  }
  let start = 0;
  while (start < photos.length) {
    // Take photos until the row, at the target height, is wider than the view; then fit it to the width,
    // with or without that last photo, whichever row comes out nearer the target height.
    let sum = 0;
    let end = start;
    let full = false;
    while (end < photos.length) {
      const ratio = ratioOf(photos[end] as PhotoSummary, false);
      sum += ratio;
      end++;
      if (sum * o.rowHeight + GAP * (end - start - 1) >= o.width) {
        full = true;
        const n = end - start;
        if (n > 1) {
          const withIt = (o.width - GAP * (n - 1)) / sum;
          const without = (o.width - GAP * (n - 2)) / (sum - ratio);
          if (Math.abs(without - o.rowHeight) < Math.abs(withIt - o.rowHeight)) {
            sum -= ratio;
            end--;
          }
        }
        break;
      }
    }
    const height = full ? (o.width - GAP * (end - start - 1)) / sum : o.rowHeight;
    const tiles: Tile[] = [];
    let left = 0;
    for (let i = start; i < end; i++) {
      const width = ratioOf(photos[i] as PhotoSummary, false) * height;
      tiles.push({ index: first + i, left, width });
      left += width + GAP;
    }
    push(tiles, height);
    start = end;
  }
  return top;
}

/** A month not loaded yet: about as tall as it will be, so the scroll bar and the scrubber hardly move. */
export function estimateMonthHeight(count: number, o: LayoutOptions): number {
  const perRow = o.square
    ? squareColumns(o).columns
    : Math.max(1, Math.floor((o.width + GAP) / (o.rowHeight * 1.2 + GAP)));
  const rowHeight = o.square ? squareColumns(o).size : o.rowHeight;
  const rows = Math.ceil(count / perRow);
  const days = Math.min(count, Math.max(1, Math.round(rows / 2)));
  return MONTH_HEADING + days * DAY_HEADING + rows * (rowHeight + GAP);
}

export function layoutTimeline(
  months: TimelineMonth[],
  loaded: (month: TimelineMonth, index: number) => PhotoSummary[] | undefined,
  o: LayoutOptions,
): TimelineLayout {
  const out: TimelineLayout = {
    blocks: [],
    height: 0,
    monthTops: [],
    monthHeights: [],
    monthStarts: [],
    rows: [],
  };
  let top = 0;
  let first = 0;
  months.forEach((m, mi) => {
    out.monthTops.push(top);
    out.monthStarts.push(first);
    const photos = loaded(m, mi);
    const monthTop = top;
    if (!photos) {
      const height = estimateMonthHeight(m.count, o);
      out.blocks.push({ kind: 'placeholder', top, height, month: mi });
      top += height;
    } else {
      out.blocks.push({ kind: 'month', top, height: MONTH_HEADING, month: mi, label: monthLabel(m.month) });
      top += MONTH_HEADING;
      let i = 0;
      while (i < photos.length) {
        const key = dayKey((photos[i] as PhotoSummary).takenAt);
        let j = i + 1;
        while (j < photos.length && dayKey((photos[j] as PhotoSummary).takenAt) === key) j++;
        const label = m.month === 'undated' ? 'No date' : dayLabel((photos[i] as PhotoSummary).takenAt);
        out.blocks.push({ kind: 'day', top, height: DAY_HEADING, month: mi, label });
        top += DAY_HEADING;
        top = layoutDay(photos.slice(i, j), first + i, mi, top, o, out);
        i = j;
      }
    }
    out.monthHeights.push(top - monthTop);
    first += m.count;
  });
  out.height = top;
  return out;
}

/** The first block whose bottom is below `y` (binary search: blocks are sorted by top). */
export function firstBlockAt(blocks: Block[], y: number): number {
  let lo = 0;
  let hi = blocks.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const b = blocks[mid] as Block;
    if (b.top + b.height <= y) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The month (timeline order) at content position `y`. */
export function monthAt(layout: TimelineLayout, y: number): number {
  let lo = 0;
  let hi = layout.monthTops.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((layout.monthTops[mid] as number) <= y) lo = mid;
    else hi = mid - 1;
  }
  return Math.max(0, lo);
}

/** The month holding timeline index `index`. */
export function monthOfIndex(monthStarts: number[], index: number): number {
  let lo = 0;
  let hi = monthStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((monthStarts[mid] as number) <= index) lo = mid;
    else hi = mid - 1;
  }
  return Math.max(0, lo);
}

/** The row showing timeline index `index`, when its month is laid out. */
export function rowOfIndex(layout: TimelineLayout, index: number): number {
  const rows = layout.rows;
  let lo = 0;
  let hi = rows.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((rows[mid]?.tiles[0]?.index ?? 0) <= index) lo = mid;
    else hi = mid - 1;
  }
  const row = rows[lo];
  return row && row.tiles.some((t) => t.index === index) ? lo : -1;
}
