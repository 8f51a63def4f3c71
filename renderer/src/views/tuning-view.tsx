import { useCallback, useState } from 'react';
import type { AdapterView, PairsOverview, TrainingProgress } from '../api/types';
import type { EpochPoint } from '../components/charts';
import { LossChart, RecallChart } from '../components/charts';
import { EmptyState, ProgressBar, pct } from '../components/common';
import { useApp } from '../hooks/app-context';
import { useEventListener } from '../hooks/use-event';
import { useLoad } from '../hooks/use-load';

export function TuningView() {
  const { client, run, notify, navigate } = useApp();
  const [overview, setOverview] = useState<PairsOverview | null>(null);
  const [adapters, setAdapters] = useState<AdapterView[]>([]);
  const [epochs, setEpochs] = useState(20);
  const [progress, setProgress] = useState<TrainingProgress | null>(null);
  const [points, setPoints] = useState<EpochPoint[]>([]);

  const fetchData = useCallback(async () => {
    const [o, a] = await Promise.all([client.call('pairs.overview', {}), client.call('adapters.list', {})]);
    setOverview(o);
    setAdapters(a);
  }, [client]);
  const { load, loadError } = useLoad(fetchData);

  useEventListener(
    'trainingProgress',
    useCallback(
      (p: TrainingProgress) => {
        setProgress(p);
        if (p.epochEnd) {
          setPoints((pts) => [
            ...pts.filter((x) => x.epoch !== p.epoch),
            { epoch: p.epoch, loss: p.loss, valRecall: p.valRecall },
          ]);
        }
        if (p.phase === 'done') {
          notify(
            p.activated
              ? `Fine-tuning finished: ${p.adapterId ?? 'the new adapter'} is in use. Roll back below to undo.`
              : `Fine-tuning finished: ${p.adapterId ?? 'the new adapter'} is saved, not in use. Apply it below to try it.`,
          );
          void load();
        }
        if (p.phase === 'error' && p.message) notify(p.message);
      },
      [load, notify],
    ),
  );

  const training = progress !== null && ['preparing', 'training', 'evaluating'].includes(progress.phase);
  const finished = progress !== null && ['done', 'cancelled', 'error'].includes(progress.phase);
  const missing = overview ? Math.max(0, overview.minimumForTraining - overview.train) : 0;
  const latest = adapters.find((a) => a.before && a.after);
  const shown =
    progress?.phase === 'done' && progress.before && progress.after
      ? { before: progress.before, after: progress.after, note: progress.recallNote ?? null }
      : latest?.before && latest.after
        ? { before: latest.before, after: latest.after, note: latest.recallNote }
        : null;

  return (
    <div className="view">
      <h1>Fine-tuning</h1>
      <p className="muted" style={{ marginTop: -4, maxWidth: 720 }}>
        Teach Lookbook your own words: caption photos in the photo view (“grandma’s garden”, “the blue van”),
        then train a small adapter on this computer. Search improves for what you described; you can roll back
        at any time.
      </p>
      {loadError && (
        <div className="banner banner-error" role="alert">
          {loadError}
        </div>
      )}
      <div className="card-row">
        <section className="card" aria-labelledby="pairs-title">
          <h2 id="pairs-title">Captioned photos</h2>
          {overview && overview.total === 0 ? (
            <EmptyState icon="pencil" title="No captions yet">
              <p>
                Open a photo from Search and write what it shows in the Caption field. Each caption is one
                training pair.
              </p>
              <button className="btn" onClick={() => navigate('search')}>
                Go to Search
              </button>
            </EmptyState>
          ) : (
            <>
              <div className="stats" style={{ marginTop: 0 }}>
                <span className="stat">
                  <b data-testid="pair-count">{overview?.total ?? 0}</b> pairs
                </span>
                <span className="stat">
                  <b>{overview?.photos ?? 0}</b> photos
                </span>
                {missing > 0 && <span className="pill pill-warn">{missing} more needed to train</span>}
              </div>
              {overview && (
                <p className="small muted" style={{ margin: '4px 0 0' }} data-testid="pair-summary">
                  {overview.summary}
                </p>
              )}
              <ul className="list small" style={{ maxHeight: 220, overflow: 'auto', marginTop: 8 }}>
                {overview?.recent.map((p) => (
                  <li key={p.id}>
                    <img
                      src={client.thumbnailUrl(p.contentId)}
                      alt=""
                      width={36}
                      height={36}
                      style={{ objectFit: 'cover', borderRadius: 6 }}
                    />
                    <span className="grow">{p.text}</span>
                    <button
                      className="btn btn-small btn-ghost"
                      aria-label={`Remove caption ${p.text}`}
                      onClick={() =>
                        run(async () => setOverview(await client.call('pairs.remove', { id: p.id })))
                      }
                    >
                      ✕
                    </button>
                  </li>
                ))}
              </ul>
            </>
          )}
        </section>
        <section className="card" aria-labelledby="train-title">
          <h2 id="train-title">Train</h2>
          <div className="row">
            <label className="field">
              Epochs
              <input
                className="input"
                type="number"
                min={1}
                max={500}
                value={epochs}
                onChange={(e) => setEpochs(Math.max(1, Math.min(500, Number(e.target.value) || 1)))}
                style={{ width: 90 }}
              />
            </label>
            <span className="grow" />
            {training ? (
              <button
                className="btn"
                onClick={() =>
                  progress && run(() => client.call('training.cancel', { runId: progress.runId }))
                }
              >
                Cancel
              </button>
            ) : (
              <button
                className="btn btn-primary"
                disabled={!overview || missing > 0}
                onClick={() =>
                  run(async () => {
                    setPoints([]);
                    setProgress(null);
                    await client.call('training.start', { epochs });
                  })
                }
              >
                Start training
              </button>
            )}
          </div>
          {overview && (
            <p className="small muted" style={{ margin: '6px 0 0' }}>
              {overview.activationRule}
            </p>
          )}
          {progress && (
            <div style={{ margin: '10px 0' }} data-testid="training-status" data-phase={progress.phase}>
              {training && (
                <ProgressBar
                  value={progress.epochs ? progress.epoch / progress.epochs : null}
                  label="Training progress"
                />
              )}
              <div className="stats">
                <span className="stat">
                  {progress.phase === 'preparing'
                    ? 'Preparing…'
                    : progress.phase === 'evaluating'
                      ? 'Measuring recall…'
                      : progress.phase === 'done'
                        ? 'Done'
                        : progress.phase === 'training'
                          ? `Epoch ${progress.epoch} of ${progress.epochs}`
                          : (progress.message ?? progress.phase)}
                </span>
                {progress.loss !== null && (
                  <span className="stat">
                    loss <b>{progress.loss.toFixed(3)}</b>
                  </span>
                )}
                {progress.valRecall !== null && (
                  <span className="stat">
                    Recall@1 <b>{pct(progress.valRecall)}</b> {progress.measuredOn}
                  </span>
                )}
              </div>
              {progress.message && progress.phase === 'done' && (
                <p className="small muted" style={{ margin: '6px 0 0' }}>
                  {progress.message}
                </p>
              )}
            </div>
          )}
          <LossChart points={points} epochs={progress?.epochs ?? epochs} finished={finished} />
        </section>
      </div>
      <div className="card-row" style={{ marginTop: 16 }}>
        <section className="card" aria-labelledby="recall-title">
          <h2 id="recall-title">Before and after</h2>
          {shown ? (
            <>
              <RecallChart before={shown.before} after={shown.after} />
              {shown.note && (
                <p className="small" style={{ margin: '6px 0 0' }} data-testid="recall-note">
                  {shown.note}
                </p>
              )}
            </>
          ) : (
            <p className="muted small">
              After training, this shows how often the right photo comes first (Recall@1) or in the top 5 and
              10, before and after.
            </p>
          )}
        </section>
        <section className="card" aria-labelledby="adapters-title">
          <h2 id="adapters-title">Adapters</h2>
          {adapters.length === 0 ? (
            <p className="muted small">No adapters yet. Search uses the model as it came.</p>
          ) : (
            <ul className="list small" data-testid="adapter-list">
              {adapters.map((a) => (
                <li key={a.id}>
                  <div className="grow">
                    <div>
                      {a.name} {a.active && <span className="pill pill-ok">in use</span>}
                    </div>
                    <div className="muted">
                      trained on {a.pairs} pairs · {a.epochs} epochs
                      {a.recallNote ? ` · ${a.recallNote}` : ''}
                    </div>
                  </div>
                  {!a.active && (
                    <button
                      className="btn btn-small"
                      onClick={() =>
                        run(
                          async () => setAdapters(await client.call('adapters.activate', { id: a.id })),
                          'Adapter applied to search.',
                        )
                      }
                    >
                      Apply
                    </button>
                  )}
                </li>
              ))}
            </ul>
          )}
          <div className="row" style={{ marginTop: 10 }}>
            <button
              className="btn"
              disabled={!adapters.some((a) => a.active)}
              onClick={() =>
                run(async () => setAdapters(await client.call('adapters.rollback', {})), 'Rolled back.')
              }
            >
              Roll back
            </button>
          </div>
        </section>
      </div>
    </div>
  );
}
