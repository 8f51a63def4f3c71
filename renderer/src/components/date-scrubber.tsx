// The strip on the right of the Photos view: the whole library from newest (top) to oldest, each month at
// its place in proportion to its photos. Pointing shows the month there; clicking or dragging goes there.
// A click on a month's mark lands exactly on that month's heading.
import { memo, useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { MutableRefObject, PointerEvent, RefObject } from 'react';
import type { TimelineMonth } from '../api/types';
import { monthAt, monthLabel } from './timeline-layout';
import type { TimelineLayout } from './timeline-layout';

/** Pixels around a month's mark within which a click lands on the month's heading. */
const SNAP = 5;
/** Year labels closer than this to the previous one are left out (a library of many short years). */
const LABEL_SPACING = 18;

export interface DateScrubberProps {
  months: TimelineMonth[];
  layout: TimelineLayout;
  /** The timeline's scrolling element: where the thumb starts. */
  scroller: RefObject<HTMLElement | null>;
  /**
   * Set by the scrubber: the view calls it with each new scroll position, which it has just read, so that
   * moving the thumb does not make the browser lay the page out again for another read of the position.
   */
  follow: MutableRefObject<((contentTop: number) => void) | null>;
  viewportHeight: number;
  onJump(contentTop: number): void;
}

/**
 * Memoized, and scrolling does not render it: the thumb (where the screen is) is moved by `follow`, which
 * sets its style, so the marks of a few hundred months are not compared on every frame.
 */
export const DateScrubber = memo(function DateScrubber({
  months,
  layout,
  scroller,
  follow,
  viewportHeight,
  onJump,
}: DateScrubberProps) {
  const ref = useRef<HTMLDivElement>(null);
  const thumbRef = useRef<HTMLSpanElement>(null);
  const [height, setHeight] = useState(0);
  const [hover, setHover] = useState<number | null>(null);
  const dragging = useRef(false);

  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = () => setHeight(el.clientHeight);
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  const total = Math.max(1, layout.height);
  const toStrip = (contentY: number) => (contentY / total) * height;

  useLayoutEffect(() => {
    const thumb = thumbRef.current;
    if (!thumb) return;
    const place = (contentTop: number) => {
      thumb.style.top = `${(contentTop / total) * height}px`;
    };
    place(scroller.current?.scrollTop ?? 0);
    follow.current = place;
    return () => {
      follow.current = null;
    };
  }, [scroller, follow, total, height]);
  const marks = useMemo(
    () => layout.monthTops.map((top) => (top / Math.max(1, layout.height)) * height),
    [layout, height],
  );

  /** Content position for strip position `y`: a month's top when `y` is on its mark, else in proportion. */
  const target = (y: number): number => {
    let best = -1;
    let bestDistance = SNAP + 1;
    marks.forEach((m, i) => {
      const d = Math.abs(m - y);
      if (d < bestDistance) {
        best = i;
        bestDistance = d;
      }
    });
    if (best >= 0) return layout.monthTops[best] as number;
    return Math.max(0, Math.min(total, (y / Math.max(1, height)) * total));
  };

  const stripY = (e: PointerEvent) => e.clientY - (ref.current?.getBoundingClientRect().top ?? 0);

  const hoverMonth = hover === null ? null : months[monthAt(layout, target(hover))];

  return (
    <div
      ref={ref}
      className="scrubber"
      data-testid="scrubber"
      aria-label="Go to a date"
      onPointerDown={(e) => {
        dragging.current = true;
        e.currentTarget.setPointerCapture(e.pointerId);
        onJump(target(stripY(e)));
      }}
      onPointerMove={(e) => {
        const y = stripY(e);
        setHover(y);
        if (dragging.current) onJump(target(y));
      }}
      onPointerUp={() => (dragging.current = false)}
      onPointerCancel={() => (dragging.current = false)}
      onPointerLeave={() => setHover(null)}
    >
      <ScrubberMarks months={months} marks={marks} />
      <span
        ref={thumbRef}
        className="scrubber-thumb"
        data-testid="scrubber-thumb"
        style={{ height: Math.max(8, toStrip(viewportHeight)) }}
      />
      {hover !== null && hoverMonth && (
        <span className="scrubber-label" style={{ top: hover }} data-testid="scrubber-label">
          {monthLabel(hoverMonth.month)}
        </span>
      )}
    </div>
  );
});

/**
 * Each month's mark and the years' labels: drawn again only when the layout changes, not on every frame of
 * scrolling (a 100,000-photo library has a few hundred months).
 */
const ScrubberMarks = memo(function ScrubberMarks({
  months,
  marks,
}: {
  months: TimelineMonth[];
  marks: number[];
}) {
  const yearLabels: Array<{ y: number; year: string }> = [];
  let lastYear = '';
  let lastY = -Infinity;
  months.forEach((m, i) => {
    const year = m.month === 'undated' ? 'No date' : m.month.slice(0, 4);
    const y = marks[i] ?? 0;
    if (year !== lastYear && y - lastY >= LABEL_SPACING) {
      yearLabels.push({ y, year });
      lastY = y;
    }
    lastYear = year;
  });
  return (
    <>
      {months.map((m, i) => (
        <span
          key={m.month}
          className="scrubber-mark"
          style={{ top: marks[i] }}
          data-testid="scrubber-month"
          data-month={m.month}
        />
      ))}
      {yearLabels.map((l) => (
        <span key={l.year + l.y} className="scrubber-year" style={{ top: l.y }}>
          {l.year}
        </span>
      ))}
    </>
  );
});
