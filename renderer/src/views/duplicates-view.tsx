// Duplicates: groups of copies of one photo (the same file saved twice, or near copies: resized,
// re-saved, lightly edited), largest savings first. Each group shows its copies side by side with what
// the keeper rules look at, the copy Lookbook proposes to keep and why, and lets the user keep another
// one, skip the group, or move the others to the trash. Nothing is deleted: every move can be undone
// while the trash holds the files, and the Trash section lists and restores them.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { KeyboardEvent } from 'react';
import type {
  DuplicateCopy,
  DuplicateGroup,
  DuplicatesPage,
  DuplicateStrictness,
  Resolution,
  TrashItem,
} from '../api/types';
import { messageOf } from '../api/client';
import { EmptyState, ProgressBar, formatBytes, formatDate, pct } from '../components/common';
import { Dialog } from '../components/dialog';
import { useApp } from '../hooks/app-context';
import { useEventListener } from '../hooks/use-event';

/** Groups fetched per page; "Show more groups" fetches the next. */
const PAGE = 50;

const STRICTNESS: Array<{ value: DuplicateStrictness; label: string }> = [
  { value: 'strict', label: 'Strict: only near-identical copies' },
  { value: 'normal', label: 'Normal: resized and re-saved copies' },
  { value: 'loose', label: 'Loose: also edited and cropped copies' },
];

// Skipped groups stay skipped while the app is open (leaving the view and coming back keeps them), so
// "Resolve all shown" never touches a group the user set aside.
const skippedThisSession = new Set<string>();

/** What the last resolve did, and whether it was undone. */
interface Summary {
  resolution: Resolution;
  freed: number;
  undone: boolean;
}
// Kept for the session too: a look at Photos after resolving must not lose the way back (Undo).
let lastSummary: Summary | null = null;

export function DuplicatesView() {
  const { client, status, run, notify } = useApp();
  const [strictness, setStrictness] = useState<DuplicateStrictness>('normal');
  const [folder, setFolder] = useState('');
  const [page, setPage] = useState<DuplicatesPage | null>(null);
  const [loading, setLoading] = useState(false);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [skipped, setSkipped] = useState<Set<string>>(() => new Set(skippedThisSession));
  const [confirming, setConfirming] = useState<DuplicateGroup[] | null>(null);
  const [summary, setSummaryState] = useState<Summary | null>(lastSummary);
  const setSummary = (next: Summary | null) => {
    lastSummary = next;
    setSummaryState(next);
  };
  const [busy, setBusy] = useState(false);
  const [zoom, setZoom] = useState<DuplicateCopy | null>(null);
  const [trashOpen, setTrashOpen] = useState(false);
  const [trashVersion, setTrashVersion] = useState(0);
  // Every mode keeps its own trash in the data folder (undo needs the files where Lookbook finds them).
  // Emptying it deletes them in every mode: the core's `discard` hook could hand them to the system's
  // trash in Electron, but the utility process the core runs in has no `shell` to do it with yet.
  const trashName = "Lookbook's trash";
  const scope = folder ? { folder } : {};

  const fetchFirst = useCallback(async () => {
    setLoading(true);
    try {
      const first = await client.call('duplicates.list', {
        strictness,
        ...(folder ? { folder } : {}),
        offset: 0,
        limit: PAGE,
      });
      setPage(first);
      setLoadError(null);
    } catch (e) {
      setLoadError(messageOf(e));
    } finally {
      setLoading(false);
    }
  }, [client, strictness, folder]);
  useEffect(() => void fetchFirst(), [fetchFirst]);

  // New photos may form new groups, and resolved ones leave theirs: refresh (at most every half second).
  const refreshTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEventListener(
    'libraryChanged',
    useCallback(() => {
      clearTimeout(refreshTimer.current);
      refreshTimer.current = setTimeout(() => void fetchFirst(), 500);
    }, [fetchFirst]),
  );
  useEffect(() => () => clearTimeout(refreshTimer.current), []);

  const showMore = async () => {
    if (!page) return;
    const next = await run(() =>
      client.call('duplicates.list', { strictness, ...scope, offset: page.groups.length, limit: PAGE }),
    );
    if (next) setPage({ ...next, groups: [...page.groups, ...next.groups], offset: 0 });
  };

  const toggleSkip = (id: string) => {
    if (skippedThisSession.has(id)) skippedThisSession.delete(id);
    else skippedThisSession.add(id);
    setSkipped(new Set(skippedThisSession));
  };

  const keep = async (group: DuplicateGroup, copy: DuplicateCopy) => {
    const updated = await run(
      () => client.call('duplicates.keep', { groupId: group.id, photoId: copy.id }),
      `Keeping ${copy.name}`,
    );
    if (updated && page) {
      setPage({ ...page, groups: page.groups.map((g) => (g.id === group.id ? updated : g)) });
    }
  };

  const resolve = async (groups: DuplicateGroup[]) => {
    setConfirming(null);
    setBusy(true);
    const resolution = await run(() =>
      client.call('duplicates.resolve', { groupIds: groups.map((g) => g.id), strictness, ...scope }),
    );
    setBusy(false);
    if (resolution) {
      // Freed: the sizes of the files that actually moved (the core may leave a changed group alone).
      const moved = new Set(resolution.moved.map((m) => m.from));
      const freed = groups
        .flatMap((g) => g.copies)
        .filter((c) => moved.has(c.path))
        .reduce((n, c) => n + c.sizeBytes, 0);
      setSummary({ resolution, freed, undone: false });
      setTrashVersion((v) => v + 1);
      await fetchFirst();
    }
  };

  const undo = async () => {
    if (!summary) return;
    const undone = await run(() => client.call('duplicates.undo', { id: summary.resolution.id }));
    if (undone) {
      setSummary({ ...summary, undone: true });
      notify(`Put back ${fileCount(undone.moved.length)}`);
      setTrashVersion((v) => v + 1);
      await fetchFirst();
    }
  };

  const shown = page?.groups ?? [];
  const toResolve = shown.filter((g) => !skipped.has(g.id));

  if (status && status.photoCount === 0) {
    return (
      <div className="view">
        <h1>Duplicates</h1>
        <EmptyState icon="duplicates" title="No photos yet">
          <p>Add a folder in Library first; Lookbook then finds the photos you have more than once.</p>
        </EmptyState>
      </div>
    );
  }

  return (
    <div className="view duplicates-view" data-testid="duplicates-view">
      <div className="row">
        <h1 className="grow" style={{ margin: 0 }}>
          Duplicates
        </h1>
        <button
          className="btn"
          aria-expanded={trashOpen}
          onClick={() => setTrashOpen((o) => !o)}
          data-testid="trash-toggle"
        >
          {trashOpen ? 'Hide the trash' : 'Trash'}
        </button>
      </div>
      <p className="small muted">
        Copies of the same photo: the same file saved twice, or resized, re-saved and lightly edited versions.
        Lookbook proposes the best copy to keep; the others go to {trashName}, never deleted, and every move
        can be undone.
      </p>

      {trashOpen && <TrashSection version={trashVersion} trashName={trashName} onChanged={fetchFirst} />}

      <div className="row duplicates-controls">
        <label className="field">
          How alike
          <select
            className="input"
            value={strictness}
            onChange={(e) => setStrictness(e.target.value as DuplicateStrictness)}
            data-testid="duplicates-strictness"
          >
            {STRICTNESS.map((s) => (
              <option key={s.value} value={s.value}>
                {s.label}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          Where
          <select
            className="input"
            value={folder}
            onChange={(e) => setFolder(e.target.value)}
            data-testid="duplicates-folder"
          >
            <option value="">Whole library</option>
            {(status?.folders ?? []).map((f) => (
              <option key={f.path} value={f.path}>
                {f.path}
              </option>
            ))}
          </select>
        </label>
      </div>

      {loadError && (
        <div className="banner banner-error" role="alert">
          {loadError}
          <button className="btn btn-small" onClick={() => void fetchFirst()}>
            Try again
          </button>
        </div>
      )}

      {summary && (
        <div className="banner duplicates-summary" role="status" data-testid="duplicates-summary">
          <span className="grow">
            {summary.undone
              ? `Put back ${fileCount(summary.resolution.moved.length)} where they were.`
              : `Moved ${fileCount(summary.resolution.moved.length)} to ${trashName}, ${formatBytes(summary.freed)} freed.`}
            {summary.resolution.skipped.length > 0 && (
              <> Left alone: {summary.resolution.skipped.map((s) => s.reason).join('; ')}</>
            )}
          </span>
          {!summary.undone && summary.resolution.undoable && (
            <button className="btn btn-small" onClick={() => void undo()} data-testid="duplicates-undo">
              Undo
            </button>
          )}
          <button className="btn btn-small btn-ghost" aria-label="Close" onClick={() => setSummary(null)}>
            ✕
          </button>
        </div>
      )}

      {page && page.total > 0 && (
        <div className="row duplicates-totals">
          <span className="grow" data-testid="duplicates-total">
            {page.total.toLocaleString()} group{page.total === 1 ? '' : 's'} of copies;{' '}
            {formatBytes(page.totalSavingBytes)} could be freed
            {skipped.size > 0 && shown.some((g) => skipped.has(g.id))
              ? ` (${shown.filter((g) => skipped.has(g.id)).length} skipped)`
              : ''}
          </span>
          <button
            className="btn btn-primary"
            disabled={busy || toResolve.length === 0}
            onClick={() => setConfirming(toResolve)}
            data-testid="duplicates-resolve-all"
          >
            Resolve all shown
          </button>
        </div>
      )}

      {page && page.total === 0 && !loading && (
        <EmptyState icon="duplicates" title="No duplicates found">
          <p>No photo here has a copy at this setting. “Loose” also finds edited and cropped copies.</p>
        </EmptyState>
      )}
      {/* Finding groups in a large library takes a while the first time; moving files, a moment. */}
      {(loading || busy) && (
        <div className="row small muted" role="status" data-testid="duplicates-working">
          {busy ? 'Moving files to the trash…' : 'Looking for copies…'}
          <span style={{ width: 160 }}>
            <ProgressBar value={null} label={busy ? 'Moving files' : 'Looking for copies'} />
          </span>
        </div>
      )}

      <div className="stack" data-testid="duplicate-groups">
        {shown.map((g) => (
          <GroupCard
            key={g.id}
            group={g}
            skipped={skipped.has(g.id)}
            busy={busy}
            onSkip={() => toggleSkip(g.id)}
            onKeep={(c) => void keep(g, c)}
            onResolve={() => void resolve([g])}
            onZoom={setZoom}
          />
        ))}
      </div>
      {page && shown.length < page.total && (
        <button className="btn" style={{ marginTop: 12 }} onClick={() => void showMore()}>
          Show more groups ({(page.total - shown.length).toLocaleString()} more)
        </button>
      )}

      {confirming && (
        <ConfirmResolve
          groups={confirming}
          skippedCount={shown.length - confirming.length}
          trashName={trashName}
          onCancel={() => setConfirming(null)}
          onConfirm={() => void resolve(confirming)}
        />
      )}
      {zoom && <ZoomDialog copy={zoom} onClose={() => setZoom(null)} />}
    </div>
  );
}

function fileCount(n: number): string {
  return `${n.toLocaleString()} file${n === 1 ? '' : 's'}`;
}

function GroupCard({
  group,
  skipped,
  busy,
  onSkip,
  onKeep,
  onResolve,
  onZoom,
}: {
  group: DuplicateGroup;
  skipped: boolean;
  busy: boolean;
  onSkip(): void;
  onKeep(copy: DuplicateCopy): void;
  onResolve(): void;
  onZoom(copy: DuplicateCopy): void;
}) {
  const others = group.copies.length - 1;
  // Keys on a focused group: S skips (or un-skips) it, the arrows move to the group above or below.
  const onKeyDown = (e: KeyboardEvent<HTMLElement>) => {
    if (e.target !== e.currentTarget) return;
    if (e.key === 's' || e.key === 'S') {
      e.preventDefault();
      onSkip();
    } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      const next = (
        e.key === 'ArrowDown' ? e.currentTarget.nextElementSibling : e.currentTarget.previousElementSibling
      ) as HTMLElement | null;
      next?.focus();
    }
  };
  return (
    <section
      className={skipped ? 'card duplicate-group skipped' : 'card duplicate-group'}
      tabIndex={0}
      aria-label={`${group.copies.length} copies of ${group.copies[0]?.name ?? 'a photo'}`}
      onKeyDown={onKeyDown}
      data-testid="duplicate-group"
      data-group-id={group.id}
      data-skipped={skipped}
    >
      <div className="row">
        <span className="pill">{group.kind === 'exact' ? 'Identical files' : 'Near copies'}</span>
        <b className="grow" data-testid="group-saving">
          {formatBytes(group.savingBytes)} freed by keeping one
        </b>
        <button className="btn btn-small" aria-pressed={skipped} onClick={onSkip} title="Skip (S)">
          {skipped ? 'Skipped: undo skip' : 'Skip'}
        </button>
        <button
          className="btn btn-small btn-primary"
          disabled={busy || skipped}
          onClick={onResolve}
          data-testid="group-resolve"
        >
          Move the other{others === 1 ? '' : ` ${others}`} to the trash
        </button>
      </div>
      <p className="small" data-testid="group-reason">
        {group.reason}
      </p>
      <div className="duplicate-copies">
        {group.copies.map((c) => (
          <CopyCard
            key={c.id}
            copy={c}
            isKeeper={c.id === group.keeperId}
            onKeep={() => onKeep(c)}
            onZoom={() => onZoom(c)}
          />
        ))}
      </div>
    </section>
  );
}

function CopyCard({
  copy,
  isKeeper,
  onKeep,
  onZoom,
}: {
  copy: DuplicateCopy;
  isKeeper: boolean;
  onKeep(): void;
  onZoom(): void;
}) {
  const { client } = useApp();
  const has = [copy.hasExifDate && 'EXIF date', copy.hasGps && 'GPS', copy.hasCamera && 'camera'].filter(
    Boolean,
  ) as string[];
  return (
    <div
      className={isKeeper ? 'duplicate-copy keeper' : 'duplicate-copy'}
      data-testid="duplicate-copy"
      data-keeper={isKeeper}
      data-path={copy.path}
    >
      <button
        className="duplicate-thumb"
        onClick={onZoom}
        title="Look closer (the photo at full size)"
        aria-label={`Look closer at ${copy.name}`}
      >
        <img src={client.thumbnailUrl(copy.contentId)} alt={copy.name} loading="lazy" draggable={false} />
      </button>
      <div className="row">
        {isKeeper ? (
          <span className="pill pill-ok" data-testid="keeper-mark">
            Kept
          </span>
        ) : (
          <span className="pill">To the trash</span>
        )}
        {!isKeeper && copy.similarity !== null && (
          <span className="small muted" title="How alike it is to the kept copy">
            {pct(copy.similarity)} alike
          </span>
        )}
      </div>
      <dl className="duplicate-facts small">
        <dt>Size</dt>
        <dd>{copy.width && copy.height ? `${copy.width}×${copy.height}` : '—'}</dd>
        <dt>File</dt>
        <dd>
          {formatBytes(copy.sizeBytes)}
          {copy.format ? `, ${copy.format.toUpperCase()}` : ''}
        </dd>
        <dt>Date</dt>
        <dd>{formatDate(copy.takenAt)}</dd>
        <dt>Has</dt>
        <dd>{has.length ? has.join(', ') : 'no EXIF date, GPS or camera'}</dd>
        <dt>Path</dt>
        <dd className="duplicate-path" title={copy.path}>
          {copy.path}
        </dd>
      </dl>
      {!isKeeper && (
        <button className="btn btn-small" onClick={onKeep} data-testid="keep-instead">
          Keep this one instead
        </button>
      )}
    </div>
  );
}

function ConfirmResolve({
  groups,
  skippedCount,
  trashName,
  onCancel,
  onConfirm,
}: {
  groups: DuplicateGroup[];
  skippedCount: number;
  trashName: string;
  onCancel(): void;
  onConfirm(): void;
}) {
  const files = groups.reduce((n, g) => n + g.copies.length - 1, 0);
  const bytes = groups.reduce((n, g) => n + g.savingBytes, 0);
  return (
    <Dialog title="Move the other copies to the trash?" onClose={onCancel} testId="duplicates-confirm">
      <p data-testid="confirm-text">
        {fileCount(files)} from {groups.length.toLocaleString()} group{groups.length === 1 ? '' : 's'} will go
        to {trashName}, freeing {formatBytes(bytes)}. One copy of each photo stays, with the others' tags,
        captions and albums.
        {skippedCount > 0 &&
          ` ${skippedCount} skipped group${skippedCount === 1 ? ' stays' : 's stay'} as is.`}
      </p>
      <p className="small muted">Nothing is deleted: Undo puts every file back where it was.</p>
      <div className="row" style={{ justifyContent: 'flex-end' }}>
        <button className="btn" onClick={onCancel}>
          Cancel
        </button>
        <button className="btn btn-primary" onClick={onConfirm} data-testid="confirm-resolve">
          Move {fileCount(files)}
        </button>
      </div>
    </Dialog>
  );
}

/** The photo at full size (100%), opened on its centre: enough to compare sharpness and compression. */
function ZoomDialog({ copy, onClose }: { copy: DuplicateCopy; onClose(): void }) {
  const { client } = useApp();
  const box = useRef<HTMLDivElement>(null);
  const centre = () => {
    const el = box.current;
    if (el) {
      el.scrollLeft = (el.scrollWidth - el.clientWidth) / 2;
      el.scrollTop = (el.scrollHeight - el.clientHeight) / 2;
    }
  };
  return (
    <Dialog title={`${copy.name} at full size`} onClose={onClose} testId="duplicates-zoom">
      <div
        ref={box}
        className="duplicate-zoom"
        tabIndex={0}
        aria-label="The photo at full size; scroll to move"
      >
        {/* A photo's id in the library is its content id (a copy's `id` is its path, which the media
            route refuses); identical copies share the content, so any of its paths shows the same picture. */}
        <img src={client.photoUrl(copy.contentId)} alt={copy.name} onLoad={centre} draggable={false} />
      </div>
      <p className="small muted duplicate-path">{copy.path}</p>
    </Dialog>
  );
}

function TrashSection({
  version,
  trashName,
  onChanged,
}: {
  version: number;
  trashName: string;
  onChanged(): Promise<void>;
}) {
  const { client, run } = useApp();
  const [items, setItems] = useState<TrashItem[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [emptying, setEmptying] = useState(false);

  const load = useCallback(async () => {
    try {
      setItems(await client.call('trash.list', {}));
      setError(null);
    } catch (e) {
      setError(messageOf(e));
    }
  }, [client]);
  useEffect(() => void load(), [load, version]);

  const restore = async (paths: string[]) => {
    const left = await run(
      () => client.call('trash.restore', { originalPaths: paths }),
      `Put back ${fileCount(paths.length)}`,
    );
    if (left) {
      setItems(left);
      await onChanged();
    }
  };

  const empty = async () => {
    setEmptying(false);
    const result = await run(() => client.call('trash.empty', {}));
    if (result) {
      await load();
    }
  };

  const total = (items ?? []).reduce((n, i) => n + i.sizeBytes, 0);
  return (
    <section className="card trash-section" aria-label="Trash" data-testid="trash-section">
      <div className="row">
        <h2 className="grow" style={{ margin: 0 }}>
          Trash
        </h2>
        {items && items.length > 0 && (
          <>
            <span className="small muted">
              {fileCount(items.length)}, {formatBytes(total)}
            </span>
            <button className="btn btn-small" onClick={() => void restore(items.map((i) => i.originalPath))}>
              Restore all
            </button>
            <button className="btn btn-small" onClick={() => setEmptying(true)} data-testid="trash-empty">
              Empty the trash
            </button>
          </>
        )}
      </div>
      {error && (
        <p className="banner banner-error" role="alert">
          {error}
        </p>
      )}
      {items && items.length === 0 && <p className="small muted">Nothing in {trashName}.</p>}
      {items && items.length > 0 && (
        <ul className="trash-list">
          {items.map((i) => (
            <li key={i.originalPath} className="row" data-testid="trash-item" data-path={i.originalPath}>
              <span className="grow duplicate-path" title={i.originalPath}>
                {i.originalPath}
              </span>
              <span className="small muted">
                {formatBytes(i.sizeBytes)} · {formatDate(i.trashedAt)}
              </span>
              <button className="btn btn-small" onClick={() => void restore([i.originalPath])}>
                Restore
              </button>
            </li>
          ))}
        </ul>
      )}
      {emptying && items && (
        <Dialog title="Empty the trash?" onClose={() => setEmptying(false)} testId="trash-empty-confirm">
          <p>
            {fileCount(items.length)} ({formatBytes(total)}) will be deleted for good. Lookbook cannot put
            them back afterwards.
          </p>
          <div className="row" style={{ justifyContent: 'flex-end' }}>
            <button className="btn" onClick={() => setEmptying(false)}>
              Cancel
            </button>
            <button className="btn btn-danger" onClick={() => void empty()} data-testid="trash-empty-yes">
              Empty the trash
            </button>
          </div>
        </Dialog>
      )}
    </section>
  );
}
