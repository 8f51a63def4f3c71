import { useCallback, useState } from 'react';
import type { CatalogueModel, ConversionProgress, DownloadProgress } from '../api/types';
import { messageOf } from '../api/client';
import { ProgressBar, formatBytes } from '../components/common';
import { FolderBrowser } from '../components/folder-browser';
import { useApp } from '../hooks/app-context';
import { useEventListener } from '../hooks/use-event';
import { useLoad } from '../hooks/use-load';

/**
 * Installs a model folder or archive from this computer ('models.import': the checks of
 * `lookbook models import`, a test inference included). Errors stay next to the field.
 */
function ImportModelCard({ onImported }: { onImported(models: CatalogueModel[], id: string): void }) {
  const { client } = useApp();
  const [path, setPath] = useState('');
  const [browsing, setBrowsing] = useState(false);
  const [importing, setImporting] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const importFrom = async (source: string) => {
    setImporting(true);
    setError(null);
    try {
      const { id, models } = await client.call('models.import', { path: source });
      setPath('');
      onImported(models, id);
    } catch (e) {
      setPath(source);
      setError(messageOf(e));
    } finally {
      setImporting(false);
    }
  };

  return (
    <section className="card" aria-labelledby="import-model-title" data-testid="import-model">
      <h2 id="import-model-title">Import a model from this computer</h2>
      <p className="small muted" style={{ marginTop: 0 }}>
        A model folder or archive (.zip, .tar, .tar.gz) in the Immich or Hugging Face layout. Lookbook checks
        it and tries it once before installing it; nothing is downloaded.
      </p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (path.trim()) void importFrom(path.trim());
        }}
      >
        <div className="row">
          <input
            className="input grow mono"
            placeholder="/home/you/Downloads/ViT-B-32__openai"
            aria-label="Model folder or archive"
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? 'import-model-error' : undefined}
            value={path}
            disabled={importing}
            onChange={(e) => {
              setPath(e.target.value);
              setError(null);
            }}
          />
          <button
            type="button"
            className="btn"
            disabled={importing}
            onClick={async () => {
              if (!client.host) return setBrowsing(true);
              const picked = await client.host.pickFolder();
              if (picked) setPath(picked);
            }}
          >
            {client.host ? 'Choose folder…' : 'Browse…'}
          </button>
          <button className="btn btn-primary" type="submit" disabled={!path.trim() || importing}>
            {importing ? 'Importing…' : 'Import'}
          </button>
        </div>
        {importing && (
          <div style={{ marginTop: 8 }}>
            <ProgressBar value={null} label="Importing the model" />
            <div className="small muted">Copying and checking the model; a large one takes a minute…</div>
          </div>
        )}
        {error && (
          <p className="field-error" role="alert" id="import-model-error" data-testid="import-model-error">
            {error}
          </p>
        )}
      </form>
      {browsing && (
        <FolderBrowser
          title="Choose a model folder"
          chooseLabel="Import this folder"
          startAt={path}
          onCancel={() => setBrowsing(false)}
          onChoose={(chosen) => {
            setBrowsing(false);
            setPath(chosen);
            void importFrom(chosen);
          }}
        />
      )}
    </section>
  );
}

/**
 * The offer on the model in use: a faster copy made on this computer (int8 for the processor, fp16 for a
 * graphics card), what it trades, and its progress while it is made ('models.makeFaster').
 */
function FasterVersionOffer({
  model,
  progress,
  onStart,
}: {
  model: CatalogueModel;
  progress: ConversionProgress | undefined;
  onStart(): void;
}) {
  const offer = model.fasterVersion;
  if (!offer || offer.installed) return null;
  const working = progress?.phase === 'working';
  const forWhat = offer.precision === 'int8' ? "this computer's processor" : 'your graphics card';
  return (
    <div className="faster-version" data-testid="faster-version">
      <h3 style={{ margin: '6px 0 2px', fontSize: 'inherit' }}>A faster version for this computer</h3>
      <p className="small muted" style={{ margin: 0 }}>
        Lookbook can make a copy of this model that runs about twice as fast on {forWhat} and takes less
        space. Matches become very slightly less precise: the copy is checked against this model on sample
        pictures and phrases and kept only if they agree closely. Switching to it re-indexes your photos in
        the background; searching keeps working meanwhile.
      </p>
      {working && (
        <>
          <ProgressBar
            value={progress.total ? progress.step / progress.total : null}
            label="Making the faster version"
          />
          <div className="small muted">{progress.message}</div>
        </>
      )}
      {progress?.phase === 'error' && (
        <div className="small" role="alert" style={{ color: 'var(--bad)' }}>
          {progress.message}
        </div>
      )}
      <button className="btn" style={{ marginTop: 6 }} disabled={working} onClick={onStart}>
        {working ? 'Making it…' : 'Make the faster version'}
      </button>
    </div>
  );
}

export function ModelsView() {
  const { client, run, refreshStatus, notify } = useApp();
  const [models, setModels] = useState<CatalogueModel[]>([]);
  const [downloads, setDownloads] = useState<Record<string, DownloadProgress>>({});
  const [conversions, setConversions] = useState<Record<string, ConversionProgress>>({});

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

  useEventListener(
    'conversionProgress',
    useCallback(
      (p: ConversionProgress) => {
        setConversions((c) => ({ ...c, [p.modelId]: p }));
        if (p.phase === 'done') {
          const agreed =
            p.agreement === undefined
              ? ''
              : ` It agreed at least ${(p.agreement * 100).toFixed(1)}% with the original.`;
          notify(
            `The faster version is ready.${agreed} Choose “Use this model” on its card to switch to it.`,
          );
          void load();
        }
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
      <div className="card-row" style={{ marginBottom: 14 }}>
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
              {m.active && (
                <FasterVersionOffer
                  model={m}
                  progress={conversions[m.id]}
                  onStart={() =>
                    run(async () => {
                      await client.call('models.makeFaster', { id: m.id });
                    })
                  }
                />
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
      <ImportModelCard
        onImported={(list, id) => {
          setModels(list);
          const name = list.find((m) => m.id === id)?.name ?? id;
          notify(`Imported ${name}. Choose “Use this model” on its card to switch to it.`);
        }}
      />
    </div>
  );
}
