import { useCallback, useEffect, useRef, useState } from 'react';
import type { PhotoDetails, PhotoTag } from '../api/types';
import { formatBytes, formatDate } from '../components/common';
import type { PhotoSource } from '../hooks/app-context';
import { useApp } from '../hooks/app-context';
import { messageOf } from '../api/client';

function TagRow({ tag, onConfirm, onReject }: { tag: PhotoTag; onConfirm(): void; onReject(): void }) {
  return (
    <div
      className={`tag-row ${tag.status}`}
      data-testid="tag-row"
      data-tag={tag.tag}
      data-status={tag.status}
    >
      <span className="tag-name">{tag.tag}</span>
      {tag.score !== null && (
        <>
          <span className="score-bar" aria-hidden>
            <div style={{ width: `${Math.round(Math.max(0, Math.min(1, tag.score)) * 100)}%` }} />
          </span>
          <span className="tag-score" title="How sure the model is">
            {Math.round(tag.score * 100)}%
          </span>
        </>
      )}
      {tag.status === 'confirmed' || tag.status === 'manual' ? (
        <span className="pill pill-ok">✓ {tag.status === 'manual' ? 'added' : 'confirmed'}</span>
      ) : tag.status === 'rejected' ? (
        <span className="pill pill-bad">rejected</span>
      ) : (
        <span className="pill">suggested</span>
      )}
      {tag.status !== 'confirmed' && tag.status !== 'manual' && (
        <button className="btn btn-small" aria-label={`Confirm ${tag.tag}`} onClick={onConfirm}>
          ✓
        </button>
      )}
      {tag.status !== 'rejected' && (
        <button className="btn btn-small" aria-label={`Reject ${tag.tag}`} onClick={onReject}>
          ✕
        </button>
      )}
    </div>
  );
}

export function PhotoView({
  source,
  index,
  onClose,
}: {
  source: PhotoSource;
  index: number;
  /** Called with the photo shown last, so the grid can put its focus back on it. */
  onClose(lastIndex: number): void;
}) {
  const { client, run, searchSimilar, notify } = useApp();
  const [i, setI] = useState(index);
  const shown = useRef(index);
  shown.current = i;
  const close = useCallback(() => onClose(shown.current), [onClose]);
  const [details, setDetails] = useState<PhotoDetails | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [newTag, setNewTag] = useState('');
  const [caption, setCaption] = useState('');
  const [usedThumb, setUsedThumb] = useState(false);
  const closeRef = useRef<HTMLButtonElement>(null);
  const summary = source.item(i);

  useEffect(() => {
    closeRef.current?.focus();
  }, []);

  // A source that says when the photos it loads arrive (the Photos view's months) re-renders the viewer then.
  const [, setArrived] = useState(0);
  useEffect(() => {
    const loading = source.ensureRange?.(Math.max(0, i - 1), Math.min(source.total, i + 2));
    if (!summary) {
      let waiting = true;
      if (loading) void loading.then(() => waiting && setArrived((n) => n + 1));
      return () => {
        waiting = false;
      };
    }
    let alive = true;
    setDetails(null);
    setError(null);
    setUsedThumb(false);
    client.call('photos.get', { id: summary.id }).then(
      (d) => alive && setDetails(d),
      (e) => alive && setError(messageOf(e)),
    );
    return () => {
      alive = false;
    };
  }, [client, summary, source, i]);

  const go = useCallback(
    (delta: number) => setI((x) => Math.max(0, Math.min(source.total - 1, x + delta))),
    [source.total],
  );

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const typing = (e.target as HTMLElement | null)?.closest('input, textarea, select');
      if (e.key === 'Escape') close();
      else if (typing) return;
      else if (e.key === 'ArrowRight') go(1);
      else if (e.key === 'ArrowLeft') go(-1);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [go, close]);

  const setTags = (tags: PhotoTag[]) => setDetails((d) => (d ? { ...d, tags } : d));
  const tagAction = (method: 'tags.confirm' | 'tags.reject' | 'tags.add', tag: string) =>
    run(async () => {
      if (!details) return;
      setTags(await client.call(method, { photoId: details.id, tag }));
    });

  const photo = details ?? summary;
  return (
    <div
      className="modal-backdrop"
      role="dialog"
      aria-modal="true"
      aria-label={photo ? `Photo ${photo.name}` : 'Photo'}
      onClick={(e) => e.target === e.currentTarget && close()}
    >
      <div className="photo-view" data-testid="photo-view">
        <div className="photo-stage">
          {photo && (
            <img
              key={photo.id}
              src={usedThumb ? client.thumbnailUrl(photo.contentId) : client.photoUrl(photo.id)}
              alt={photo.name}
              onError={() => setUsedThumb(true)}
            />
          )}
          {i > 0 && (
            <button
              className="photo-nav"
              style={{ left: 12 }}
              aria-label="Previous photo"
              onClick={() => go(-1)}
            >
              ‹
            </button>
          )}
          {i < source.total - 1 && (
            <button className="photo-nav" style={{ right: 12 }} aria-label="Next photo" onClick={() => go(1)}>
              ›
            </button>
          )}
        </div>
        <aside className="photo-side">
          <div className="row">
            <h2 className="grow ellipsis" title={photo?.name}>
              {photo?.name ?? '…'}
            </h2>
            <button ref={closeRef} className="btn btn-small" onClick={close} aria-label="Close (Esc)">
              ✕
            </button>
          </div>
          {error && (
            <div className="banner banner-error" role="alert">
              {error}
            </div>
          )}
          <div className="row">
            {photo && (
              <button className="btn btn-small" onClick={() => (close(), searchSimilar(photo))}>
                Find similar
              </button>
            )}
            {photo &&
              source.actions?.map((a) => (
                <button key={a.label} className="btn btn-small" onClick={() => void a.run(photo)}>
                  {a.label}
                </button>
              ))}
            {client.host && photo && (
              <>
                <button className="btn btn-small" onClick={() => client.host?.showInFolder(photo.path)}>
                  Show in folder
                </button>
                <button className="btn btn-small" onClick={() => client.host?.openWithDefaultApp(photo.path)}>
                  Open
                </button>
              </>
            )}
          </div>
          <dl className="meta">
            <dt>Taken</dt>
            <dd>{formatDate(photo?.takenAt ?? null)}</dd>
            <dt>Size</dt>
            <dd>
              {photo?.width && photo.height ? `${photo.width} × ${photo.height}` : '—'}
              {details ? ` · ${formatBytes(details.sizeBytes)}` : ''}
            </dd>
            <dt>Format</dt>
            <dd>{photo?.format?.toUpperCase() || '—'}</dd>
            {details?.camera && (
              <>
                <dt>Camera</dt>
                <dd>{details.camera}</dd>
              </>
            )}
            {details &&
              Object.entries(details.metadata).map(([k, v]) => (
                <div key={k} style={{ display: 'contents' }}>
                  <dt>{k}</dt>
                  <dd>{v ?? '—'}</dd>
                </div>
              ))}
            <dt>File</dt>
            <dd className="mono">{photo?.path}</dd>
          </dl>
          <section aria-labelledby="tags-title">
            <h3 id="tags-title">Tags</h3>
            {details && details.tags.length === 0 && (
              <p className="small muted">No tags yet. Add one below, or auto-tag the folder in Tagging.</p>
            )}
            {details?.tags.map((t) => (
              <TagRow
                key={t.tag}
                tag={t}
                onConfirm={() => void tagAction('tags.confirm', t.tag)}
                onReject={() => void tagAction('tags.reject', t.tag)}
              />
            ))}
            <form
              className="row"
              style={{ marginTop: 6 }}
              onSubmit={(e) => {
                e.preventDefault();
                const t = newTag.trim();
                if (t) void tagAction('tags.add', t).then(() => setNewTag(''));
              }}
            >
              <input
                className="input grow"
                placeholder="Add a tag"
                aria-label="New tag"
                value={newTag}
                onChange={(e) => setNewTag(e.target.value)}
              />
              <button className="btn" type="submit" disabled={!newTag.trim() || !details}>
                Add
              </button>
            </form>
          </section>
          <section aria-labelledby="caption-title">
            <h3 id="caption-title">Caption</h3>
            <p className="small muted" style={{ marginTop: 0 }}>
              Describe this photo in your own words. Each caption becomes a training pair for fine-tuning.
            </p>
            {details && details.captions.length > 0 && (
              <ul className="small" style={{ paddingLeft: 18 }}>
                {details.captions.map((c) => (
                  <li key={c}>{c}</li>
                ))}
              </ul>
            )}
            <form
              className="row"
              onSubmit={(e) => {
                e.preventDefault();
                const text = caption.trim();
                if (!text || !details) return;
                void run(async () => {
                  const overview = await client.call('pairs.add', { photoId: details.id, text });
                  setCaption('');
                  setDetails((d) => (d ? { ...d, captions: [...d.captions, text] } : d));
                  notify(
                    `Caption saved — ${overview.total} training pair${overview.total === 1 ? '' : 's'} so far.`,
                  );
                });
              }}
            >
              <input
                className="input grow"
                placeholder="e.g. my red bike by the lake"
                aria-label="Caption"
                value={caption}
                onChange={(e) => setCaption(e.target.value)}
              />
              <button className="btn" type="submit" disabled={!caption.trim() || !details}>
                Save
              </button>
            </form>
          </section>
          <p className="small muted" style={{ marginTop: 'auto' }}>
            {i + 1} of {source.total.toLocaleString()} · <span className="kbd">←</span>{' '}
            <span className="kbd">→</span> browse · <span className="kbd">Esc</span> close
          </p>
        </aside>
      </div>
    </div>
  );
}
