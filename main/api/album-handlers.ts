// The API's album requests, over main/albums/'s AlbumService. Every change to an album is followed by
// an `albumsChanged` event with the whole list; so is a change to the library (a smart album's count
// moves with it), at most once every ALBUMS_REFRESH_MS while indexing goes on.
import type { Album } from '../albums/album-service.js';
import { photoSummary } from './library-handlers.js';
import type { AreaContext } from './tagging-handlers.js';
import type { AlbumView, ApiHandlers } from './types.js';

type AlbumMethods =
  | 'albums.list'
  | 'albums.create'
  | 'albums.rename'
  | 'albums.delete'
  | 'albums.add'
  | 'albums.remove'
  | 'albums.setCover'
  | 'albums.move'
  | 'albums.photos'
  | 'albums.export';

/** How long the album list waits after a library change, so a run's many changes refresh it once. */
export const ALBUMS_REFRESH_MS = 1500;

export interface AlbumArea {
  handlers: Pick<ApiHandlers, AlbumMethods>;
  close(): void;
}

export function albumView(a: Album): AlbumView {
  return {
    id: a.id,
    name: a.name,
    kind: a.kind,
    count: a.count,
    cover: a.cover ? photoSummary(a.cover) : null,
    ...(a.smart ? { smart: a.smart } : {}),
    createdAt: a.createdAt,
    updatedAt: a.updatedAt,
  };
}

export function createAlbumArea(ctx: AreaContext): AlbumArea {
  const { core, hub, log } = ctx;
  const albums = () => core.albums();
  let closed = false;

  const emitList = async (): Promise<AlbumView[]> => {
    const list = (await albums().list()).map(albumView);
    if (!closed) hub.emit('albumsChanged', { albums: list });
    return list;
  };
  /** Runs an album change, then tells every view; the change's own answer is returned. */
  async function changing<T>(change: Promise<T>): Promise<T> {
    const result = await change;
    await emitList().catch((e) => log('album list after a change failed', e));
    return result;
  }

  let timer: NodeJS.Timeout | undefined;
  const unsubscribe = hub.subscribe('libraryChanged', () => {
    if (timer || closed) return;
    timer = setTimeout(() => {
      timer = undefined;
      if (!closed) emitList().catch((e) => log('album list after a library change failed', e));
    }, ALBUMS_REFRESH_MS);
  });

  return {
    handlers: {
      'albums.list': async () => (await albums().list()).map(albumView),
      'albums.create': async ({ name, photoIds, smart }) =>
        albumView(
          await changing(
            albums().create(name, {
              ...(photoIds ? { photos: photoIds } : {}),
              ...(smart ? { smart } : {}),
            }),
          ),
        ),
      'albums.rename': async ({ id, name }) => albumView(await changing(albums().rename(id, name))),
      'albums.delete': async ({ id }) => (await changing(albums().delete(id))).map(albumView),
      'albums.add': async ({ id, photoIds }) => albumView(await changing(albums().add(id, photoIds))),
      'albums.remove': async ({ id, photoIds }) => albumView(await changing(albums().remove(id, photoIds))),
      'albums.setCover': async ({ id, photoId }) => albumView(await changing(albums().setCover(id, photoId))),
      'albums.move': async ({ id, photoIds, index }) =>
        albumView(await changing(albums().move(id, photoIds, index))),
      'albums.photos': async ({ id, offset, limit }) => {
        const page = await albums().photos(id, { offset: offset ?? 0, limit: limit ?? 100 });
        return { total: page.total, offset: page.offset, items: page.items.map(photoSummary) };
      },
      // Copies files, changes no album: no event.
      'albums.export': async ({ id, destination }) => albums().export(id, destination),
    },
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      unsubscribe();
    },
  };
}
