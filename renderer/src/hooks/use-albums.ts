import { useEffect, useState } from 'react';
import type { AlbumView } from '../api/types';
import type { AppClient } from '../api/client';

/** Every album, fetched once and then replaced by each `albumsChanged` (which carries the whole list). */
export function useAlbums(client: AppClient): AlbumView[] {
  const [albums, setAlbums] = useState<AlbumView[]>([]);
  useEffect(() => {
    let alive = true;
    // A failed first fetch leaves the list empty; the next albumsChanged fills it.
    client.call('albums.list', {}).then(
      (list) => alive && setAlbums(list),
      () => undefined,
    );
    const off = client.onAlbumsChanged((e) => setAlbums(e.albums));
    return () => {
      alive = false;
      off();
    };
  }, [client]);
  return albums;
}
