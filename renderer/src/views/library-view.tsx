import { useId, useState } from 'react';
import type { DragEvent } from 'react';
import { deviceName } from '../api/types';
import type { FolderView, IndexingFailure, IndexingProgress } from '../api/types';
import { ApiError, messageOf } from '../api/client';
import { EmptyState, ProgressBar, formatDuration } from '../components/common';
import { FolderBrowser } from '../components/folder-browser';
import { Icon } from '../components/icons';
import { useApp } from '../hooks/app-context';
import { useEvent } from '../hooks/use-event';
import { StoreCard } from './store-card';

function phaseWords(p: IndexingProgress): string {
  switch (p.phase) {
    case 'scanning':
      return 'Looking for photos…';
    case 'indexing':
      return 'Indexing photos';
    case 'paused':
      return 'Paused';
    case 'done':
      return 'Up to date';
    case 'error':
      return 'Indexing stopped';
    default:
      return 'Idle';
  }
}

function IndexingCard({
  progress,
  paused,
  photoCount,
  failures,
  watchWarning,
}: {
  progress: IndexingProgress;
  paused: boolean;
  photoCount: number;
  failures: IndexingFailure[];
  watchWarning: string | undefined;
}) {
  const { client, run, refreshStatus, online } = useApp();
  const active = progress.phase === 'indexing' || progress.phase === 'scanning';
  // This run's failures while it runs; afterwards every file that still fails, whichever run found it.
  const shownFailures = active || progress.phase === 'paused' ? progress.failures : failures;
  const fraction =
    progress.total > 0 ? progress.done / progress.total : progress.phase === 'scanning' ? null : 1;
  return (
    <section
      className="card"
      aria-labelledby="indexing-title"
      data-testid="indexing-card"
      data-phase={online ? progress.phase : 'offline'}
    >
      <div className="row">
        <h2 id="indexing-title" className="grow">
          {online ? phaseWords(progress) : 'Not connected'}
        </h2>
        {paused ? (
          <button
            className="btn btn-primary"
            onClick={() => run(async () => (await client.call('indexing.resume', {}), refreshStatus()))}
          >
            Resume
          </button>
        ) : (
          <button
            className="btn"
            disabled={!active}
            onClick={() => run(async () => (await client.call('indexing.pause', {}), refreshStatus()))}
          >
            Pause
          </button>
        )}
        <button
          className="btn"
          disabled={active}
          title="Look for new, changed and deleted photos now"
          onClick={() => run(() => client.call('indexing.start', {}))}
        >
          Rescan
        </button>
      </div>
      {(active || progress.phase === 'paused') && <ProgressBar value={fraction} label="Indexing progress" />}
      {active || progress.phase === 'paused' ? (
        <div className="stats">
          <span className="stat">
            <b data-testid="indexing-done">{progress.done.toLocaleString()}</b> of{' '}
            <b>{progress.total.toLocaleString()}</b> files
          </span>
          <span className="stat">
            <b>{progress.imagesPerSecond > 0 ? progress.imagesPerSecond.toFixed(1) : '—'}</b> images/s
          </span>
          <span className="stat">
            ETA <b>{active ? formatDuration(progress.etaSeconds) : '—'}</b>
          </span>
          <span className={progress.failed > 0 ? 'stat pill pill-bad' : 'stat'}>
            <b>{progress.failed}</b> failed
          </span>
        </div>
      ) : (
        <div className="stats">
          <span className="stat">
            <b>{photoCount.toLocaleString()}</b> photo{photoCount === 1 ? '' : 's'} indexed
          </span>
          {progress.total > 0 && (
            <span className="stat muted">
              last run: {progress.done.toLocaleString()} photos at {progress.imagesPerSecond.toFixed(1)}{' '}
              images/s
            </span>
          )}
          {!watchWarning && online && (
            <span className="stat muted">New and changed photos are picked up automatically.</span>
          )}
        </div>
      )}
      {progress.currentPath && active && (
        <div className="small muted ellipsis mono">{progress.currentPath}</div>
      )}
      {watchWarning && (
        <p className="small notice-warn" role="status" data-testid="watch-warning">
          {watchWarning}
        </p>
      )}
      {progress.message && progress.message !== watchWarning && <p className="small">{progress.message}</p>}
      {shownFailures.length > 0 && (
        <details className="small" style={{ marginTop: 8 }} data-testid="failures">
          <summary>
            {shownFailures.length} file{shownFailures.length === 1 ? '' : 's'} could not be read — see why
          </summary>
          <ul className="list">
            {shownFailures.map((f) => (
              <li key={f.path} style={{ display: 'block' }}>
                <div>
                  <b>{f.path.split(/[\\/]/).pop()}</b>{' '}
                  <span className="muted mono ellipsis" title={f.path}>
                    {f.path}
                  </span>
                </div>
                <div>{f.reason.startsWith(`${f.path}: `) ? f.reason.slice(f.path.length + 2) : f.reason}</div>
              </li>
            ))}
          </ul>
        </details>
      )}
    </section>
  );
}

function FolderRow({ folder }: { folder: FolderView }) {
  const { client, run, refreshStatus } = useApp();
  const [excluding, setExcluding] = useState(false);
  const [sub, setSub] = useState('');
  const [excludeError, setExcludeError] = useState<string | null>(null);
  const errorId = useId();
  return (
    <li style={{ flexDirection: 'column', alignItems: 'stretch' }} data-testid="folder-row">
      <div className="row">
        <span className="muted" style={{ display: 'flex' }}>
          <Icon name="folder" />
        </span>
        <span className="mono grow ellipsis" title={folder.path}>
          {folder.path}
        </span>
        {!folder.exists && <span className="pill pill-warn">missing — photos kept until it is back</span>}
        <span className="pill">{folder.photoCount.toLocaleString()} photos</span>
        {client.host && (
          <button className="btn btn-small btn-ghost" onClick={() => client.host?.showInFolder(folder.path)}>
            Show
          </button>
        )}
        <button className="btn btn-small" onClick={() => setExcluding((x) => !x)}>
          Exclude…
        </button>
        <button
          className="btn btn-small btn-danger"
          onClick={() =>
            run(async () => {
              await client.call('folders.remove', { path: folder.path });
              await refreshStatus();
            }, `Removed ${folder.path} (the photos themselves are untouched).`)
          }
        >
          Remove
        </button>
      </div>
      {folder.excluded.length > 0 && (
        <div className="small muted" style={{ paddingLeft: 26 }}>
          Excluded: {folder.excluded.join(', ')}
        </div>
      )}
      {excluding && (
        <form
          style={{ paddingLeft: 26, marginTop: 6 }}
          onSubmit={(e) => {
            e.preventDefault();
            void (async () => {
              try {
                await client.call('folders.exclude', { folder: folder.path, path: sub });
                setSub('');
                setExcluding(false);
                setExcludeError(null);
                await refreshStatus();
              } catch (err) {
                setExcludeError(messageOf(err));
              }
            })();
          }}
        >
          <div className="row">
            <input
              className="input grow mono"
              placeholder={`${folder.path}/private`}
              aria-label="Sub-folder to exclude"
              aria-invalid={excludeError ? true : undefined}
              aria-describedby={excludeError ? errorId : undefined}
              value={sub}
              onChange={(e) => {
                setSub(e.target.value);
                setExcludeError(null);
              }}
            />
            {client.host && (
              <button
                type="button"
                className="btn"
                onClick={async () => {
                  const picked = await client.host?.pickFolder();
                  if (picked) setSub(picked);
                }}
              >
                Choose…
              </button>
            )}
            <button className="btn" type="submit" disabled={!sub.trim()}>
              Exclude
            </button>
          </div>
          {excludeError && (
            <p className="field-error" role="alert" id={errorId}>
              {excludeError}
            </p>
          )}
        </form>
      )}
    </li>
  );
}

export function LibraryView() {
  const { client, status, refreshStatus, online } = useApp();
  const live = useEvent('indexingProgress');
  const [path, setPath] = useState('');
  const [dragging, setDragging] = useState(false);
  const [browsing, setBrowsing] = useState(false);
  const [adding, setAdding] = useState(false);
  // Why the folder could not be added, shown under the field it is about (not in a passing toast).
  const [addError, setAddError] = useState<{ message: string; suggestion?: string | undefined } | null>(null);

  const addFolder = async (p: string) => {
    setAdding(true);
    try {
      await client.call('folders.add', { path: p });
      setPath('');
      setAddError(null);
      await refreshStatus();
    } catch (e) {
      setPath(p);
      setAddError({ message: messageOf(e), suggestion: e instanceof ApiError ? e.suggestion : undefined });
    } finally {
      setAdding(false);
    }
  };

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    if (!client.host) return;
    for (const f of [...e.dataTransfer.files]) {
      const p = client.host.pathForFile(f);
      // A dropped folder is added; a dropped image adds its folder.
      if (p) void addFolder(f.type.startsWith('image/') ? p.replace(/[\\/][^\\/]+$/, '') : p);
    }
  };

  if (!status) return <div className="view muted">Loading…</div>;
  // Offline, the last progress is stale: the card says it is waiting rather than "Up to date".
  const progress: IndexingProgress = online
    ? (live ?? status.indexing)
    : { ...status.indexing, phase: 'idle' };
  const paused = progress.phase === 'paused' || status.paused;

  const addForm = (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        if (path.trim()) void addFolder(path.trim());
      }}
    >
      <div className="row">
        {client.host ? (
          <button
            type="button"
            className="btn btn-primary"
            disabled={adding}
            onClick={async () => {
              const picked = await client.host?.pickFolder();
              if (picked) await addFolder(picked);
            }}
          >
            Add a folder…
          </button>
        ) : (
          <>
            <input
              className="input grow mono"
              placeholder="/home/you/Pictures"
              aria-label="Folder path"
              aria-invalid={addError ? true : undefined}
              aria-describedby={addError ? 'add-folder-error' : undefined}
              value={path}
              onChange={(e) => {
                setPath(e.target.value);
                setAddError(null);
              }}
            />
            <button type="button" className="btn" onClick={() => setBrowsing(true)}>
              Browse…
            </button>
            <button className="btn btn-primary" type="submit" disabled={!path.trim() || adding}>
              {adding ? 'Adding…' : 'Add folder'}
            </button>
          </>
        )}
      </div>
      {addError && (
        <div className="row" style={{ marginTop: 4 }}>
          <p className="field-error grow" role="alert" id="add-folder-error" data-testid="add-folder-error">
            {addError.message}
          </p>
          {addError.suggestion && (
            <button
              type="button"
              className="btn btn-small"
              onClick={() => addError.suggestion && void addFolder(addError.suggestion)}
            >
              Add {addError.suggestion.split(/[\\/]/).pop()} instead
            </button>
          )}
        </div>
      )}
    </form>
  );

  return (
    <div
      className="view"
      onDragOver={(e) => {
        if (client.host) {
          e.preventDefault();
          setDragging(true);
        }
      }}
      onDragLeave={(e) => e.currentTarget === e.target && setDragging(false)}
      onDrop={onDrop}
    >
      <h1>Library</h1>
      {status.folders.length === 0 ? (
        <div className="card">
          <EmptyState icon="folder" title="Add your first folder">
            <p>
              Lookbook indexes the photos in the folders you choose, on this computer — nothing is uploaded.
              Then you can search them by describing what you are looking for.
              {client.host
                ? ' You can also drop a folder on this window.'
                : ' Choose a folder with Browse…, or type its full path:'}
            </p>
            {addForm}
          </EmptyState>
        </div>
      ) : (
        <div className="stack">
          <IndexingCard
            progress={progress}
            paused={paused}
            photoCount={status.photoCount}
            failures={status.failures}
            watchWarning={status.watchWarning}
          />
          <div className="card-row card-row-wide">
            <section className="card" aria-labelledby="folders-title">
              <h2 id="folders-title">Folders</h2>
              <ul className="list">
                {status.folders.map((f) => (
                  <FolderRow key={f.path} folder={f} />
                ))}
              </ul>
              <div style={{ marginTop: 10 }}>{addForm}</div>
            </section>
            <section className="card" aria-labelledby="engine-title">
              <h2 id="engine-title">Model and device</h2>
              <dl className="meta" style={{ fontSize: 13 }}>
                <dt>Photos</dt>
                <dd data-testid="photo-count">{status.photoCount.toLocaleString()}</dd>
                <dt>Model</dt>
                <dd>
                  {status.model?.name ?? '—'}{' '}
                  {status.model?.isDemo && <span className="pill pill-warn">demo: only knows colours</span>}
                </dd>
                <dt>Runs on</dt>
                <dd data-testid="device">
                  {status.device ? (
                    <>
                      {deviceName(status.device.provider)}
                      {status.device.fallbackReason && (
                        <div className="small muted">Not on GPU: {status.device.fallbackReason}</div>
                      )}
                    </>
                  ) : (
                    '—'
                  )}
                </dd>
                <dt>Data</dt>
                <dd className="mono">{status.dataDir}</dd>
              </dl>
            </section>
          </div>
          <StoreCard />
        </div>
      )}
      {dragging && <div className="drop-overlay">Drop folders to add them to the library</div>}
      {browsing && (
        <FolderBrowser
          title="Choose a folder of photos"
          chooseLabel="Add this folder"
          startAt={path}
          onCancel={() => setBrowsing(false)}
          onChoose={(chosen) => {
            setBrowsing(false);
            void addFolder(chosen);
          }}
        />
      )}
    </div>
  );
}
