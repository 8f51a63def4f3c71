// The web mode's folder browser: a browser cannot hand over a folder's path, so the core lists the
// folders ('folders.browse': folders only, system folders never) and the person picks one here. Electron
// uses its native dialog instead (client.host.pickFolder). Keyboard: Tab through the places and
// folders, Enter opens one, Backspace goes up (outside the path field), Esc cancels.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { FolderListing } from '../api/types';
import { messageOf } from '../api/client';
import { useApp } from '../hooks/app-context';
import { Icon } from './icons';

export function FolderBrowser({
  title,
  chooseLabel,
  startAt,
  onChoose,
  onCancel,
}: {
  title: string;
  /** The button that takes the folder shown: "Add this folder", "Import this folder". */
  chooseLabel: string;
  /** Where to open (what the path field holds, when it is a folder); else the home folder. */
  startAt?: string;
  onChoose(path: string): void;
  onCancel(): void;
}) {
  const { client } = useApp();
  const [listing, setListing] = useState<FolderListing | null>(null);
  const [typed, setTyped] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [showHidden, setShowHidden] = useState(false);
  const [loading, setLoading] = useState(false);
  const listRef = useRef<HTMLUListElement>(null);

  const open = useCallback(
    async (path: string | undefined, hidden = showHidden) => {
      setLoading(true);
      try {
        const next = await client.call('folders.browse', {
          ...(path === undefined ? {} : { path }),
          ...(hidden ? { showHidden: true } : {}),
        });
        setListing(next);
        setTyped(next.path);
        setError(null);
        listRef.current?.scrollTo({ top: 0 });
      } catch (e) {
        setError(messageOf(e));
      } finally {
        setLoading(false);
      }
    },
    [client, showHidden],
  );

  // Start where the field points when that is a folder, else at home (a wrong start is no error).
  useEffect(() => {
    void (async () => {
      if (startAt?.trim()) {
        try {
          const at = await client.call('folders.browse', { path: startAt.trim() });
          setListing(at);
          setTyped(at.path);
          return;
        } catch {
          // Not a folder (yet): start at home instead.
        }
      }
      await open(undefined);
    })();
    // Only on opening: `open` changes with the hidden-folders switch, which must not start over.
  }, []);

  return (
    <div
      className="modal-backdrop"
      onClick={(e) => e.target === e.currentTarget && onCancel()}
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.stopPropagation();
          onCancel();
        } else if (
          e.key === 'Backspace' &&
          listing?.parent &&
          !(e.target as HTMLElement).closest('input, textarea')
        ) {
          e.preventDefault();
          void open(listing.parent);
        }
      }}
    >
      <div className="dialog" role="dialog" aria-modal="true" aria-label={title} data-testid="folder-browser">
        <h2 style={{ margin: 0 }}>{title}</h2>
        {listing && listing.places.length > 0 && (
          <nav className="places" aria-label="Places">
            {listing.places.map((p) => (
              <button
                key={p.path}
                type="button"
                className="btn btn-small"
                aria-pressed={listing.path === p.path}
                title={p.path}
                onClick={() => void open(p.path)}
              >
                {p.label}
              </button>
            ))}
          </nav>
        )}
        <form
          className="row"
          onSubmit={(e) => {
            e.preventDefault();
            if (typed.trim()) void open(typed.trim());
          }}
        >
          <button
            type="button"
            className="btn btn-small"
            disabled={!listing?.parent}
            onClick={() => listing?.parent && void open(listing.parent)}
            aria-label="Up one folder"
            title="Up one folder (Backspace)"
          >
            ↑
          </button>
          <input
            autoFocus
            className="input grow mono"
            aria-label="Folder to show"
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? 'folder-browser-error' : undefined}
            value={typed}
            onChange={(e) => setTyped(e.target.value)}
          />
          <button type="submit" className="btn btn-small" disabled={!typed.trim()}>
            Go
          </button>
        </form>
        {error && (
          <p className="field-error" role="alert" id="folder-browser-error">
            {error}
          </p>
        )}
        <ul className="folder-list" ref={listRef} aria-label="Folders" aria-busy={loading}>
          {listing?.folders.map((f) => (
            <li key={f.path}>
              <button type="button" onClick={() => void open(f.path)} title={`Open ${f.name}`}>
                <Icon name="folder" size={16} />
                <span className="ellipsis">{f.name}</span>
              </button>
            </li>
          ))}
          {listing && listing.folders.length === 0 && (
            <li className="muted small" style={{ padding: 10 }}>
              No folders in here.
            </li>
          )}
          {listing?.truncated && (
            <li className="muted small" style={{ padding: 10 }}>
              Only the first folders are listed; type the path to go further.
            </li>
          )}
        </ul>
        <div className="row">
          <label className="small muted row" style={{ gap: 6 }}>
            <input
              type="checkbox"
              checked={showHidden}
              onChange={(e) => {
                setShowHidden(e.target.checked);
                if (listing) void open(listing.path, e.target.checked);
              }}
            />
            Show hidden folders
          </label>
          <span className="grow" />
          <button type="button" className="btn" onClick={onCancel}>
            Cancel
          </button>
          <button
            type="button"
            className="btn btn-primary"
            disabled={!listing || loading}
            onClick={() => listing && onChoose(listing.path)}
            title={listing?.path}
          >
            {chooseLabel}
          </button>
        </div>
      </div>
    </div>
  );
}
