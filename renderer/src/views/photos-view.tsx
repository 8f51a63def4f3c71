// Photos: the home view. Every photo of the library, newest first, under month and day headings, in rows
// that keep each photo's shape (or square tiles, a remembered setting). Built for 100,000 photos: the
// layout comes from the month counts (components/timeline-layout.ts), a month's photos are fetched when it
// nears the screen (hooks/use-timeline.ts), and only the rows near the screen are in the DOM.
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { KeyboardEvent, MouseEvent } from 'react';
import type { PhotoSummary } from '../api/types';
import { EmptyState } from '../components/common';
import { DateScrubber } from '../components/date-scrubber';
import { PhotoTile } from '../components/photo-tile';
import { RubberBand, useRubberBand } from '../components/rubber-band';
import type { Rect } from '../components/rubber-band';
import { SelectionBar, photosWord } from '../components/selection-bar';
import {
  firstBlockAt,
  layoutTimeline,
  monthAt,
  monthOfIndex,
  rowOfIndex,
} from '../components/timeline-layout';
import type { Block, TimelineLayout } from '../components/timeline-layout';
import { useApp } from '../hooks/app-context';
import type { PhotoSource } from '../hooks/app-context';
import { useSelection } from '../hooks/use-selection';
import { useTimeline } from '../hooks/use-timeline';

/** Rows this far above and below the screen stay in the DOM (smooth scrolling without a flash). */
const OVERSCAN = 600;
/** Months this far from the screen are fetched ahead of time. */
const PREFETCH = 1500;
const SQUARE_KEY = 'lookbook.photos.square';

/** Blocks `first` to `last` (inclusive) of `layout` are in the DOM, for a window `height` tall. */
interface Shown {
  layout: TimelineLayout | null;
  height: number;
  first: number;
  last: number;
}

/** The blocks within OVERSCAN of a screen of `height` at content position `top`. */
function blocksAround(layout: TimelineLayout, top: number, height: number): { first: number; last: number } {
  const first = firstBlockAt(layout.blocks, top - OVERSCAN);
  const last = Math.min(layout.blocks.length - 1, firstBlockAt(layout.blocks, top + height + OVERSCAN));
  return { first, last };
}

function rowHeightFor(width: number): number {
  // Smaller rows on a narrow window so that a row still holds a few photos.
  return width < 700 ? 140 : 200;
}

/** The tile nearest to `x` in the first row at or after (`down`) / at or before `y`. */
function tileNear(
  layout: TimelineLayout,
  y: number,
  x: number,
  down: boolean,
): { index: number } | { month: number } | null {
  const blocks = layout.blocks;
  let b = firstBlockAt(blocks, y);
  while (b >= 0 && b < blocks.length) {
    const block = blocks[b] as Block;
    if (block.kind === 'row') {
      let best = block.tiles[0];
      for (const t of block.tiles)
        if (Math.abs(t.left + t.width / 2 - x) < Math.abs((best?.left ?? 0) + (best?.width ?? 0) / 2 - x))
          best = t;
      return best ? { index: best.index } : null;
    }
    if (block.kind === 'placeholder') return { month: block.month };
    b += down ? 1 : -1;
  }
  return null;
}

export function PhotosView() {
  const { client, status, navigate, openPhoto } = useApp();
  const timeline = useTimeline(client);
  const { summary } = timeline;
  const scrollRef = useRef<HTMLDivElement>(null);
  const [size, setSize] = useState({ width: 0, height: 0 });
  // Scrolling does not render the view: the position lives in a ref, and the view renders again only when
  // the blocks it must show (the screen and OVERSCAN around it) change, `shown` below.
  const scrollTopRef = useRef(0);
  /** Moves the date scrubber's thumb (set by the scrubber). */
  const scrubberFollow = useRef<((contentTop: number) => void) | null>(null);
  const [focus, setFocus] = useState(-1);
  const [square, setSquare] = useState(() => localStorage.getItem(SQUARE_KEY) === '1');
  const total = summary?.total ?? 0;

  // The grid exists only while there are photos (else the empty state shows): measure it when it appears.
  const hasPhotos = total > 0;
  useLayoutEffect(() => {
    const el = scrollRef.current;
    if (!el) return;
    const measure = () => setSize({ width: el.clientWidth, height: el.clientHeight });
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, [hasPhotos]);

  const months = useMemo(() => summary?.months ?? [], [summary]);
  const { photosOf } = timeline;
  const layout = useMemo(
    () =>
      layoutTimeline(months, (_m, i) => photosOf(i), {
        width: Math.max(200, size.width),
        rowHeight: rowHeightFor(size.width),
        square,
      }),
    [months, photosOf, size.width, square],
  );

  // The blocks in the DOM: those within OVERSCAN of the screen, for this layout and window height.
  const [shown, setShown] = useState<Shown>({ layout: null, height: 0, first: 0, last: -1 });
  const shownRef = useRef(shown);
  shownRef.current = shown;
  /** The timeline scrolled (or was scrolled) to `top`: renders only if other blocks must show. */
  const scrolled = useCallback(
    (top: number) => {
      scrollTopRef.current = top;
      scrubberFollow.current?.(top);
      const next = blocksAround(layout, top, size.height);
      const now = shownRef.current;
      if (
        now.layout === layout &&
        now.height === size.height &&
        now.first === next.first &&
        now.last === next.last
      )
        return;
      setShown({ layout, height: size.height, ...next });
    },
    [layout, size.height],
  );

  // Keep what the user looks at in place when months above it load (their real height replaces the
  // estimate) or the library changes: remember the month at the top of the screen and the offset in it.
  const anchor = useRef<{ month: string; offset: number } | null>(null);
  const rememberAnchor = useCallback(
    (top: number) => {
      const m = monthAt(layout, top);
      const key = months[m]?.month;
      anchor.current = key ? { month: key, offset: top - (layout.monthTops[m] ?? 0) } : null;
    },
    [layout, months],
  );
  useLayoutEffect(() => {
    const el = scrollRef.current;
    const a = anchor.current;
    if (!el || !a) return;
    const m = months.findIndex((x) => x.month === a.month);
    if (m < 0) return;
    const wanted = (layout.monthTops[m] ?? 0) + a.offset;
    if (Math.abs(el.scrollTop - wanted) > 1) {
      el.scrollTop = wanted;
      scrolled(el.scrollTop);
    }
    // Only a new layout moves the content; scrolling itself updates the anchor.
  }, [layout, months, scrolled]);

  const jumpTo = useCallback(
    (top: number) => {
      const el = scrollRef.current;
      if (!el) return;
      el.scrollTop = top;
      const now = el.scrollTop;
      scrolled(now);
      rememberAnchor(now);
    },
    [rememberAnchor, scrolled],
  );

  // Fetch the months near the screen (again whenever the blocks shown change).
  const { ensureMonths } = timeline;
  useEffect(() => {
    if (!months.length) return;
    const top = scrollTopRef.current;
    const first = monthAt(layout, Math.max(0, top - PREFETCH));
    const last = monthAt(layout, top + size.height + PREFETCH);
    const wanted: number[] = [];
    for (let m = first; m <= last; m++) wanted.push(m);
    ensureMonths(wanted);
  }, [layout, months, shown, size.height, ensureMonths]);

  const selection = useSelection({ total, item: timeline.item, range: timeline.range }, 'photos');

  const source = useMemo<PhotoSource>(
    () => ({
      total,
      item: timeline.item,
      ensureRange: (start, end) => timeline.range(start, end),
    }),
    [total, timeline],
  );

  // The tiles' click handlers never change (the latest closures are behind a ref), so that a memoized tile
  // is not drawn again just because the view rendered.
  const tileActions = useRef({
    click: (_e: MouseEvent, _i: number) => {},
    check: (_e: MouseEvent, _i: number) => {},
  });
  tileActions.current = {
    click: (e, i) => {
      setFocus(i);
      if (!selection.click(e, i)) openPhoto(source, i);
    },
    check: (e, i) => {
      setFocus(i);
      if (e.shiftKey) void selection.extendTo(i);
      else selection.toggle(i);
    },
  };
  const onTileClick = useCallback((e: MouseEvent, i: number) => tileActions.current.click(e, i), []);
  const onTileCheck = useCallback((e: MouseEvent, i: number) => tileActions.current.check(e, i), []);

  /** Brings photo `index` on screen (its month's heading first when it is not laid out yet). */
  const reveal = useCallback(
    (index: number) => {
      const el = scrollRef.current;
      if (!el) return;
      const r = rowOfIndex(layout, index);
      const row = layout.rows[r];
      if (!row) {
        jumpTo(layout.monthTops[monthOfIndex(timeline.monthStarts, index)] ?? 0);
        return;
      }
      if (row.top < el.scrollTop) jumpTo(row.top - 40);
      else if (row.top + row.height > el.scrollTop + el.clientHeight)
        jumpTo(row.top + row.height - el.clientHeight + 8);
    },
    [layout, timeline.monthStarts, jumpTo],
  );

  const moveFocus = (next: number) => {
    const i = Math.max(0, Math.min(total - 1, next));
    setFocus(i);
    reveal(i);
  };

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (total === 0) return;
    if (selection.keyDown(e, focus)) return;
    const here = focus < 0 ? 0 : focus;
    const row = layout.rows[rowOfIndex(layout, here)];
    const tile = row?.tiles.find((t) => t.index === here);
    const vertical = (dy: number, down: boolean) => {
      if (!row || !tile) return moveFocus(here + (down ? 1 : -1));
      const found = tileNear(
        layout,
        down ? row.top + row.height + dy : row.top - dy,
        tile.left + tile.width / 2,
        down,
      );
      if (!found) return;
      if ('index' in found) return moveFocus(found.index);
      // The next month is not loaded yet: go to its first (or, going up, last) photo.
      const start = timeline.monthStarts[found.month] ?? 0;
      moveFocus(down ? start : start + (months[found.month]?.count ?? 1) - 1);
    };
    switch (e.key) {
      case 'ArrowRight':
        moveFocus(focus < 0 ? 0 : focus + 1);
        break;
      case 'ArrowLeft':
        moveFocus(focus < 0 ? 0 : focus - 1);
        break;
      case 'ArrowDown':
        if (focus < 0) moveFocus(0);
        else vertical(1, true);
        break;
      case 'ArrowUp':
        if (focus < 0) moveFocus(0);
        else vertical(1, false);
        break;
      case 'PageDown':
        vertical(size.height, true);
        break;
      case 'PageUp':
        vertical(size.height, false);
        break;
      case 'Home':
        moveFocus(0);
        break;
      case 'End':
        moveFocus(total - 1);
        break;
      case 'Enter':
        if (focus >= 0) openPhoto(source, focus);
        break;
      default:
        return;
    }
    e.preventDefault();
  };

  const hitTest = (rect: Rect): number[] => {
    const out: number[] = [];
    for (let b = firstBlockAt(layout.blocks, rect.top); b < layout.blocks.length; b++) {
      const block = layout.blocks[b] as Block;
      if (block.top > rect.bottom) break;
      if (block.kind !== 'row') continue;
      for (const t of block.tiles)
        if (t.left <= rect.right && t.left + t.width >= rect.left) out.push(t.index);
    }
    return out;
  };
  const rubber = useRubberBand(scrollRef, hitTest, (indexes, add) => {
    selection.set(
      indexes.map(timeline.item).filter((p): p is PhotoSummary => Boolean(p)),
      add,
    );
  });

  if (timeline.error && !summary)
    return (
      <div className="view">
        <div className="banner banner-error" role="alert">
          {timeline.error}
        </div>
      </div>
    );

  if (summary && summary.total === 0) {
    const indexing = status?.indexing.phase === 'indexing' || status?.indexing.phase === 'scanning';
    return (
      <div className="view">
        <EmptyState
          icon={indexing ? 'hourglass' : 'photos'}
          title={indexing ? 'Your photos are on their way' : 'No photos yet'}
        >
          <p>
            {indexing
              ? 'They appear here as soon as the first ones are indexed. You can follow the progress in Library.'
              : 'Add a folder of photos in Library: Lookbook reads it on this computer and shows every photo here, newest first.'}
          </p>
          <button className="btn btn-primary" onClick={() => navigate('library')}>
            {indexing ? 'Go to Library' : 'Add a folder'}
          </button>
        </EmptyState>
      </div>
    );
  }

  // A new layout or window height renders before `scrolled` has seen it: take its blocks from the position.
  const range =
    shown.layout === layout && shown.height === size.height
      ? shown
      : blocksAround(layout, scrollTopRef.current, size.height);
  const visible = layout.blocks.slice(range.first, range.last + 1);

  const selecting = selection.count > 0;
  const renderBlock = (block: Block) => {
    const month = months[block.month];
    const key = `${block.kind}-${block.top}`;
    switch (block.kind) {
      case 'month':
        return (
          <h2
            key={key}
            className="timeline-month"
            style={{ top: block.top, height: block.height }}
            data-testid="month-heading"
            data-month={month?.month}
          >
            {block.label}
          </h2>
        );
      case 'day':
        return (
          <h3 key={key} className="timeline-day" style={{ top: block.top, height: block.height }}>
            {block.label}
          </h3>
        );
      case 'placeholder':
        return (
          <div
            key={key}
            className="timeline-placeholder"
            style={{ top: block.top, height: block.height }}
            data-testid="month-placeholder"
            data-month={month?.month}
          />
        );
      case 'row':
        return block.tiles.map((t) => {
          const p = timeline.item(t.index);
          return (
            <PhotoTile
              key={t.index}
              photo={p}
              index={t.index}
              style={{
                position: 'absolute',
                top: block.top,
                left: t.left,
                width: t.width,
                height: block.height,
              }}
              thumbnailUrl={client.thumbnailUrl}
              selected={selection.isSelected(p?.id)}
              focused={t.index === focus}
              selecting={selecting}
              onClick={onTileClick}
              onCheck={onTileCheck}
            />
          );
        });
    }
  };

  return (
    <div className="view-fill photos-view">
      <div className="photos-header">
        <h1>Photos</h1>
        <span className="muted small" data-testid="photos-total">
          {summary ? photosWord(total) : 'Loading…'}
        </span>
        <span className="grow" />
        <span className="small muted hide-narrow">
          <span className="kbd">↑↓←→</span> move <span className="kbd">Enter</span> open{' '}
          <span className="kbd">Space</span> select <span className="kbd">Ctrl+A</span> all
        </span>
        <label className="small">
          <input
            type="checkbox"
            checked={square}
            onChange={(e) => {
              setSquare(e.target.checked);
              localStorage.setItem(SQUARE_KEY, e.target.checked ? '1' : '0');
            }}
          />{' '}
          Square tiles
        </label>
      </div>
      {timeline.error && (
        <div className="banner banner-error" role="alert">
          {timeline.error}
        </div>
      )}
      <div className="timeline">
        <div
          ref={scrollRef}
          className="grid-scroll"
          role="grid"
          aria-label="Photos"
          aria-multiselectable
          aria-rowcount={total}
          tabIndex={0}
          data-testid="timeline"
          onKeyDown={onKeyDown}
          onMouseDown={rubber.onMouseDown}
          onScroll={(e) => {
            // Read once: after `scrolled` moves the scrubber's thumb, another read would lay the page out.
            const top = e.currentTarget.scrollTop;
            scrolled(top);
            rememberAnchor(top);
          }}
        >
          <div className="grid-inner" style={{ height: layout.height }}>
            {visible.map(renderBlock)}
            <RubberBand band={rubber.band} />
          </div>
        </div>
        {months.length > 0 && (
          <DateScrubber
            months={months}
            layout={layout}
            scroller={scrollRef}
            follow={scrubberFollow}
            viewportHeight={size.height}
            onJump={jumpTo}
          />
        )}
      </div>
      <SelectionBar selection={selection} />
    </div>
  );
}
