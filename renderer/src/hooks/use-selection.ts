// A selection of photos in one grid, shared by every view that shows photos (Photos, Search, albums, the
// review queue). It keeps the selected photos themselves (not just their ids), so the selection bar can
// copy their paths or search by them without asking the core again.
//
// Conventions (those of Google Photos and Immich, which photographers already know):
//   - the round check mark on a tile (shown on hover) selects it; a plain click on the photo opens it;
//   - once anything is selected, a plain click toggles instead of opening (the user is "in selection mode");
//   - Ctrl/Cmd-click toggles; Shift-click selects everything from the last clicked photo to this one, in the
//     order the grid shows them (across day and month headings);
//   - Ctrl/Cmd+A selects every photo of the view (not only the ones on screen), Space toggles the focused
//     photo, Esc clears.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { KeyboardEvent as ReactKeyboardEvent, MouseEvent as ReactMouseEvent } from 'react';
import type { PhotoSummary } from '../api/types';

/** The photos of a grid, in the order it shows them. */
export interface SelectableSource {
  total: number;
  /** The photo at `index` if it is loaded already. */
  item(index: number): PhotoSummary | undefined;
  /** Photos [start, end) in grid order, loading what is missing. */
  range(start: number, end: number): Promise<PhotoSummary[]>;
}

export interface Selection {
  /** Selected photos, by id, in the order they were selected. */
  photos: ReadonlyMap<string, PhotoSummary>;
  count: number;
  /** True while Ctrl+A or a long Shift-click range is loading the photos it selects. */
  busy: boolean;
  isSelected(id: string | undefined): boolean;
  /** Adds or removes one photo; it becomes the anchor of the next Shift-click. */
  toggle(index: number): void;
  /** Selects from the anchor (the last photo clicked) to `index`. */
  extendTo(index: number): Promise<void>;
  /** Selects these photos (a rubber band); `add` keeps what was selected, else replaces it. */
  set(photos: PhotoSummary[], add: boolean): void;
  selectAll(): Promise<void>;
  clear(): void;
  /**
   * What a click on a tile does: selects or toggles and returns true, or returns false when the click
   * should open the photo (a plain click with nothing selected).
   */
  click(e: ReactMouseEvent | MouseEvent, index: number): boolean;
  /** Space, Esc and Ctrl/Cmd+A; returns true when it handled the key. */
  keyDown(e: ReactKeyboardEvent | KeyboardEvent, focused: number): boolean;
}

/**
 * `resetKey` changes when the grid shows another set of photos (a new search): the selection empties.
 * A library refresh keeps the key, and the selection with it.
 */
export function useSelection(source: SelectableSource, resetKey: string): Selection {
  const [photos, setPhotos] = useState<ReadonlyMap<string, PhotoSummary>>(() => new Map());
  const [busy, setBusy] = useState(false);
  const anchor = useRef(-1);
  const sourceRef = useRef(source);
  sourceRef.current = source;

  useEffect(() => {
    setPhotos(new Map());
    anchor.current = -1;
  }, [resetKey]);

  const isSelected = useCallback((id: string | undefined) => (id ? photos.has(id) : false), [photos]);

  const toggle = useCallback((index: number) => {
    const p = sourceRef.current.item(index);
    if (!p) return;
    anchor.current = index;
    setPhotos((prev) => {
      const next = new Map(prev);
      if (next.has(p.id)) next.delete(p.id);
      else next.set(p.id, p);
      return next;
    });
  }, []);

  const addAll = useCallback((list: PhotoSummary[], replace: boolean) => {
    setPhotos((prev) => {
      const next = replace ? new Map<string, PhotoSummary>() : new Map(prev);
      for (const p of list) next.set(p.id, p);
      return next;
    });
  }, []);

  const load = useCallback(async (start: number, end: number): Promise<PhotoSummary[]> => {
    setBusy(true);
    try {
      return await sourceRef.current.range(start, end);
    } finally {
      setBusy(false);
    }
  }, []);

  const extendTo = useCallback(
    async (index: number) => {
      const from = anchor.current < 0 ? index : anchor.current;
      const start = Math.min(from, index);
      const end = Math.max(from, index) + 1;
      addAll(await load(start, end), false);
    },
    [addAll, load],
  );

  const selectAll = useCallback(async () => {
    addAll(await load(0, sourceRef.current.total), true);
  }, [addAll, load]);

  const clear = useCallback(() => {
    setPhotos(new Map());
    anchor.current = -1;
  }, []);

  const set = useCallback((list: PhotoSummary[], add: boolean) => addAll(list, !add), [addAll]);

  const click = useCallback(
    (e: ReactMouseEvent | MouseEvent, index: number): boolean => {
      if (e.shiftKey && anchor.current >= 0) {
        void extendTo(index);
        return true;
      }
      if (e.ctrlKey || e.metaKey || photos.size > 0) {
        toggle(index);
        return true;
      }
      return false;
    },
    [extendTo, toggle, photos.size],
  );

  const keyDown = useCallback(
    (e: ReactKeyboardEvent | KeyboardEvent, focused: number): boolean => {
      if ((e.ctrlKey || e.metaKey) && (e.key === 'a' || e.key === 'A')) {
        e.preventDefault();
        void selectAll();
        return true;
      }
      if (e.key === ' ' && focused >= 0) {
        e.preventDefault();
        if (e.shiftKey && anchor.current >= 0) void extendTo(focused);
        else toggle(focused);
        return true;
      }
      if (e.key === 'Escape' && photos.size > 0) {
        e.preventDefault();
        // The photo viewer and other global Esc handlers must not also act on this key.
        e.stopPropagation();
        clear();
        return true;
      }
      return false;
    },
    [selectAll, extendTo, toggle, clear, photos.size],
  );

  return useMemo(
    () => ({
      photos,
      count: photos.size,
      busy,
      isSelected,
      toggle,
      extendTo,
      set,
      selectAll,
      clear,
      click,
      keyDown,
    }),
    [photos, busy, isSelected, toggle, extendTo, set, selectAll, clear, click, keyDown],
  );
}

/**
 * Loads photos [start, end) from a paged list whose pages are fetched by `fetchPage(offset, limit)`: the
 * search results and album pages use it for Shift-click ranges and Ctrl+A over photos not loaded yet.
 */
export async function rangeFromPages(
  start: number,
  end: number,
  item: (index: number) => PhotoSummary | undefined,
  fetchPage: (offset: number, limit: number) => Promise<PhotoSummary[]>,
  pageSize = 1000,
): Promise<PhotoSummary[]> {
  const out: PhotoSummary[] = [];
  let i = start;
  while (i < end) {
    const known = item(i);
    if (known) {
      out.push(known);
      i++;
      continue;
    }
    const limit = Math.min(pageSize, end - i);
    const page = await fetchPage(i, limit);
    if (page.length === 0) break;
    out.push(...page);
    i += page.length;
  }
  return out;
}
