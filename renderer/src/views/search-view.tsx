import { useEffect, useMemo, useRef, useState } from 'react';
import type { DragEvent } from 'react';
import type { PhotoSummary, SearchFacets, SearchFilters, SearchRequest, SortOrder } from '../api/types';
import { EmptyState } from '../components/common';
import { SelectionBar, photosWord } from '../components/selection-bar';
import { NoResults } from '../components/no-results';
import { VirtualGrid } from '../components/virtual-grid';
import { useApp } from '../hooks/app-context';
import { useDebounced, useEventListener } from '../hooks/use-event';
import { usePagedSearch } from '../hooks/use-paged-search';
import { rangeFromPages, useSelection } from '../hooks/use-selection';

export interface SearchPreset {
  similarTo?: PhotoSummary;
  /** Photos to look like together (a selection). */
  similarToMany?: PhotoSummary[];
  filters?: SearchFilters;
  /** Changes on every preset so the same one can be applied twice. */
  nonce: number;
}

function readAsBase64(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result).replace(/^data:[^,]*,/, ''));
    r.onerror = () => reject(new Error(`Could not read ${file.name}.`));
    r.readAsDataURL(file);
  });
}

export function SearchView({ preset }: { preset: SearchPreset | null }) {
  const { client, status, openPhoto, navigate, notify, newAlbum } = useApp();
  const [query, setQuery] = useState('');
  const [similar, setSimilar] = useState<PhotoSummary | null>(null);
  const [similarMany, setSimilarMany] = useState<PhotoSummary[] | null>(null);
  const [showScores, setShowScores] = useState(() => localStorage.getItem('lookbook.showScores') === '1');
  const [dropped, setDropped] = useState<{ name: string; base64: string; url: string } | null>(null);
  const [filters, setFilters] = useState<SearchFilters>({});
  const [sort, setSort] = useState<SortOrder>('relevance');
  const [facets, setFacets] = useState<SearchFacets | null>(null);
  const [dragging, setDragging] = useState(false);
  const [refresh, setRefresh] = useState(0);
  const inputRef = useRef<HTMLInputElement>(null);
  const [gridFocus, setGridFocus] = useState<{ index: number } | null>(null);
  const debouncedQuery = useDebounced(query, 250);

  useEffect(() => {
    if (!preset) return;
    if (preset.similarTo || preset.similarToMany) {
      setSimilar(preset.similarTo ?? null);
      setSimilarMany(preset.similarToMany ?? null);
      setDropped(null);
      setQuery('');
    }
    if (preset.filters) setFilters(preset.filters);
  }, [preset]);

  useEffect(() => {
    client.call('search.facets', {}).then(setFacets, () => setFacets(null));
  }, [client, status?.photoCount]);

  // New photos indexed: refresh the results (at most every few seconds while indexing runs).
  const lastRefresh = useRef(0);
  useEventListener('libraryChanged', () => {
    const now = Date.now();
    if (now - lastRefresh.current > 3000) {
      lastRefresh.current = now;
      setRefresh((r) => r + 1);
    }
  });

  useEffect(() => inputRef.current?.focus(), []);

  const request = useMemo<SearchRequest>(() => {
    const r: SearchRequest = { sort };
    if (debouncedQuery.trim()) r.query = debouncedQuery.trim();
    if (similar) r.similarTo = similar.id;
    if (similarMany) r.similarToMany = similarMany.map((p) => p.id);
    if (dropped) r.imageBase64 = dropped.base64;
    const f: SearchFilters = {};
    if (filters.folder) f.folder = filters.folder;
    if (filters.from) f.from = filters.from;
    if (filters.to) f.to = filters.to;
    if (filters.tags?.length) f.tags = filters.tags;
    if (filters.formats?.length) f.formats = filters.formats;
    if (Object.keys(f).length) r.filters = f;
    return r;
  }, [debouncedQuery, similar, similarMany, dropped, filters, sort]);

  const results = usePagedSearch(client, status && status.photoCount > 0 ? request : null, refresh);
  const hasQuery = Boolean(
    request.query || request.similarTo || request.similarToMany || request.imageBase64,
  );
  const resetKey = results.key.replace(/#\d+$/, '');
  const selection = useSelection(
    {
      total: results.total,
      item: results.item,
      range: (start, end) =>
        rangeFromPages(start, end, results.item, async (offset, limit) => {
          const page = await client.call('search.query', { ...request, offset, limit });
          return page.items;
        }),
    },
    resetKey,
  );
  const searchBy = (p: PhotoSummary) => {
    setSimilar(p);
    setSimilarMany(null);
    setDropped(null);
    setQuery('');
  };

  const onDrop = async (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    const file = [...e.dataTransfer.files].find(
      (f) => f.type.startsWith('image/') || /\.(heic|heif|avif)$/i.test(f.name),
    );
    if (!file) {
      notify('Drop an image file to find photos that look like it.');
      return;
    }
    try {
      const base64 = await readAsBase64(file);
      setSimilar(null);
      setSimilarMany(null);
      setQuery('');
      setDropped({ name: file.name, base64, url: URL.createObjectURL(file) });
    } catch (err) {
      notify((err as Error).message);
    }
  };

  const setFilter = (patch: Partial<SearchFilters>) => setFilters((f) => ({ ...f, ...patch }));
  const clearAll = () => {
    setQuery('');
    setSimilar(null);
    setSimilarMany(null);
    setDropped(null);
    setFilters({});
    setSort('relevance');
  };

  if (status && status.photoCount === 0) {
    const indexing = status.indexing.phase === 'indexing' || status.indexing.phase === 'scanning';
    return (
      <div className="view">
        <EmptyState
          icon={indexing ? 'hourglass' : 'photos'}
          title={indexing ? 'Your photos are being indexed' : 'No photos yet'}
        >
          <p>
            {indexing
              ? 'Search works as soon as the first photos are indexed. You can follow the progress in Library.'
              : status.folders.length === 0
                ? 'Add a folder of photos in Library; Lookbook indexes it on this computer, and then you can search it by describing what you are looking for.'
                : 'The folders you added have no photos Lookbook can read yet. Check them in Library.'}
          </p>
          <button className="btn btn-primary" onClick={() => navigate('library')}>
            Go to Library
          </button>
        </EmptyState>
      </div>
    );
  }

  return (
    <div
      className="view-fill"
      onDragOver={(e) => {
        if ([...e.dataTransfer.types].includes('Files')) {
          e.preventDefault();
          setDragging(true);
        }
      }}
      onDragLeave={(e) => {
        if (e.currentTarget === e.target) setDragging(false);
      }}
      onDrop={onDrop}
    >
      <div className="row">
        <input
          ref={inputRef}
          className="input input-search grow"
          type="search"
          placeholder={
            status?.model?.isDemo
              ? 'Search by colour: red, blue, green… (demo model)'
              : 'Describe a photo: “dog on a beach at sunset”'
          }
          aria-label="Search photos"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Escape') clearAll();
            // Arrow down: on to the first photo (then Enter opens it).
            if (e.key === 'ArrowDown' && results.total > 0) {
              e.preventDefault();
              setGridFocus({ index: 0 });
            }
          }}
        />
      </div>
      <div className="toolbar">
        <label className="field">
          Folder
          <select
            className="input"
            value={filters.folder ?? ''}
            onChange={(e) => setFilter({ folder: e.target.value || undefined })}
          >
            <option value="">All folders</option>
            {(status?.folders ?? []).map((f) => (
              <option key={f.path} value={f.path}>
                {f.path}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          From
          <input
            className="input"
            type="date"
            value={filters.from ?? ''}
            onChange={(e) => setFilter({ from: e.target.value || undefined })}
          />
        </label>
        <label className="field">
          To
          <input
            className="input"
            type="date"
            value={filters.to ?? ''}
            onChange={(e) => setFilter({ to: e.target.value || undefined })}
          />
        </label>
        <label className="field">
          Tag
          <select
            className="input"
            value={filters.tags?.[0] ?? ''}
            onChange={(e) => setFilter({ tags: e.target.value ? [e.target.value] : undefined })}
          >
            <option value="">Any tag</option>
            {(facets?.tags ?? []).map((t) => (
              <option key={t.tag} value={t.tag}>
                {t.tag} ({t.count})
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          Format
          <select
            className="input"
            value={filters.formats?.[0] ?? ''}
            onChange={(e) => setFilter({ formats: e.target.value ? [e.target.value] : undefined })}
          >
            <option value="">Any format</option>
            {(facets?.formats ?? []).map((f) => (
              <option key={f} value={f}>
                {f.toUpperCase()}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          Sort
          <select className="input" value={sort} onChange={(e) => setSort(e.target.value as SortOrder)}>
            <option value="relevance">Best match</option>
            <option value="date-desc">Newest first</option>
            <option value="date-asc">Oldest first</option>
          </select>
        </label>
        <span className="grow" />
        <label className="btn" title="Search with an image from your computer">
          Search by image…
          <input
            type="file"
            accept="image/*"
            hidden
            data-testid="image-file"
            onChange={async (e) => {
              const file = e.target.files?.[0];
              if (!file) return;
              const base64 = await readAsBase64(file);
              setSimilar(null);
              setSimilarMany(null);
              setQuery('');
              setDropped({ name: file.name, base64, url: URL.createObjectURL(file) });
            }}
          />
        </label>
      </div>
      <div className="result-info" aria-live="polite">
        {similar && (
          <span className="pill pill-accent">
            Similar to {similar.name}
            <button
              className="btn btn-ghost btn-small"
              aria-label="Stop searching by this photo"
              onClick={() => setSimilar(null)}
            >
              ✕
            </button>
          </span>
        )}
        {similarMany && (
          <span className="pill pill-accent">
            Like the {photosWord(similarMany.length)} you selected
            <button
              className="btn btn-ghost btn-small"
              aria-label="Stop searching by the selected photos"
              onClick={() => setSimilarMany(null)}
            >
              ✕
            </button>
          </span>
        )}
        {dropped && (
          <span className="pill pill-accent">
            <img
              src={dropped.url}
              alt=""
              width={18}
              height={18}
              style={{ objectFit: 'cover', borderRadius: 3 }}
            />
            Like {dropped.name}
            <button
              className="btn btn-ghost btn-small"
              aria-label="Stop searching by this image"
              onClick={() => setDropped(null)}
            >
              ✕
            </button>
          </span>
        )}
        <span
          data-testid="result-count"
          data-state={results.loading ? 'loading' : 'ready'}
          data-query={request.query ?? ''}
        >
          {results.error
            ? ''
            : results.loading
              ? 'Searching…'
              : hasQuery
                ? `${results.total.toLocaleString()} matching photo${results.total === 1 ? '' : 's'}`
                : `${results.total.toLocaleString()} photo${results.total === 1 ? '' : 's'}`}
        </span>
        <span className="grow" />
        {(request.query || request.similarTo || request.filters) && !dropped && !similarMany && (
          <button
            className="btn btn-small"
            title="An album that always shows what this search finds, new photos included"
            onClick={() =>
              newAlbum({
                kind: 'smart',
                smart: { query: request.query, similarTo: request.similarTo, filters: request.filters },
              })
            }
          >
            Save as smart album…
          </button>
        )}
        <span className="small hide-narrow">
          <span className="kbd">↑↓←→</span> move <span className="kbd">Enter</span> open{' '}
          <span className="kbd">Space</span> select <span className="kbd">S</span> similar · drop an image to
          search by it
        </span>
        <label className="small" title="Show how closely each photo matches (1 is a perfect match)">
          <input
            type="checkbox"
            checked={showScores}
            onChange={(e) => {
              setShowScores(e.target.checked);
              localStorage.setItem('lookbook.showScores', e.target.checked ? '1' : '0');
            }}
          />{' '}
          Match scores
        </label>
      </div>
      {results.error && (
        <div className="banner banner-error" role="alert">
          {results.error}
        </div>
      )}
      {!results.loading && !results.error && results.total === 0 ? (
        <NoResults
          reasons={results.emptyReasons}
          onClear={clearAll}
          onClearFilters={() => setFilters({})}
          navigate={navigate}
        />
      ) : (
        <VirtualGrid
          total={results.total}
          item={results.item}
          ensureRange={results.ensureRange}
          thumbnailUrl={client.thumbnailUrl}
          resetKey={resetKey}
          // How well each photo matches is a detail for the curious: on hover, or under the photo
          // when "Match scores" is on, never over the thumbnails by default.
          titleOf={(p) => (p.score === undefined ? p.name : `${p.name} · match ${p.score.toFixed(2)}`)}
          showScores={showScores && hasQuery}
          selection={selection}
          focusRequest={gridFocus}
          // Closing the photo puts the focus back on the photo it showed last.
          onOpen={(i) => openPhoto(results, i, (last) => setGridFocus({ index: last }))}
          onSimilar={searchBy}
        />
      )}
      <SelectionBar selection={selection} />
      {dragging && <div className="drop-overlay">Drop an image to find photos like it</div>}
    </div>
  );
}
