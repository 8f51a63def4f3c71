// The sidebar's album list: manual and smart albums with their photo counts, and the two ways to make one.
import type { AlbumView } from '../api/types';
import type { AlbumDraft } from '../hooks/app-context';
import { Icon } from './icons';

export function AlbumNav({
  albums,
  current,
  onOpen,
  onNew,
}: {
  albums: AlbumView[];
  /** The album on screen, if any. */
  current: string | null;
  onOpen(id: string): void;
  onNew(draft: AlbumDraft): void;
}) {
  return (
    <section className="album-nav" aria-labelledby="albums-heading">
      <div className="album-nav-head">
        <h2 id="albums-heading">Albums</h2>
        <button
          className="btn btn-ghost btn-small"
          title="New album"
          aria-label="New album"
          onClick={() => onNew({ kind: 'manual' })}
        >
          <Icon name="plus" size={14} />
        </button>
        <button
          className="btn btn-ghost btn-small"
          title="New smart album: one that fills itself from a search"
          aria-label="New smart album"
          onClick={() => onNew({ kind: 'smart' })}
        >
          <Icon name="smart" size={14} />
        </button>
      </div>
      {albums.length === 0 ? (
        <p className="small muted album-nav-empty">No albums yet.</p>
      ) : (
        <ul className="album-list" data-testid="album-list">
          {albums.map((a) => (
            <li key={a.id}>
              <button
                className="nav-item"
                aria-current={current === a.id ? 'page' : undefined}
                onClick={() => onOpen(a.id)}
                title={a.kind === 'smart' ? `${a.name} (smart album)` : a.name}
                // The name stays the button's name when the narrow layout shows only icons.
                aria-label={a.name}
                data-testid="album-item"
                data-album={a.name}
              >
                <Icon name={a.kind === 'smart' ? 'smart' : 'album'} size={16} />
                <span className="ellipsis">{a.name}</span>
                <span className="nav-count" data-testid="album-item-count">
                  {a.count.toLocaleString()}
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
