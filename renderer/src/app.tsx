import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { LibraryStatus } from './api/types';
import type { AppClient } from './api/client';
import { hasToken, messageOf } from './api/client';
import { EmptyState, ProgressBar } from './components/common';
import { OfflineBanner, useOnline } from './components/connection';
import { Icon } from './components/icons';
import type { IconName } from './components/icons';
import { AlbumNav } from './components/album-nav';
import type { AlbumDraft, AppContextValue, PhotoSource, ViewName } from './hooks/app-context';
import { AppContext } from './hooks/app-context';
import { useAlbums } from './hooks/use-albums';
import { prefetchTimeline } from './hooks/use-timeline';
import { NewAlbumDialog } from './views/album-dialogs';
import { AlbumView } from './views/album-view';
import { DuplicatesView } from './views/duplicates-view';
import { LibraryView } from './views/library-view';
import { ModelsView } from './views/models-view';
import { PhotoView } from './views/photo-view';
import { PhotosView } from './views/photos-view';
import { ReviewView } from './views/review-view';
import type { SearchPreset } from './views/search-view';
import { SearchView } from './views/search-view';
import { TaggingView } from './views/tagging-view';
import { TuningView } from './views/tuning-view';

const NAV: Array<{ view: ViewName; label: string; icon: IconName; key: string }> = [
  { view: 'photos', label: 'Photos', icon: 'photos', key: '1' },
  { view: 'search', label: 'Search', icon: 'search', key: '2' },
  { view: 'library', label: 'Library', icon: 'library', key: '3' },
  { view: 'tagging', label: 'Tagging', icon: 'tag', key: '4' },
  { view: 'review', label: 'Review tags', icon: 'review', key: '5' },
  { view: 'duplicates', label: 'Duplicates', icon: 'duplicates', key: '6' },
  { view: 'tuning', label: 'Fine-tuning', icon: 'tuning', key: '7' },
  { view: 'models', label: 'Models', icon: 'model', key: '8' },
];

const COLOURS = 'red, orange, yellow, green, blue, purple, pink, brown, black, white and gray';

export function App({ client }: { client: AppClient }) {
  const [status, setStatus] = useState<LibraryStatus | null>(null);
  const [statusError, setStatusError] = useState<string | null>(null);
  const [view, setView] = useState<ViewName | null>(null);
  const [photo, setPhoto] = useState<{
    source: PhotoSource;
    index: number;
    onClosed?: ((lastIndex: number) => void) | undefined;
  } | null>(null);
  const online = useOnline(client);
  const [toast, setToast] = useState<string | null>(null);
  const [preset, setPreset] = useState<SearchPreset | null>(null);
  const albums = useAlbums(client);
  const [albumId, setAlbumId] = useState<string | null>(null);
  const [albumDraft, setAlbumDraft] = useState<AlbumDraft | null>(null);
  const toastTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  const notify = useCallback((message: string) => {
    setToast(message);
    clearTimeout(toastTimer.current);
    toastTimer.current = setTimeout(() => setToast(null), 5000);
  }, []);

  const refreshStatus = useCallback(async () => {
    try {
      const s = await client.call('library.status', {});
      setStatus(s);
      setStatusError(null);
      // A new user starts in Library (to add a folder); someone with photos starts in Photos.
      setView((v) => v ?? (s.photoCount > 0 ? 'photos' : 'library'));
    } catch (e) {
      setStatusError(messageOf(e));
    }
  }, [client]);

  // The library's timeline (and its newest month) is asked for first: with photos, Photos opens as soon as
  // it arrives and draws its first screen from it. The status (slower in a large library) is asked for
  // after it, so that the two do not compete for the server while the first screen loads.
  useEffect(() => {
    void prefetchTimeline(client)
      .then((t) => {
        if (t.total > 0) setView((v) => v ?? 'photos');
      })
      .catch(() => undefined)
      .then(refreshStatus);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const soon = () => {
      clearTimeout(timer);
      timer = setTimeout(() => void refreshStatus(), 400);
    };
    const offs = [
      client.onLibraryChanged(soon),
      client.onIndexingProgress((p) => {
        if (p.phase === 'done' || p.phase === 'paused' || p.phase === 'error') soon();
        else setStatus((s) => (s ? { ...s, indexing: p } : s));
      }),
    ];
    return () => {
      clearTimeout(timer);
      for (const off of offs) off();
    };
  }, [client, refreshStatus]);

  const run = useCallback(
    async <T,>(action: () => Promise<T>, done?: string): Promise<T | undefined> => {
      try {
        const result = await action();
        if (done) notify(done);
        return result;
      } catch (e) {
        notify(messageOf(e));
        return undefined;
      }
    },
    [notify],
  );

  const ctx = useMemo<AppContextValue>(
    () => ({
      client,
      status,
      refreshStatus,
      navigate: setView,
      openPhoto: (source, index, onClosed) => setPhoto({ source, index, onClosed }),
      online,
      run,
      notify,
      searchSimilar: (p) => {
        setPreset({ similarTo: p, nonce: Date.now() });
        setView('search');
      },
      searchSimilarToMany: (photos) => {
        // One photo is the ordinary "similar" search (it leaves the photo itself out of the results).
        setPreset(
          photos.length === 1
            ? { similarTo: photos[0], nonce: Date.now() }
            : { similarToMany: photos, nonce: Date.now() },
        );
        setView('search');
      },
      searchWith: (filters) => {
        setPreset({ filters, nonce: Date.now() });
        setView('search');
      },
      albums,
      openAlbum: (id) => {
        setAlbumId(id);
        setView('album');
      },
      newAlbum: setAlbumDraft,
    }),
    [client, status, refreshStatus, run, notify, albums, online],
  );

  // Keyboard: Ctrl/Cmd+1…8 switch views, in Electron only (in a browser they switch tabs, and a page
  // must not take them); "/" focuses the search box.
  const viewShortcuts = client.transport === 'electron';
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement | null;
      const typing = target?.closest('input, textarea, select');
      if (viewShortcuts && (e.ctrlKey || e.metaKey) && !e.shiftKey && !e.altKey) {
        const item = NAV.find((n) => n.key === e.key);
        if (item) {
          e.preventDefault();
          setView(item.view);
        }
      } else if (e.key === '/' && !typing && !photo) {
        e.preventDefault();
        setView('search');
        setTimeout(
          () => (document.querySelector('input[type=search]') as HTMLInputElement | null)?.focus(),
          0,
        );
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [photo, viewShortcuts]);

  if (!hasToken()) {
    return (
      <EmptyState icon="lock" title="This page needs its secret link">
        <p>
          Open the address that <code>lookbook serve</code> printed when it started (it ends with{' '}
          <code>?token=…</code>). The token keeps other people and other web pages on this computer out of
          your library.
        </p>
      </EmptyState>
    );
  }

  const indexing = status?.indexing;
  const indexingActive =
    online && indexing && (indexing.phase === 'indexing' || indexing.phase === 'scanning');

  return (
    <AppContext.Provider value={ctx}>
      <div className="app">
        <nav className="sidebar" aria-label="Sections">
          <div className="brand">
            <span className="brand-mark" aria-hidden />
            <span className="nav-label">Lookbook</span>
          </div>
          {NAV.map((n) => (
            <button
              key={n.view}
              className="nav-item"
              aria-current={view === n.view ? 'page' : undefined}
              onClick={() => setView(n.view)}
              // The label stays the button's name when the narrow layout shows only icons.
              aria-label={n.label}
              title={viewShortcuts ? `${n.label} (Ctrl+${n.key})` : n.label}
            >
              <Icon name={n.icon} />
              <span className="nav-label">{n.label}</span>
              {viewShortcuts && (
                <span className="nav-key" aria-hidden>
                  ⌃{n.key}
                </span>
              )}
            </button>
          ))}
          <AlbumNav
            albums={albums}
            current={view === 'album' ? albumId : null}
            onOpen={ctx.openAlbum}
            onNew={setAlbumDraft}
          />
          <div className="sidebar-footer">
            {status && (
              <>
                <span data-testid="sidebar-count">{status.photoCount.toLocaleString()} photos</span>
                {indexingActive && (
                  <button
                    className="btn btn-ghost btn-small"
                    style={{ padding: 0, textAlign: 'left' }}
                    onClick={() => setView('library')}
                  >
                    Indexing {indexing.done}/{indexing.total}
                    <ProgressBar
                      value={indexing.total ? indexing.done / indexing.total : null}
                      label="Indexing progress"
                    />
                  </button>
                )}
                <span>
                  {status.model?.name ?? 'No model'} ·{' '}
                  {status.device ? (status.device.provider === 'cpu' ? 'CPU' : 'GPU') : '—'}
                </span>
                <span
                  className="pill pill-ok privacy-pill"
                  style={{ alignSelf: 'flex-start', whiteSpace: 'normal' }}
                  title="Nothing leaves this computer"
                >
                  <Icon name="lock" size={12} />{' '}
                  <span className="nav-label">Nothing leaves this computer</span>
                </span>
              </>
            )}
          </div>
        </nav>
        <main className="main">
          {status?.model?.isDemo && (
            <div className="banner banner-demo" role="note" data-testid="demo-notice">
              <span>
                <b>Demo model:</b> it only knows colours ({COLOURS}). Install a real model in Models to search
                by anything else.
              </span>
              <button className="btn btn-small" onClick={() => setView('models')}>
                Models
              </button>
            </div>
          )}
          {!online && <OfflineBanner onRetry={client.reconnectNow} />}
          {statusError && online && (
            <div className="banner banner-error" role="alert">
              {statusError}
              <button className="btn btn-small" onClick={() => void refreshStatus()}>
                Try again
              </button>
            </div>
          )}
          {/* Offline, every button and field that needs the server is disabled at once. */}
          <fieldset className="view-fieldset" disabled={!online}>
            {view === 'photos' && <PhotosView />}
            {view === 'search' && <SearchView preset={preset} />}
            {view === 'library' && <LibraryView />}
            {view === 'tagging' && <TaggingView />}
            {view === 'review' && <ReviewView />}
            {view === 'duplicates' && <DuplicatesView />}
            {view === 'album' && albumId && <AlbumView key={albumId} albumId={albumId} />}
            {view === 'tuning' && <TuningView />}
            {view === 'models' && <ModelsView />}
          </fieldset>
          {view === null && !statusError && <div className="view muted">Opening your library…</div>}
        </main>
      </div>
      {albumDraft && <NewAlbumDialog draft={albumDraft} onClose={() => setAlbumDraft(null)} />}
      {photo && (
        <PhotoView
          source={photo.source}
          index={photo.index}
          onClose={(last) => {
            setPhoto(null);
            photo.onClosed?.(last);
          }}
        />
      )}
      {toast && (
        <div className="toast" role="status" data-testid="toast">
          {toast}
        </div>
      )}
    </AppContext.Provider>
  );
}
