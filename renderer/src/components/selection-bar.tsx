// The bar that appears once photos are selected: how many, and what can be done to all of them at once.
// Each action says what it did in plain words ("Confirmed “red” on 30 photos"). Views add their own
// actions (an album's "Remove from this album", the review queue's) through `children`.
import { memo, useEffect, useRef, useState } from 'react';
import type { FormEvent, ReactNode } from 'react';
import type { AlbumView, BulkResult, PhotoSummary, TagFacet } from '../api/types';
import { useApp } from '../hooks/app-context';
import type { Selection } from '../hooks/use-selection';

/**
 * Photos per call: the API caps a list of photo ids (main/api/validate.ts), and a few thousand ids keep each
 * request small; larger selections (Ctrl+A on a big library) go in parts.
 */
const PER_CALL = 5_000;

type Panel = 'tag' | 'suggested' | 'album' | 'caption' | null;

export function photosWord(n: number): string {
  return `${n.toLocaleString()} photo${n === 1 ? '' : 's'}`;
}

/** Runs a bulk action over `ids` in parts the API accepts, adding up what each part did. */
export async function inParts(
  ids: string[],
  action: (part: string[]) => Promise<BulkResult>,
): Promise<BulkResult> {
  const total: BulkResult = { changed: 0, skipped: 0, failures: [] };
  for (let i = 0; i < ids.length; i += PER_CALL) {
    const r = await action(ids.slice(i, i + PER_CALL));
    total.changed += r.changed;
    total.skipped += r.skipped;
    total.failures.push(...r.failures);
  }
  return total;
}

/** "Confirmed “red” on 30 photos; 2 photos had no such suggestion." */
function describe(done: string, r: BulkResult, skippedWhy: string): string {
  let s = `${done} ${photosWord(r.changed)}`;
  if (r.skipped) s += `; ${photosWord(r.skipped)} ${skippedWhy}`;
  if (r.failures.length)
    s += `; ${photosWord(r.failures.length)} could not be changed (${r.failures[0]?.reason})`;
  return `${s}.`;
}

async function copyText(text: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    // Older pages or a denied permission: the classic way still works inside a user's click.
    const area = document.createElement('textarea');
    area.value = text;
    document.body.appendChild(area);
    area.select();
    const ok = document.execCommand('copy');
    area.remove();
    if (!ok) throw new Error('The clipboard is not available here; select and copy the paths by hand.');
  }
}

export interface SelectionBarProps {
  selection: Selection;
  /** Extra actions of the view (shown first). */
  children?: ReactNode;
}

/** Memoized: a grid re-renders as it scrolls, the bar only when the selection (or its children) changes. */
export const SelectionBar = memo(function SelectionBar({ selection, children }: SelectionBarProps) {
  const { client, run, notify, searchSimilarToMany } = useApp();
  const [panel, setPanel] = useState<Panel>(null);
  const [text, setText] = useState('');
  const [facets, setFacets] = useState<TagFacet[]>([]);
  const [suggestedTag, setSuggestedTag] = useState('');
  const [albums, setAlbums] = useState<AlbumView[]>([]);
  const [albumId, setAlbumId] = useState('');
  const [working, setWorking] = useState(false);
  const inputRef = useRef<HTMLInputElement>(null);
  const barRef = useRef<HTMLDivElement>(null);

  const photos: PhotoSummary[] = [...selection.photos.values()];
  const ids = photos.map((p) => p.id);
  const count = selection.count;

  useEffect(() => {
    setText('');
    if (panel === 'suggested') void run(() => client.call('tags.facets', {})).then((f) => f && setFacets(f));
    if (panel === 'album')
      void run(() => client.call('albums.list', {})).then((a) => {
        if (!a) return;
        const manual = a.filter((x) => x.kind === 'manual');
        setAlbums(manual);
        setAlbumId((id) => (manual.some((x) => x.id === id) ? id : (manual[0]?.id ?? '')));
      });
    setTimeout(() => inputRef.current?.focus(), 0);
  }, [panel, client, run]);

  if (count === 0 && !selection.busy) return null;

  const act = async (action: () => Promise<string>) => {
    setWorking(true);
    try {
      const message = await run(action);
      if (message) {
        notify(message);
        setPanel(null);
        // The panel's buttons are gone: keep the keyboard here, where Esc clears the selection.
        barRef.current?.focus();
      }
    } finally {
      setWorking(false);
    }
  };

  const addTag = (e: FormEvent) => {
    e.preventDefault();
    const tag = text.trim();
    if (!tag) return;
    void act(async () => {
      const r = await inParts(ids, (part) => client.call('tags.addMany', { photoIds: part, tag }));
      return describe(`Added “${tag}” to`, r, 'had it already');
    });
  };

  const review = (verb: 'confirm' | 'reject') =>
    void act(async () => {
      const tag = suggestedTag || undefined;
      const method = verb === 'confirm' ? 'tags.confirmMany' : 'tags.rejectMany';
      const r = await inParts(ids, (part) =>
        client.call(method, tag ? { photoIds: part, tag } : { photoIds: part }),
      );
      const what = tag ? `“${tag}”` : 'the suggested tags';
      return describe(
        `${verb === 'confirm' ? 'Confirmed' : 'Rejected'} ${what} on`,
        r,
        'had no such suggestion',
      );
    });

  const caption = (e: FormEvent) => {
    e.preventDefault();
    const caption = text.trim();
    if (!caption) return;
    void act(async () => {
      for (let i = 0; i < ids.length; i += PER_CALL)
        await client.call('pairs.addMany', { photoIds: ids.slice(i, i + PER_CALL), text: caption });
      return `Captioned ${photosWord(count)} “${caption}”: they will teach fine-tuning these words.`;
    });
  };

  const album = (verb: 'add' | 'remove') =>
    void act(async () => {
      const target = albums.find((a) => a.id === albumId);
      if (!target) throw new Error('Choose an album first.');
      for (let i = 0; i < ids.length; i += PER_CALL)
        await client.call(verb === 'add' ? 'albums.add' : 'albums.remove', {
          id: target.id,
          photoIds: ids.slice(i, i + PER_CALL),
        });
      return verb === 'add'
        ? `Added ${photosWord(count)} to “${target.name}”.`
        : `Removed ${photosWord(count)} from “${target.name}” (the photos themselves stay in your library).`;
    });

  const newAlbum = (e: FormEvent) => {
    e.preventDefault();
    const name = text.trim();
    if (!name) return;
    void act(async () => {
      const created = await client.call('albums.create', { name, photoIds: ids.slice(0, PER_CALL) });
      for (let i = PER_CALL; i < ids.length; i += PER_CALL)
        await client.call('albums.add', { id: created.id, photoIds: ids.slice(i, i + PER_CALL) });
      return `Made the album “${created.name}” with ${photosWord(count)}.`;
    });
  };

  const exportXmp = () =>
    void act(async () => {
      let written = 0;
      const failures: string[] = [];
      for (let i = 0; i < ids.length; i += PER_CALL) {
        const r = await client.call('xmp.export', { photoIds: ids.slice(i, i + PER_CALL) });
        written += r.written;
        failures.push(...r.failures.map((f) => `${f.path}: ${f.reason}`));
      }
      let s = `Wrote tag files (XMP sidecars) next to ${photosWord(written)}`;
      if (failures.length) s += `; ${failures.length} could not be written (${failures[0]})`;
      return `${s}.`;
    });

  const copyPaths = () =>
    void act(async () => {
      await copyText(photos.map((p) => p.path).join('\n'));
      return `Copied the paths of ${photosWord(count)}.`;
    });

  const showInFolder = () =>
    void act(async () => {
      const host = client.host;
      if (!host) throw new Error('Showing files in their folder needs the desktop app.');
      // One window per folder, and only a few: a selection across 200 folders must not open 200 windows.
      const folders = new Map<string, string>();
      for (const p of photos) if (!folders.has(p.folder)) folders.set(p.folder, p.path);
      const shown = [...folders.values()].slice(0, 3);
      for (const path of shown) await host.showInFolder(path);
      return folders.size > shown.length
        ? `Opened ${shown.length} of the ${folders.size} folders these photos are in.`
        : `Opened the folder${shown.length === 1 ? '' : 's'} of the selected photos.`;
    });

  const suggestedChoices = facets.filter((f) => f.count > f.confirmed + f.rejected);

  const toggle = (p: Panel) => setPanel((cur) => (cur === p ? null : p));

  return (
    <div
      ref={barRef}
      className="selection-bar"
      role="region"
      aria-label="Selected photos"
      data-testid="selection-bar"
      tabIndex={-1}
      onKeyDown={(e) => {
        if (e.key !== 'Escape') return;
        // Esc closes an open panel first, then clears the selection.
        e.stopPropagation();
        if (panel) setPanel(null);
        else selection.clear();
      }}
    >
      <div className="selection-actions">
        <button
          className="btn btn-ghost btn-small"
          onClick={selection.clear}
          title="Clear the selection (Esc)"
          aria-label="Clear the selection"
        >
          ✕
        </button>
        <b data-testid="selection-count" data-count={count} aria-live="polite">
          {selection.busy ? 'Selecting…' : `${photosWord(count)} selected`}
        </b>
        <span className="grow" />
        {children}
        <button className="btn btn-small" aria-expanded={panel === 'tag'} onClick={() => toggle('tag')}>
          Add tag
        </button>
        <button
          className="btn btn-small"
          aria-expanded={panel === 'suggested'}
          onClick={() => toggle('suggested')}
        >
          Suggested tags
        </button>
        <button className="btn btn-small" aria-expanded={panel === 'album'} onClick={() => toggle('album')}>
          Album
        </button>
        <button
          className="btn btn-small"
          aria-expanded={panel === 'caption'}
          onClick={() => toggle('caption')}
        >
          Caption
        </button>
        <button
          className="btn btn-small"
          onClick={exportXmp}
          disabled={working}
          title="Write each photo's tags to a .xmp file next to it, for Lightroom and other editors"
        >
          Export XMP
        </button>
        <button className="btn btn-small" onClick={copyPaths} disabled={working}>
          Copy paths
        </button>
        {client.host && (
          <button className="btn btn-small" onClick={showInFolder} disabled={working}>
            Show in folder
          </button>
        )}
        <button
          className="btn btn-small"
          onClick={() => searchSimilarToMany(photos)}
          disabled={working}
          title="Find photos that look like the selected ones"
        >
          Find similar
        </button>
      </div>
      {panel === 'tag' && (
        <form className="selection-panel" onSubmit={addTag}>
          <input
            ref={inputRef}
            className="input"
            aria-label="Tag to add"
            placeholder="Tag, e.g. “summer sale”"
            value={text}
            onChange={(e) => setText(e.target.value)}
          />
          <button className="btn btn-primary btn-small" disabled={working || !text.trim()}>
            Add to {photosWord(count)}
          </button>
        </form>
      )}
      {panel === 'suggested' && (
        <div className="selection-panel">
          <label className="field-inline">
            Suggested tag
            <select
              className="input"
              aria-label="Suggested tag"
              value={suggestedTag}
              onChange={(e) => setSuggestedTag(e.target.value)}
            >
              <option value="">All suggested tags</option>
              {suggestedChoices.map((f) => (
                <option key={f.tag} value={f.tag}>
                  {f.tag}
                </option>
              ))}
            </select>
          </label>
          <button className="btn btn-primary btn-small" onClick={() => review('confirm')} disabled={working}>
            Confirm
          </button>
          <button className="btn btn-small" onClick={() => review('reject')} disabled={working}>
            Reject
          </button>
        </div>
      )}
      {panel === 'album' && (
        <div className="selection-panel">
          {albums.length > 0 && (
            <>
              <select
                className="input"
                aria-label="Album"
                value={albumId}
                onChange={(e) => setAlbumId(e.target.value)}
              >
                {albums.map((a) => (
                  <option key={a.id} value={a.id}>
                    {a.name} ({a.count})
                  </option>
                ))}
              </select>
              <button className="btn btn-primary btn-small" onClick={() => album('add')} disabled={working}>
                Add to album
              </button>
              <button className="btn btn-small" onClick={() => album('remove')} disabled={working}>
                Remove from album
              </button>
              <span className="muted small">or</span>
            </>
          )}
          <form className="row" onSubmit={newAlbum}>
            <input
              ref={inputRef}
              className="input"
              aria-label="New album name"
              placeholder="New album name"
              value={text}
              onChange={(e) => setText(e.target.value)}
            />
            <button className="btn btn-small" disabled={working || !text.trim()}>
              New album from selection
            </button>
          </form>
        </div>
      )}
      {panel === 'caption' && (
        <form className="selection-panel" onSubmit={caption}>
          <input
            ref={inputRef}
            className="input grow"
            aria-label="Caption for the selected photos"
            placeholder="Describe them in your own words, e.g. “blorf jacket, front”"
            value={text}
            onChange={(e) => setText(e.target.value)}
          />
          <button className="btn btn-primary btn-small" disabled={working || !text.trim()}>
            Caption {photosWord(count)}
          </button>
        </form>
      )}
    </div>
  );
});
