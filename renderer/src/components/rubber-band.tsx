// Drag on a grid's background to draw a rectangle; the photos it touches are selected when the mouse is
// released (Ctrl/Cmd or Shift keeps what was selected). It works in the grid's content coordinates and asks
// the grid which photos lie there, so photos scrolled out of the DOM by the virtual list are found too.
import { useCallback, useRef, useState } from 'react';
import type { MouseEvent as ReactMouseEvent, RefObject } from 'react';

export interface Rect {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** Drags shorter than this are clicks on the background, not rectangles. */
const MIN_DRAG = 4;
/** How close to the top or bottom edge the pointer scrolls the grid while dragging. */
const EDGE = 40;

export function useRubberBand(
  scrollRef: RefObject<HTMLDivElement | null>,
  /** Indexes of the photos whose tiles meet `rect` (content coordinates). */
  hitTest: (rect: Rect) => number[],
  onSelect: (indexes: number[], add: boolean) => void,
): { band: Rect | null; onMouseDown: (e: ReactMouseEvent) => void } {
  const [band, setBand] = useState<Rect | null>(null);
  const hitRef = useRef(hitTest);
  hitRef.current = hitTest;
  const selectRef = useRef(onSelect);
  selectRef.current = onSelect;

  const onMouseDown = useCallback(
    (e: ReactMouseEvent) => {
      const el = scrollRef.current;
      // Only the background: a tile, a button or the scroll bar keep their own behaviour.
      if (!el || e.button !== 0 || (e.target as HTMLElement).closest('.cell, button, a, input')) return;
      const box = el.getBoundingClientRect();
      if (e.clientX - box.left >= el.clientWidth) return;
      const add = e.ctrlKey || e.metaKey || e.shiftKey;
      const point = (clientX: number, clientY: number) => ({
        x: clientX - box.left + el.scrollLeft,
        y: clientY - box.top + el.scrollTop,
      });
      const start = point(e.clientX, e.clientY);
      let last = { x: e.clientX, y: e.clientY };
      let current: Rect | null = null;
      const update = () => {
        const p = point(last.x, last.y);
        const r = {
          left: Math.min(start.x, p.x),
          top: Math.min(start.y, p.y),
          right: Math.max(start.x, p.x),
          bottom: Math.max(start.y, p.y),
        };
        if (!current && r.right - r.left < MIN_DRAG && r.bottom - r.top < MIN_DRAG) return;
        current = r;
        setBand(r);
      };
      const onMove = (ev: MouseEvent) => {
        last = { x: ev.clientX, y: ev.clientY };
        if (ev.clientY < box.top + EDGE) el.scrollTop -= EDGE / 2;
        else if (ev.clientY > box.bottom - EDGE) el.scrollTop += EDGE / 2;
        update();
      };
      const onScroll = () => update();
      const onUp = () => {
        window.removeEventListener('mousemove', onMove);
        window.removeEventListener('mouseup', onUp);
        el.removeEventListener('scroll', onScroll);
        setBand(null);
        if (current) selectRef.current(hitRef.current(current), add);
      };
      e.preventDefault();
      el.focus({ preventScroll: true });
      window.addEventListener('mousemove', onMove);
      window.addEventListener('mouseup', onUp);
      el.addEventListener('scroll', onScroll);
    },
    [scrollRef],
  );

  return { band, onMouseDown };
}

export function RubberBand({ band }: { band: Rect | null }) {
  if (!band) return null;
  return (
    <div
      className="rubber-band"
      aria-hidden
      style={{
        left: band.left,
        top: band.top,
        width: band.right - band.left,
        height: band.bottom - band.top,
      }}
    />
  );
}
