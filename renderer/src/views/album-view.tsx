// One album: its photos in a grid (a manual album in its own order, a smart album in its search's), its
// cover, and what can be done to it (rename, export, delete; set the cover, remove photos).
import { useMemo, useState } from 'react';
import type { AlbumView as Album } from '../api/types';
import { EmptyState } from '../components/common';
import { Icon } from '../components/icons';
import { SelectionBar } from '../components/selection-bar';
import { VirtualGrid } from '../components/virtual-grid';
import type { PhotoSource } from '../hooks/app-context';
import { useApp } from '../hooks/app-context';
import { usePaged } from '../hooks/use-paged';
import { rangeFromPages, useSelection } from '../hooks/use-selection';
import { DeleteAlbumDialog, ExportAlbumDialog, RenameAlbumDialog, describeSmart } from './album-dialogs';

type Open = 'rename' | 'delete' | 'export' | null;

export function AlbumView({ albumId }: { albumId: string }) {
  const { client, albums, openPhoto, run, searchSimilar, navigate } = useApp();
  const album = albums.find((a) => a.id === albumId);
  const [dialog, setDialog] = useState<Open>(null);

  // The album's photos change when it does (albumsChanged carries its new updatedAt and count).
  const version = album ? `${album.updatedAt}:${album.count}` : '';
  const photos = usePaged(album ? `${albumId}@${version}` : null, 0, (offset, limit) =>
    client.call('albums.photos', { id: albumId, offset, limit }),
  );

  const selection = useSelection(
    {
      total: photos.total,
      item: photos.item,
      range: (start, end) =>
        rangeFromPages(start, end, photos.item, async (offset, limit) => {
          const page = await client.call('albums.photos', { id: albumId, offset, limit });
          return page.items;
        }),
    },
    albumId,
  );
  const chosen = [...selection.photos.values()];

  const source = useMemo<PhotoSource>(
    () => ({
      get total() {
        return photos.total;
      },
      item: photos.item,
      ensureRange: photos.ensureRange,
      actions: [
        {
          label: 'Use as album cover',
          run: (p) =>
            void run(() => client.call('albums.setCover', { id: albumId, photoId: p.id }), 'Cover set.'),
        },
      ],
    }),
    [photos, client, albumId, run],
  );

  if (!album) {
    return (
      <div className="view">
        <EmptyState icon="album" title="This album is gone">
          <p>It may have been deleted. Its photos are still in your library.</p>
          <button className="btn btn-primary" onClick={() => navigate('photos')}>
            Go to Photos
          </button>
        </EmptyState>
      </div>
    );
  }

  return (
    <div className="view-fill" data-testid="album-view" data-album={album.name}>
      <AlbumHeader album={album} onAction={setDialog} />
      {photos.error && (
        <div className="banner banner-error" role="alert">
          {photos.error}
        </div>
      )}
      {!photos.loading && !photos.error && photos.total === 0 ? (
        <EmptyState
          icon="album"
          title={album.kind === 'smart' ? 'No photos match yet' : 'This album is empty'}
        >
          <p>
            {album.kind === 'smart'
              ? 'New photos that match appear here by themselves.'
              : 'Select photos in Photos or Search, then choose Album in the bar that appears.'}
          </p>
        </EmptyState>
      ) : (
        <VirtualGrid
          total={photos.total}
          item={photos.item}
          ensureRange={photos.ensureRange}
          thumbnailUrl={client.thumbnailUrl}
          resetKey={albumId}
          selection={selection}
          onOpen={(i) => openPhoto(source, i)}
          onSimilar={searchSimilar}
        />
      )}
      <SelectionBar selection={selection}>
        {chosen.length === 1 && chosen[0] && (
          <button
            className="btn btn-small"
            onClick={() => {
              const photoId = chosen[0]?.id ?? '';
              void run(() => client.call('albums.setCover', { id: albumId, photoId }), 'Cover set.').then(
                selection.clear,
              );
            }}
          >
            Use as cover
          </button>
        )}
        {album.kind === 'manual' && (
          <button
            className="btn btn-small"
            onClick={() =>
              void run(
                () => client.call('albums.remove', { id: albumId, photoIds: chosen.map((p) => p.id) }),
                chosen.length === 1
                  ? `Removed 1 photo from “${album.name}”; it is still in your library.`
                  : `Removed ${chosen.length} photos from “${album.name}”; they are still in your library.`,
              ).then(selection.clear)
            }
          >
            Remove from this album
          </button>
        )}
      </SelectionBar>
      {dialog === 'rename' && <RenameAlbumDialog album={album} onClose={() => setDialog(null)} />}
      {dialog === 'export' && <ExportAlbumDialog album={album} onClose={() => setDialog(null)} />}
      {dialog === 'delete' && (
        <DeleteAlbumDialog
          album={album}
          onClose={() => setDialog(null)}
          onDeleted={() => navigate('photos')}
        />
      )}
    </div>
  );
}

function AlbumHeader({ album, onAction }: { album: Album; onAction(open: Open): void }) {
  const { client } = useApp();
  return (
    <div className="album-header">
      {album.cover ? (
        <img
          className="album-cover"
          src={client.thumbnailUrl(album.cover.contentId)}
          alt=""
          data-testid="album-cover"
        />
      ) : (
        <span className="album-cover album-cover-empty" aria-hidden>
          <Icon name="album" size={28} />
        </span>
      )}
      <div className="grow" style={{ minWidth: 0 }}>
        <h1 className="ellipsis" style={{ margin: 0 }} data-testid="album-title">
          {album.name}
        </h1>
        <div className="small muted" data-testid="album-count">
          {album.kind === 'smart' ? 'Smart album · ' : ''}
          {album.count.toLocaleString()} photo{album.count === 1 ? '' : 's'}
          {album.kind === 'smart' && <> · {describeSmart(album.smart)}</>}
        </div>
      </div>
      <div className="row album-actions">
        <button className="btn btn-small" onClick={() => onAction('rename')}>
          Rename
        </button>
        <button className="btn btn-small" onClick={() => onAction('export')} disabled={album.count === 0}>
          Export…
        </button>
        <button className="btn btn-small btn-danger" onClick={() => onAction('delete')}>
          Delete…
        </button>
      </div>
    </div>
  );
}
