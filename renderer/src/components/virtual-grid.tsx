// A thumbnail grid that stays fast at 100k photos: only the rows in view (plus a few) are in the DOM,
// and pages of results are fetched as they scroll into view. Keyboard: arrows, Page Up/Down, Home/End
// move the focus; Enter opens; S searches for similar photos; Space, Ctrl/Cmd+A and Esc select (see
// hooks/use-selection.ts).
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { KeyboardEvent } from 'react';
import type { PhotoSummary } from '../api/types';
import type { Selection } from '../hooks/use-selection';
import { PhotoTile } from './photo-tile';
import { RubberBand, useRubberBand } from './rubber-band';
import type { Rect } from './rubber-band';

export interface VirtualGridProps {
  total: number;
  item(index: number): PhotoSummary | undefined;
  /** Asks for items [start, end) to be loaded (called as rows come into view). */
  ensureRange(start: number, end: number): void;
  thumbnailUrl(contentId: string): string;
  onOpen(index: number): void;
  onSimilar(photo: PhotoSummary): void;
  /** Target cell size in px; columns fill the width. */
  cellSize?: number;
  /** Changes when the result set changes: scroll and focus go back to the top. */
  resetKey: string;
  /** The hover text of a tile (the photo's name when not given). */
  titleOf?(photo: PhotoSummary): string;
  /** Each photo's match score in its corner (the "Match scores" option of Search). */
  showScores?: boolean;
  /** Photos the user picked; without it the grid only opens photos. */
  selection?: Selection;
  /**
   * Puts the keyboard focus on this photo (a new object each time): the search box's arrow down, and
   * the photo view closing on the photo it showed last.
   */
  focusRequest?: { index: number } | null;
}

const GAP = 8;
const OVERSCAN_ROWS = 3;

export function VirtualGrid(props: VirtualGridProps) {
  const {
    total,
    item,
    ensureRange,
    thumbnailUrl,
    onOpen,
    onSimilar,
    resetKey,
    titleOf,
    selection,
    showScores,
    focusRequest,
  } = props;
  const cellSize = props.cellSize ?? 180;
  const scrollRef = useRef<HTMLDivElement>(null);
  const [size, setSize] = useState({ width: 0, height: 0 });
  const [scrollTop, setScrollTop] = useState(0);
  const [focus, setFocus] = useState(-1);

  useLayoutEffect(() => {
    const el = scrollRef.current;
    if (!el) return;
    const measure = () => setSize({ width: el.clientWidth, height: el.clientHeight });
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  useEffect(() => {
    scrollRef.current?.scrollTo({ top: 0 });
    setScrollTop(0);
    setFocus(-1);
  }, [resetKey]);

  const columns = Math.max(1, Math.floor((size.width + GAP) / (cellSize + GAP)));
  const cellWidth = size.width > 0 ? (size.width - GAP * (columns - 1)) / columns : cellSize;
  const rowHeight = cellWidth + GAP;
  const rows = Math.ceil(total / columns);
  const firstRow = Math.max(0, Math.floor(scrollTop / rowHeight) - OVERSCAN_ROWS);
  const lastRow = Math.min(rows, Math.ceil((scrollTop + size.height) / rowHeight) + OVERSCAN_ROWS);

  useEffect(() => {
    if (total > 0) ensureRange(firstRow * columns, Math.min(total, lastRow * columns));
  }, [firstRow, lastRow, columns, total, ensureRange]);

  const scrollToIndex = useCallback(
    (index: number) => {
      const el = scrollRef.current;
      if (!el) return;
      const top = Math.floor(index / columns) * rowHeight;
      if (top < el.scrollTop) el.scrollTop = top;
      else if (top + rowHeight > el.scrollTop + el.clientHeight)
        el.scrollTop = top + rowHeight - el.clientHeight;
    },
    [columns, rowHeight],
  );

  const hitTest = (rect: Rect): number[] => {
    const out: number[] = [];
    const firstR = Math.max(0, Math.floor(rect.top / rowHeight));
    const lastR = Math.min(rows - 1, Math.floor(rect.bottom / rowHeight));
    const colStep = cellWidth + GAP;
    const firstC = Math.max(0, Math.floor(rect.left / colStep));
    const lastC = Math.min(columns - 1, Math.floor(rect.right / colStep));
    for (let r = firstR; r <= lastR; r++)
      for (let c = firstC; c <= lastC; c++) if (r * columns + c < total) out.push(r * columns + c);
    return out;
  };
  const rubber = useRubberBand(scrollRef, hitTest, (indexes, add) => {
    const photos = indexes.map(item).filter((p): p is PhotoSummary => Boolean(p));
    selection?.set(photos, add);
  });
  useEffect(() => {
    if (!focusRequest || total === 0) return;
    const index = Math.max(0, Math.min(total - 1, focusRequest.index));
    setFocus(index);
    scrollToIndex(index);
    scrollRef.current?.focus({ preventScroll: true });
    // Only a new request moves the focus, not new results or a resize.
  }, [focusRequest]);

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (total === 0) return;
    if (selection?.keyDown(e, focus)) return;
    const pageRows = Math.max(1, Math.floor(size.height / rowHeight));
    const moves: Record<string, number> = {
      ArrowRight: 1,
      ArrowLeft: -1,
      ArrowDown: columns,
      ArrowUp: -columns,
      PageDown: columns * pageRows,
      PageUp: -columns * pageRows,
    };
    let next = focus;
    if (e.key in moves)
      next = Math.max(0, Math.min(total - 1, (focus < 0 ? 0 : focus + (moves[e.key] ?? 0)) as number));
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = total - 1;
    else if (e.key === 'Enter' && focus >= 0) {
      e.preventDefault();
      onOpen(focus);
      return;
    } else if ((e.key === 's' || e.key === 'S') && focus >= 0) {
      const p = item(focus);
      if (p) onSimilar(p);
      return;
    } else return;
    e.preventDefault();
    setFocus(next);
    scrollToIndex(next);
  };

  const rowEls = [];
  for (let r = firstRow; r < lastRow; r++) {
    const cells = [];
    for (let c = 0; c < columns; c++) {
      const index = r * columns + c;
      if (index >= total) break;
      const p = item(index);
      cells.push(
        <PhotoTile
          key={index}
          photo={p}
          index={index}
          id={`photo-cell-${index}`}
          style={{ width: cellWidth, height: cellWidth }}
          thumbnailUrl={thumbnailUrl}
          selected={selection?.isSelected(p?.id) ?? false}
          focused={index === focus}
          selecting={(selection?.count ?? 0) > 0}
          title={p && titleOf ? titleOf(p) : undefined}
          badge={showScores && p?.score !== undefined ? p.score.toFixed(2) : undefined}
          onClick={(e, i) => {
            setFocus(i);
            if (!selection?.click(e, i)) onOpen(i);
          }}
          onCheck={(e, i) => {
            setFocus(i);
            if (e.shiftKey && selection?.count) void selection.extendTo(i);
            else selection?.toggle(i);
          }}
          actions={
            p && (
              <button
                className="btn btn-small"
                title="Find similar photos (S)"
                onClick={(e) => {
                  e.stopPropagation();
                  onSimilar(p);
                }}
              >
                Similar
              </button>
            )
          }
        />,
      );
    }
    rowEls.push(
      <div key={r} role="row" className="grid-row" style={{ top: r * rowHeight, height: cellWidth }}>
        {cells}
      </div>,
    );
  }

  return (
    <div
      ref={scrollRef}
      className="grid-scroll"
      role="grid"
      aria-label="Photos"
      aria-rowcount={rows}
      tabIndex={0}
      aria-multiselectable={selection ? true : undefined}
      aria-activedescendant={focus >= 0 ? `photo-cell-${focus}` : undefined}
      // Tabbing into the grid lands on the first photo, so Enter opens something at once.
      onFocus={(e) => e.target === e.currentTarget && focus < 0 && total > 0 && setFocus(0)}
      onKeyDown={onKeyDown}
      onMouseDown={selection ? rubber.onMouseDown : undefined}
      onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
    >
      <div className="grid-inner" style={{ height: rows * rowHeight }}>
        {rowEls}
        <RubberBand band={rubber.band} />
      </div>
    </div>
  );
}
