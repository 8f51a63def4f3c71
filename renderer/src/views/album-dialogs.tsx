// The dialogs around albums: create (manual or smart), rename, delete, export.
import { useEffect, useState } from 'react';
import type { AlbumExportResult, AlbumView, SearchFacets, SmartQuery } from '../api/types';
import { Dialog } from '../components/dialog';
import type { AlbumDraft } from '../hooks/app-context';
import { useApp } from '../hooks/app-context';

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString()} ${n === 1 ? one : many}`;

function baseName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

/** The export's result in plain words: "Copied 12 photos to …; 2 renamed to avoid overwriting." */
export function describeExport(result: AlbumExportResult): string {
  const renamed = result.copied.filter((c) => baseName(c.from) !== baseName(c.to)).length;
  let text = `Copied ${plural(result.copied.length, 'photo')} to ${result.destination}`;
  if (renamed) text += `; ${renamed} renamed to avoid overwriting`;
  text += '.';
  if (result.failures.length) {
    const first = result.failures[0];
    text += ` ${plural(result.failures.length, 'photo')} could not be copied`;
    text += first ? ` (${baseName(first.path)}: ${first.reason}).` : '.';
  }
  return text;
}

/** The smart query in words, for the album's header and the dialog. */
export function describeSmart(smart: SmartQuery | undefined): string {
  if (!smart) return '';
  const parts: string[] = [];
  if (smart.query) parts.push(`“${smart.query}”`);
  if (smart.similarTo) parts.push('looks like a chosen photo');
  const f = smart.filters ?? {};
  if (f.tags?.length) parts.push(`tagged ${f.tags.join(', ')}`);
  if (f.from && f.to) parts.push(`taken ${f.from} to ${f.to}`);
  else if (f.from) parts.push(`taken from ${f.from}`);
  else if (f.to) parts.push(`taken until ${f.to}`);
  if (f.folder) parts.push(`in ${f.folder}`);
  if (f.formats?.length) parts.push(f.formats.map((x) => x.toUpperCase()).join(', '));
  return parts.length ? parts.join(' · ') : 'every photo';
}

export function NewAlbumDialog({ draft, onClose }: { draft: AlbumDraft; onClose(): void }) {
  const { client, run, openAlbum } = useApp();
  const smart = draft.kind === 'smart';
  const [name, setName] = useState('');
  const [query, setQuery] = useState(draft.smart?.query ?? '');
  const [from, setFrom] = useState(draft.smart?.filters?.from ?? '');
  const [to, setTo] = useState(draft.smart?.filters?.to ?? '');
  const [tag, setTag] = useState(draft.smart?.filters?.tags?.[0] ?? '');
  const [facets, setFacets] = useState<SearchFacets | null>(null);
  const [busy, setBusy] = useState(false);
  const count = draft.photoIds?.length ?? 0;

  useEffect(() => {
    if (smart) client.call('search.facets', {}).then(setFacets, () => setFacets(null));
  }, [client, smart]);

  const smartQuery = (): SmartQuery => {
    const filters = { ...draft.smart?.filters };
    delete filters.from;
    delete filters.to;
    delete filters.tags;
    if (from) filters.from = from;
    if (to) filters.to = to;
    if (tag) filters.tags = [tag, ...(draft.smart?.filters?.tags ?? []).filter((t) => t !== tag)];
    const q: SmartQuery = {};
    if (query.trim()) q.query = query.trim();
    if (draft.smart?.similarTo) q.similarTo = draft.smart.similarTo;
    if (Object.keys(filters).length) q.filters = filters;
    return q;
  };

  // A smart album needs something to match; with nothing it would be the whole library again.
  const hasCriteria = !smart || Object.keys(smartQuery()).length > 0;

  const submit = async () => {
    setBusy(true);
    const album = await run(
      () =>
        client.call('albums.create', {
          name: name.trim(),
          ...(smart ? { smart: smartQuery() } : count ? { photoIds: draft.photoIds } : {}),
        }),
      smart ? `Smart album “${name.trim()}” created.` : `Album “${name.trim()}” created.`,
    );
    setBusy(false);
    if (album) {
      onClose();
      openAlbum(album.id);
    }
  };

  return (
    <Dialog title={smart ? 'New smart album' : 'New album'} onClose={onClose} testId="new-album-dialog">
      <form
        className="stack"
        style={{ gap: 10 }}
        onSubmit={(e) => {
          e.preventDefault();
          if (name.trim() && hasCriteria && !busy) void submit();
        }}
      >
        <p className="small muted" style={{ margin: 0 }}>
          {smart
            ? 'A smart album fills itself: it always shows the photos that match what you set here, including new ones.'
            : count
              ? `The album starts with the ${plural(count, 'selected photo')}. Photos stay where they are; the album only lists them.`
              : 'An empty album: add photos to it from a selection. Photos stay where they are; the album only lists them.'}
        </p>
        <label className="field">
          Name
          <input
            className="input"
            value={name}
            onChange={(e) => setName(e.target.value)}
            placeholder={smart ? 'e.g. Red products' : 'e.g. Summer 2026'}
            aria-label="Album name"
          />
        </label>
        {smart && (
          <>
            <label className="field">
              Photos that look like
              <input
                className="input"
                value={query}
                onChange={(e) => setQuery(e.target.value)}
                placeholder="e.g. red dress on a white background"
                aria-label="Words"
              />
            </label>
            {draft.smart?.similarTo && <p className="small muted">…and like the photo you searched with.</p>}
            <div className="row" style={{ flexWrap: 'wrap' }}>
              <label className="field">
                Taken from
                <input className="input" type="date" value={from} onChange={(e) => setFrom(e.target.value)} />
              </label>
              <label className="field">
                to
                <input className="input" type="date" value={to} onChange={(e) => setTo(e.target.value)} />
              </label>
              <label className="field">
                With the tag
                <select className="input" value={tag} onChange={(e) => setTag(e.target.value)}>
                  <option value="">Any tag</option>
                  {tag && !facets?.tags.some((t) => t.tag === tag) && <option value={tag}>{tag}</option>}
                  {(facets?.tags ?? []).map((t) => (
                    <option key={t.tag} value={t.tag}>
                      {t.tag} ({t.count})
                    </option>
                  ))}
                </select>
              </label>
            </div>
            {draft.smart?.filters?.folder && (
              <p className="small muted" style={{ margin: 0 }}>
                Only photos in {draft.smart.filters.folder}.
              </p>
            )}
          </>
        )}
        <div className="row" style={{ justifyContent: 'flex-end' }}>
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          {!hasCriteria && <span className="small muted grow">Give words, dates or a tag to match.</span>}
          <button type="submit" className="btn btn-primary" disabled={!name.trim() || !hasCriteria || busy}>
            {smart ? 'Create smart album' : 'Create album'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

export function RenameAlbumDialog({ album, onClose }: { album: AlbumView; onClose(): void }) {
  const { client, run } = useApp();
  const [name, setName] = useState(album.name);
  return (
    <Dialog title="Rename album" onClose={onClose} testId="rename-album-dialog">
      <form
        className="stack"
        style={{ gap: 10 }}
        onSubmit={(e) => {
          e.preventDefault();
          const next = name.trim();
          if (!next) return;
          void run(() => client.call('albums.rename', { id: album.id, name: next })).then(
            (done) => done && onClose(),
          );
        }}
      >
        <label className="field">
          Name
          <input
            className="input"
            value={name}
            onChange={(e) => setName(e.target.value)}
            aria-label="Album name"
            onFocus={(e) => e.currentTarget.select()}
          />
        </label>
        <div className="row" style={{ justifyContent: 'flex-end' }}>
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button
            type="submit"
            className="btn btn-primary"
            disabled={!name.trim() || name.trim() === album.name}
          >
            Rename
          </button>
        </div>
      </form>
    </Dialog>
  );
}

export function DeleteAlbumDialog({
  album,
  onClose,
  onDeleted,
}: {
  album: AlbumView;
  onClose(): void;
  onDeleted(): void;
}) {
  const { client, run } = useApp();
  return (
    <Dialog title="Delete album?" onClose={onClose} testId="delete-album-dialog">
      <p>
        Delete the album <b>{album.name}</b>? Its {plural(album.count, 'photo')} stay in your library and in
        their folders; only the album goes.
      </p>
      <div className="row" style={{ justifyContent: 'flex-end' }}>
        <button className="btn" onClick={onClose}>
          Keep it
        </button>
        <button
          className="btn btn-danger"
          onClick={() =>
            void run(
              () => client.call('albums.delete', { id: album.id }),
              `Album “${album.name}” deleted; its photos are still in your library.`,
            ).then((done) => done && onDeleted())
          }
        >
          Delete album
        </button>
      </div>
    </Dialog>
  );
}

export function ExportAlbumDialog({ album, onClose }: { album: AlbumView; onClose(): void }) {
  const { client, run } = useApp();
  const [destination, setDestination] = useState('');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<string | null>(null);
  const host = client.host;

  const exportTo = async (folder: string) => {
    setBusy(true);
    setResult(null);
    const res = await run(() => client.call('albums.export', { id: album.id, destination: folder }));
    setBusy(false);
    if (res) setResult(describeExport(res));
  };

  return (
    <Dialog title={`Export “${album.name}”`} onClose={onClose} testId="export-album-dialog">
      <p className="small muted" style={{ marginTop: 0 }}>
        Copies the {plural(album.count, 'original photo')} into a folder. Files already there are never
        overwritten: a photo with the same name gets a number added.
      </p>
      {host ? (
        <div className="row">
          <button
            className="btn btn-primary"
            disabled={busy}
            onClick={async () => {
              const folder = await host.pickFolder();
              if (folder) await exportTo(folder);
            }}
          >
            {busy ? 'Copying…' : 'Choose a folder and export…'}
          </button>
        </div>
      ) : (
        <form
          className="row"
          onSubmit={(e) => {
            e.preventDefault();
            if (destination.trim() && !busy) void exportTo(destination.trim());
          }}
        >
          <input
            className="input grow mono"
            value={destination}
            onChange={(e) => setDestination(e.target.value)}
            placeholder="/Users/me/Desktop/For the client"
            aria-label="Export to folder"
          />
          <button type="submit" className="btn btn-primary" disabled={!destination.trim() || busy}>
            {busy ? 'Copying…' : 'Export'}
          </button>
        </form>
      )}
      {result && (
        <p className="banner banner-ok" role="status" data-testid="export-result">
          {result}
        </p>
      )}
    </Dialog>
  );
}
