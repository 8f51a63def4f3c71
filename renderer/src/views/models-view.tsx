import { useCallback, useState } from 'react';
import type { CatalogueModel, DownloadProgress } from '../api/types';
import { ProgressBar, formatBytes } from '../components/common';
import { useApp } from '../hooks/app-context';
import { useEventListener } from '../hooks/use-event';
import { useLoad } from '../hooks/use-load';

export function ModelsView() {
  const { client, run, refreshStatus, notify } = useApp();
  const [models, setModels] = useState<CatalogueModel[]>([]);
  const [downloads, setDownloads] = useState<Record<string, DownloadProgress>>({});

  const fetchData = useCallback(async () => {
    setModels(await client.call('models.catalogue', {}));
  }, [client]);
  const { load, loadError } = useLoad(fetchData);

  useEventListener(
    'downloadProgress',
    useCallback(
      (p: DownloadProgress) => {
        setDownloads((d) => ({ ...d, [p.modelId]: p }));
        if (p.phase === 'done') {
          notify('Download finished. Activate the model to re-index your photos with it.');
          void load();
        }
        if (p.phase === 'error' && p.message) notify(p.message);
      },
      [load, notify],
    ),
  );

  return (
    <div className="view">
      <h1>Models</h1>
      <p className="muted" style={{ marginTop: -4, maxWidth: 720 }}>
        A model turns photos and words into comparable vectors. Bigger models understand more but index more
        slowly. Models are downloaded once and run on this computer.
      </p>
      {loadError && (
        <div className="banner banner-error" role="alert">
          {loadError}
        </div>
      )}
      <div className="card-row">
        {models.map((m) => {
          const d = downloads[m.id];
          const downloading = d && (d.phase === 'downloading' || d.phase === 'verifying');
          return (
            <section key={m.id} className="card model-card" data-testid="model-card" data-model={m.id}>
              <div className="row">
                <h2 className="grow" style={{ margin: 0 }}>
                  {m.name}
                </h2>
                {m.active && <span className="pill pill-ok">in use</span>}
                {!m.active && m.installed && <span className="pill">installed</span>}
                {m.isDemo && <span className="pill pill-warn">demo</span>}
              </div>
              <p className="small muted" style={{ margin: 0 }}>
                {m.description}
              </p>
              <div className="small muted">
                {m.sizeBytes !== null ? formatBytes(m.sizeBytes) : 'Made on this computer'}
                {m.embedDim ? ` · ${m.embedDim}-dimensional vectors` : ''}
              </div>
              {downloading && (
                <>
                  <ProgressBar
                    value={d.totalBytes ? d.receivedBytes / d.totalBytes : null}
                    label={`Downloading ${m.name}`}
                  />
                  <div className="small muted">
                    {d.phase === 'verifying'
                      ? 'Checking the files…'
                      : `${formatBytes(d.receivedBytes)} of ${formatBytes(d.totalBytes)}`}
                  </div>
                </>
              )}
              {d?.phase === 'error' && (
                <div className="small" style={{ color: 'var(--bad)' }}>
                  {d.message}
                </div>
              )}
              <div className="row" style={{ marginTop: 'auto' }}>
                {!m.installed && (
                  <button
                    className="btn"
                    disabled={Boolean(downloading)}
                    onClick={() => run(() => client.call('models.download', { id: m.id }))}
                  >
                    {downloading ? 'Downloading…' : 'Download'}
                  </button>
                )}
                {m.installed && !m.active && (
                  <button
                    className="btn btn-primary"
                    onClick={() =>
                      run(async () => {
                        setModels(await client.call('models.activate', { id: m.id }));
                        await refreshStatus();
                      }, `Now using ${m.name}. Your photos are re-indexed in the background.`)
                    }
                  >
                    Use this model
                  </button>
                )}
              </div>
            </section>
          );
        })}
      </div>
    </div>
  );
}
