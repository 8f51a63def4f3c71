// Review tags: the suggestions auto-tagging made, one tag at a time, most confident first. Each photo
// gets a yes or a no from the keyboard (Y, N; arrows move) or from the buttons, and the progress says how
// much of the tag is done. Only what the core stored counts as reviewed: a photo turns green or red, and
// the count moves, when the answer is saved.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { KeyboardEvent } from 'react';
import type { PhotoSummary, ReviewLabel } from '../api/types';
import { messageOf } from '../api/client';
import { EmptyState, ProgressBar } from '../components/common';
import { PhotoTile } from '../components/photo-tile';
import { SelectionBar } from '../components/selection-bar';
import type { PhotoSource } from '../hooks/app-context';
import { useApp } from '../hooks/app-context';
import { useEventListener } from '../hooks/use-event';
import { useLoad } from '../hooks/use-load';
import { useSelection } from '../hooks/use-selection';

/** Photos fetched per batch; the next batch comes when these are all answered. */
const BATCH = 200;

type Answer = 'confirmed' | 'rejected';

interface QueueItem {
  photo: PhotoSummary;
  answer?: Answer;
  /** A yes or no on its way to the core. */
  saving?: boolean;
}

interface Queue {
  tag: string;
  items: QueueItem[];
  pending: number;
  reviewed: number;
}

export function ReviewView() {
  const { client, status, navigate } = useApp();
  const [labels, setLabels] = useState<ReviewLabel[]>([]);
  const [tag, setTag] = useState<string | null>(null);

  const fetchLabels = useCallback(async () => {
    const list = await client.call('review.labels', {});
    setLabels(list);
    // Start with the tag that has the most waiting; keep the user's choice once made.
    setTag(
      (t) => t ?? [...list].sort((a, b) => b.pending - a.pending).find((l) => l.pending > 0)?.tag ?? null,
    );
  }, [client]);
  const { load: loadLabels, loadError } = useLoad(fetchLabels);
  useEventListener(
    'taggingProgress',
    useCallback((p) => void (p.phase === 'done' && loadLabels()), [loadLabels]),
  );

  const waiting = labels.filter((l) => l.pending > 0 || l.tag === tag);
  const totalPending = labels.reduce((n, l) => n + l.pending, 0);

  if (status && status.photoCount === 0) {
    return (
      <div className="view">
        <h1>Review tags</h1>
        <EmptyState icon="review" title="Nothing to review yet">
          <p>Add a folder in Library first, then let Lookbook suggest tags in Tagging.</p>
        </EmptyState>
      </div>
    );
  }

  return (
    <div className="view-fill" data-testid="review-view">
      <div className="row">
        <h1 className="grow" style={{ margin: 0 }}>
          Review tags
        </h1>
        <span className="small muted" data-testid="review-total">
          {totalPending.toLocaleString()} suggestion{totalPending === 1 ? '' : 's'} waiting
        </span>
      </div>
      {loadError && (
        <div className="banner banner-error" role="alert">
          {loadError}
        </div>
      )}
      {waiting.length === 0 ? (
        <EmptyState icon="review" title="No suggestions waiting">
          <p>
            Every suggested tag has a yes or a no. Auto-tag more photos in Tagging and their suggestions
            appear here.
          </p>
          <button className="btn btn-primary" onClick={() => navigate('tagging')}>
            Go to Tagging
          </button>
        </EmptyState>
      ) : (
        <>
          <div className="facets review-labels" role="tablist" aria-label="Tags with suggestions">
            {waiting.map((l) => (
              <button
                key={l.tag}
                role="tab"
                aria-selected={l.tag === tag}
                className={l.tag === tag ? 'pill facet facet-current' : 'pill facet'}
                onClick={() => setTag(l.tag)}
                data-testid="review-label"
                data-tag={l.tag}
                data-pending={l.pending}
              >
                {l.tag} <b>{l.pending.toLocaleString()}</b>
              </button>
            ))}
          </div>
          {tag && <ReviewQueue key={tag} tag={tag} onCounts={loadLabels} />}
        </>
      )}
    </div>
  );
}

function ReviewQueue({ tag, onCounts }: { tag: string; onCounts(): Promise<void> }) {
  const { client, notify, openPhoto } = useApp();
  const [queue, setQueue] = useState<Queue | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [focus, setFocus] = useState(0);
  const gridRef = useRef<HTMLDivElement>(null);

  const fetchBatch = useCallback(async () => {
    try {
      const page = await client.call('review.queue', { tag, offset: 0, limit: BATCH });
      setQueue({
        tag,
        items: page.items.map((photo) => ({ photo })),
        pending: page.pending,
        reviewed: page.reviewed,
      });
      setFocus(0);
      setError(null);
    } catch (e) {
      setError(messageOf(e));
    }
  }, [client, tag]);
  useEffect(() => void fetchBatch(), [fetchBatch]);

  // Every photo of a batch is loaded already, so a range is just a slice. A new batch clears the selection.
  const items = queue?.items ?? [];
  const batchKey = queue ? `${queue.tag}:${queue.items[0]?.photo.id ?? ''}:${queue.items.length}` : '';
  const selection = useSelection(
    {
      total: items.length,
      item: (i) => items[i]?.photo,
      range: async (start, end) => items.slice(start, end).map((it) => it.photo),
    },
    batchKey,
  );

  // Focus lands on the grid when a batch arrives, so Y and N work straight away.
  useEffect(() => {
    if (batchKey) gridRef.current?.focus();
  }, [batchKey]);

  // The focused photo stays in view as the focus moves.
  useEffect(() => {
    gridRef.current
      ?.querySelector<HTMLElement>(`[data-index="${focus}"]`)
      ?.scrollIntoView({ block: 'nearest' });
  }, [focus]);

  /** Answers these photos; the counts move by what the core says it changed. */
  const answer = useCallback(
    async (ids: string[], yes: boolean) => {
      if (ids.length === 0) return;
      const mark = (patch: (item: QueueItem) => QueueItem) =>
        setQueue(
          (q) => q && { ...q, items: q.items.map((it) => (ids.includes(it.photo.id) ? patch(it) : it)) },
        );
      mark((it) => ({ ...it, saving: true }));
      try {
        let changed: number;
        if (ids.length === 1 && ids[0]) {
          await client.call(yes ? 'tags.confirm' : 'tags.reject', { photoId: ids[0], tag });
          changed = 1;
        } else {
          const res = await client.call(yes ? 'tags.confirmMany' : 'tags.rejectMany', { photoIds: ids, tag });
          changed = res.changed;
          if (res.failures.length)
            notify(`${res.failures.length} photo(s) could not be changed: ${res.failures[0]?.reason}`);
        }
        setQueue((q) => {
          if (!q) return q;
          // A photo answered for the first time moves from waiting to reviewed; a changed answer does not.
          const firstTime = q.items.filter((it) => ids.includes(it.photo.id) && !it.answer).length;
          const moved = Math.min(firstTime, changed);
          return {
            ...q,
            pending: Math.max(0, q.pending - moved),
            reviewed: q.reviewed + moved,
            items: q.items.map((it) =>
              ids.includes(it.photo.id)
                ? { ...it, saving: false, answer: yes ? 'confirmed' : 'rejected' }
                : it,
            ),
          };
        });
        void onCounts();
      } catch (e) {
        mark((it) => ({ ...it, saving: false }));
        notify(messageOf(e));
      }
    },
    [client, tag, notify, onCounts],
  );

  if (error) {
    return (
      <div className="banner banner-error" role="alert">
        {error}
        <button className="btn btn-small" onClick={() => void fetchBatch()}>
          Try again
        </button>
      </div>
    );
  }
  if (!queue) return <p className="muted">Loading suggestions for “{tag}”…</p>;

  const total = queue.pending + queue.reviewed;
  const open = items.filter((it) => !it.answer);
  const chosen = items.filter((it) => selection.isSelected(it.photo.id));

  /** The next photo still waiting after `from` (wrapping round), or `from` when none is. */
  const nextWaiting = (from: number) => {
    for (let k = 1; k <= items.length; k++) {
      const j = (from + k) % items.length;
      if (!items[j]?.answer && !items[j]?.saving) return j;
    }
    return Math.min(from + 1, items.length - 1);
  };

  const columns = () => {
    const cells = gridRef.current?.querySelectorAll<HTMLElement>('.review-cell');
    if (!cells || cells.length < 2) return 1;
    const top = cells[0]?.offsetTop;
    let n = 0;
    for (const c of cells) if (c.offsetTop === top) n++;
    return Math.max(1, n);
  };

  const source: PhotoSource = { total: items.length, item: (i) => items[i]?.photo };

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (items.length === 0 || selection.keyDown(e, focus)) return;
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const item = items[focus];
    const moves: Record<string, number> = {
      ArrowRight: 1,
      ArrowLeft: -1,
      ArrowDown: columns(),
      ArrowUp: -columns(),
    };
    const key = e.key.toLowerCase();
    if (e.key in moves) setFocus(Math.max(0, Math.min(items.length - 1, focus + (moves[e.key] ?? 0))));
    else if (e.key === 'Home') setFocus(0);
    else if (e.key === 'End') setFocus(items.length - 1);
    else if ((key === 'y' || key === 'n') && item) {
      void answer([item.photo.id], key === 'y');
      setFocus(nextWaiting(focus));
    } else if (e.key === 'Enter') openPhoto(source, focus);
    else return;
    e.preventDefault();
  };

  return (
    <div className="review-queue">
      <div
        className="review-progress"
        data-testid="review-progress"
        data-reviewed={queue.reviewed}
        data-total={total}
      >
        <span>
          <b>{queue.reviewed.toLocaleString()}</b> of {total.toLocaleString()} reviewed for “{tag}”
        </span>
        <ProgressBar value={total ? queue.reviewed / total : null} label={`Review progress for ${tag}`} />
      </div>
      <div className="toolbar review-actions">
        <button
          className="btn btn-small"
          disabled={open.length === 0}
          onClick={() =>
            void answer(
              open.map((it) => it.photo.id),
              true,
            )
          }
        >
          ✓ Confirm all {open.length} shown
        </button>
        <button
          className="btn btn-small"
          disabled={open.length === 0}
          onClick={() =>
            void answer(
              open.map((it) => it.photo.id),
              false,
            )
          }
        >
          ✕ Reject all {open.length} shown
        </button>
        <span className="grow" />
        <span className="small muted">
          <span className="kbd">Y</span> yes <span className="kbd">N</span> no
          <span className="hide-narrow">
            {' '}
            <span className="kbd">←→↑↓</span> move <span className="kbd">Space</span> select{' '}
            <span className="kbd">Enter</span> open
          </span>
        </span>
      </div>
      {items.length === 0 || open.length === 0 ? (
        <div className="review-done">
          {queue.pending > 0 ? (
            <>
              <p>
                These are done. {queue.pending.toLocaleString()} more waiting for “{tag}”.
              </p>
              <button className="btn btn-primary" onClick={() => void fetchBatch()}>
                Show the next photos
              </button>
            </>
          ) : (
            <p>Every suggestion of “{tag}” is reviewed.</p>
          )}
        </div>
      ) : null}
      {items.length > 0 && (
        <div
          ref={gridRef}
          className="review-grid"
          role="grid"
          aria-label={`Photos suggested as ${tag}`}
          tabIndex={0}
          onKeyDown={onKeyDown}
          data-testid="review-grid"
        >
          {items.map((it, i) => (
            <div
              key={it.photo.id}
              className={['review-cell', it.answer ?? '', it.saving ? 'saving' : ''].join(' ')}
              data-testid="review-cell"
              data-index={i}
              data-name={it.photo.name}
              data-answer={it.answer ?? (it.saving ? 'saving' : 'waiting')}
            >
              <PhotoTile
                photo={it.photo}
                index={i}
                style={{ width: '100%', height: '100%' }}
                thumbnailUrl={client.thumbnailUrl}
                selected={selection.isSelected(it.photo.id)}
                focused={i === focus}
                selecting={selection.count > 0}
                title={`${it.photo.name} · ${confidence(it.photo)} sure it is “${tag}”`}
                badge={confidence(it.photo)}
                onClick={(e, index) => {
                  setFocus(index);
                  if (!selection.click(e, index)) openPhoto(source, index);
                }}
                onCheck={(e, index) => {
                  setFocus(index);
                  if (e.shiftKey) void selection.extendTo(index);
                  else selection.toggle(index);
                }}
                actions={
                  <>
                    <button
                      className="btn btn-small"
                      tabIndex={-1}
                      aria-label={`Confirm ${tag} on ${it.photo.name}`}
                      onClick={(e) => {
                        e.stopPropagation();
                        void answer([it.photo.id], true);
                      }}
                    >
                      ✓
                    </button>
                    <button
                      className="btn btn-small"
                      tabIndex={-1}
                      aria-label={`Reject ${tag} on ${it.photo.name}`}
                      onClick={(e) => {
                        e.stopPropagation();
                        void answer([it.photo.id], false);
                      }}
                    >
                      ✕
                    </button>
                  </>
                }
              />
              {it.answer && (
                <span className={`review-badge ${it.answer}`}>
                  {it.answer === 'confirmed' ? '✓ yes' : '✕ no'}
                </span>
              )}
            </div>
          ))}
        </div>
      )}
      <SelectionBar selection={selection}>
        <button
          className="btn btn-small btn-primary"
          onClick={() =>
            void answer(
              chosen.map((it) => it.photo.id),
              true,
            ).then(selection.clear)
          }
        >
          ✓ Confirm “{tag}”
        </button>
        <button
          className="btn btn-small"
          onClick={() =>
            void answer(
              chosen.map((it) => it.photo.id),
              false,
            ).then(selection.clear)
          }
        >
          ✕ Reject “{tag}”
        </button>
      </SelectionBar>
    </div>
  );
}

/** How sure auto-tagging was, in words a person reads at a glance: "87%". */
function confidence(photo: PhotoSummary): string {
  return photo.score === undefined ? '' : `${Math.round(photo.score * 100)}%`;
}
