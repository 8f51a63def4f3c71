import { useCallback, useEffect, useState } from 'react';
import { DEFAULT_MIN_PROBABILITY } from '../api/types';
import type { TagFacet, TaggingProgress, TaggingRunView, VocabularyView } from '../api/types';
import { EmptyState, ProgressBar } from '../components/common';
import { useApp } from '../hooks/app-context';
import { useEventListener } from '../hooks/use-event';
import { useLoad } from '../hooks/use-load';

export function TaggingView() {
  const { client, status, run, searchWith, notify } = useApp();
  const [vocabularies, setVocabularies] = useState<VocabularyView[]>([]);
  const [selected, setSelected] = useState('');
  const [editName, setEditName] = useState('');
  const [editLabels, setEditLabels] = useState('');
  const [folder, setFolder] = useState('');
  // The core's default, so the app suggests what `lookbook tag` would.
  const [threshold, setThreshold] = useState(DEFAULT_MIN_PROBABILITY);
  const [progress, setProgress] = useState<TaggingProgress | null>(null);
  const [facets, setFacets] = useState<TagFacet[]>([]);
  const [lastRun, setLastRun] = useState<TaggingRunView | null>(null);

  const fetchData = useCallback(async () => {
    const [v, f, last] = await Promise.all([
      client.call('vocabularies.list', {}),
      client.call('tags.facets', {}),
      client.call('tagging.lastRun', {}),
    ]);
    setVocabularies(v);
    setFacets(f);
    setLastRun(last);
    // The core's default (the same one `lookbook tag` uses), not whichever comes first.
    setSelected((s) => s || v.find((x) => x.isDefault)?.id || v[0]?.id || '');
  }, [client]);
  const { load, loadError } = useLoad(fetchData);

  useEventListener(
    'taggingProgress',
    useCallback(
      (p: TaggingProgress) => {
        setProgress(p);
        if (p.phase === 'done') {
          notify(`Auto-tagging finished: ${p.tagsAdded} tag${p.tagsAdded === 1 ? '' : 's'} suggested.`);
          void load();
        }
      },
      [load, notify],
    ),
  );

  const vocab = vocabularies.find((v) => v.id === selected);
  useEffect(() => {
    if (vocab) {
      setEditName(vocab.builtIn ? `${vocab.name} (my copy)` : vocab.name);
      setEditLabels(vocab.labels.join('\n'));
    }
  }, [vocab]);

  const running = progress?.phase === 'running';
  const labels = editLabels
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);

  if (status && status.photoCount === 0) {
    return (
      <div className="view">
        <h1>Tagging</h1>
        <EmptyState icon="tag" title="Nothing to tag yet">
          <p>Add a folder in Library first. Once photos are indexed, Lookbook can suggest tags for them.</p>
        </EmptyState>
      </div>
    );
  }

  return (
    <div className="view">
      <h1>Tagging</h1>
      {loadError && (
        <div className="banner banner-error" role="alert">
          {loadError}
        </div>
      )}
      <div className="card-row">
        <section className="card" aria-labelledby="auto-title">
          <h2 id="auto-title">Auto-tag photos</h2>
          <p className="small muted" style={{ marginTop: 0 }}>
            Lookbook compares each photo with every label of a vocabulary and suggests the labels that fit.
            You confirm or reject suggestions in the photo view.
          </p>
          <div className="stack" style={{ gap: 10 }}>
            <label className="field">
              Vocabulary
              <select
                className="input"
                value={selected}
                onChange={(e) => setSelected(e.target.value)}
                data-testid="vocabulary-select"
              >
                {vocabularies.map((v) => (
                  <option key={v.id} value={v.id}>
                    {v.name} ({v.labels.length} labels)
                  </option>
                ))}
              </select>
            </label>
            <label className="field">
              Folder
              <select className="input" value={folder} onChange={(e) => setFolder(e.target.value)}>
                <option value="">Whole library</option>
                {(status?.folders ?? []).map((f) => (
                  <option key={f.path} value={f.path}>
                    {f.path}
                  </option>
                ))}
              </select>
            </label>
            {vocab?.warning && (
              <p className="notice-warn small" role="alert" data-testid="vocabulary-warning">
                {vocab.warning}
              </p>
            )}
            <label className="field">
              How sure a suggestion must be: {threshold.toFixed(2)}
              <input
                type="range"
                min={0}
                max={1}
                step={0.01}
                value={threshold}
                onChange={(e) => setThreshold(Number(e.target.value))}
              />
            </label>
            <div className="row">
              <button
                className="btn btn-primary"
                disabled={!selected || running}
                onClick={() =>
                  run(async () => {
                    setProgress(null);
                    await client.call('tagging.autoTag', {
                      vocabularyId: selected,
                      threshold,
                      ...(folder ? { folder } : {}),
                      // The warning is on screen next to this button, whose label says so.
                      ...(vocab?.warning ? { anyway: true } : {}),
                    });
                  })
                }
              >
                {running ? 'Tagging…' : vocab?.warning ? 'Auto-tag anyway' : 'Auto-tag'}
              </button>
              {progress && (
                <span className="small muted" data-testid="tagging-status" data-phase={progress.phase}>
                  {progress.phase === 'running'
                    ? `${progress.done} of ${progress.total} photos`
                    : progress.phase === 'done'
                      ? `Done: ${progress.tagsAdded} tags suggested on ${progress.total} photos`
                      : (progress.message ?? progress.phase)}
                </span>
              )}
            </div>
            {running && (
              <ProgressBar
                value={progress.total ? progress.done / progress.total : null}
                label="Tagging progress"
              />
            )}
            {lastRun && !running && (
              <div className="row small" data-testid="last-run">
                <span className="muted">
                  Last run: {lastRun.suggested} suggestion{lastRun.suggested === 1 ? '' : 's'} from “
                  {lastRun.vocabulary}” on {new Date(lastRun.startedAt).toLocaleString()}.
                </span>
                <button
                  className="btn"
                  onClick={() =>
                    run(async () => {
                      const undone = await client.call('tagging.undo', { runId: lastRun.runId });
                      setProgress(null);
                      await load();
                      notify(
                        `Undone: ${undone.removed} suggestion${undone.removed === 1 ? '' : 's'} removed` +
                          (undone.restored ? `, ${undone.restored} earlier ones back.` : '.') +
                          ' Confirmed, rejected and hand-added tags are unchanged.',
                      );
                    })
                  }
                >
                  Undo this run
                </button>
              </div>
            )}
          </div>
        </section>
        <section className="card" aria-labelledby="vocab-title">
          <h2 id="vocab-title">Edit vocabulary</h2>
          <div className="stack" style={{ gap: 10 }}>
            <label className="field">
              Name
              <input className="input" value={editName} onChange={(e) => setEditName(e.target.value)} />
            </label>
            <label className="field">
              Labels, one per line ({labels.length})
              <textarea
                className="input mono"
                rows={8}
                value={editLabels}
                onChange={(e) => setEditLabels(e.target.value)}
              />
            </label>
            <div className="row">
              <button
                className="btn"
                disabled={!editName.trim() || labels.length === 0}
                onClick={() =>
                  run(async () => {
                    const saved = await client.call('vocabularies.save', {
                      ...(vocab && !vocab.builtIn ? { id: vocab.id } : {}),
                      name: editName.trim(),
                      labels,
                    });
                    await load();
                    setSelected(saved.id);
                  }, 'Vocabulary saved.')
                }
              >
                {vocab && !vocab.builtIn ? 'Save' : 'Save as new'}
              </button>
              <label className="btn">
                Import file…
                <input
                  type="file"
                  accept=".txt,.csv,.json,text/plain"
                  hidden
                  onChange={async (e) => {
                    const file = e.target.files?.[0];
                    if (!file) return;
                    const text = await file.text();
                    await run(async () => {
                      const v = await client.call('vocabularies.import', {
                        name: file.name.replace(/\.[^.]+$/, ''),
                        text,
                      });
                      await load();
                      setSelected(v.id);
                    }, `Imported ${file.name}.`);
                  }}
                />
              </label>
            </div>
          </div>
        </section>
      </div>
      <section className="card" style={{ marginTop: 16 }} aria-labelledby="facets-title">
        <h2 id="facets-title">Tags in your library</h2>
        {facets.length === 0 ? (
          <p className="muted small">
            No tags yet. Run auto-tag above, or add tags to photos in the photo view.
          </p>
        ) : (
          <div className="facets" data-testid="tag-facets">
            {facets.map((f) => (
              <button
                key={f.tag}
                className="pill facet"
                title={`${f.confirmed} confirmed, ${f.rejected} rejected — click to see them`}
                onClick={() => searchWith({ tags: [f.tag] })}
              >
                {f.tag} <b>{f.count}</b>
              </button>
            ))}
          </div>
        )}
      </section>
    </div>
  );
}
